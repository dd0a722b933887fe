import Deploy
import Foundation
import Kube
import Terminal

/// Where the deploy screen deploys to and from: the runner keeps `client` current across `:ctx`
/// (as it does for the chat pane), the namespace follows the connection, the templates are the
/// built-in ones unless a caller gives others.
@MainActor
public final class DeployTarget {
    public var client: KubeClient?
    /// The namespace the form starts with (the connection's; "default" when it shows all).
    public var namespace = "default"
    public var library: TemplateLibrary

    public init(library: TemplateLibrary = .bundled) {
        self.library = library
    }
}

/// `:deploy`: `kvdeck deploy` as a screen, in five steps. Choose a template; edit its parameters
/// in a form (checked as `--set` checks them); preview the rendered YAML and the server's dry-run
/// diff; confirm, seeing every request that will be sent; then apply server-side (field manager
/// kvdeck) and watch each workload roll out. The cluster work runs in `DeployRun`'s tasks, never
/// in a key handler or a frame; read-only mode stops at the preview.
@MainActor
public final class DeployScreen: KeyCapturingScreen {
    enum Step: Int, CaseIterable {
        case choose, edit, preview, confirm, apply

        var title: String {
            switch self {
            case .choose: "template"
            case .edit: "parameters"
            case .preview: "preview"
            case .confirm: "confirm"
            case .apply: "apply"
            }
        }
    }

    public let id = ScreenID.deploy
    let target: DeployTarget
    let readOnly: Bool
    let templateNames: [String]
    /// Read once: the first step lists them every frame.
    let templateDescriptions: [String]
    let run: DeployRun
    private(set) var step = Step.choose
    /// The template under the cursor on the first step.
    var chosen = 0
    private(set) var form: DeployForm?
    /// The value being typed for the form's selected field; nil when not editing.
    private(set) var editing: String?
    /// A template that would not load, or a value or rule the form refused.
    private(set) var problem: String?
    private(set) var rendered: RenderedTemplate?
    /// The preview shows the server's diff, or (after `y`) the rendered YAML.
    private(set) var showsYAML = false
    /// The first line shown of the preview, confirmation or progress text.
    private(set) var scroll = 0
    private var redraw = true

    public init(target: DeployTarget, readOnly: Bool, pollInterval: Duration = .seconds(1)) {
        self.target = target
        self.readOnly = readOnly
        self.templateNames = target.library.names
        self.templateDescriptions = templateNames.map { name in
            (try? target.library.template(named: name).description) ?? "(does not load: choose it to see why)"
        }
        self.run = DeployRun(pollInterval: pollInterval)
    }

    public var title: String {
        "deploy" + (form.map { "(\($0.template.name))" } ?? "")
    }

    public var needsRedraw: Bool { run.changed || redraw }

    public func close() { run.cancel() }

    public func capturesKey(_ key: Key) -> Bool { editing != nil }

    public var hints: [(key: String, action: String)] {
        switch step {
        case .choose: return [("enter", "choose"), ("esc", "back")]
        case .edit:
            if editing != nil { return [("enter", "set"), ("esc", "cancel"), ("ctrl-u", "clear")] }
            return [("enter", "edit"), ("p", "preview"), ("esc", "templates")]
        case .preview:
            return [("y", showsYAML ? "diff" : "YAML"), ("a", readOnly ? "apply (read-only: off)" : "apply…"), ("r", "ask again"), ("esc", "parameters")]
        case .confirm: return [("y", "apply now"), ("n", "back")]
        case .apply: return [("esc", "back to the console")]
        }
    }

    public var keyHelp: [(key: String, action: String)] {
        [("j / k, down / up", "move, or scroll the preview"), ("enter", "choose a template; edit the value under the cursor"),
         ("ctrl-u", "clear the value being edited"), ("p", "preview: render, then the server's dry run (dryRun=All)"),
         ("y", "in the preview: the rendered YAML or the diff; when confirming: apply"),
         ("a", "apply (asks first, shows every request; off in read-only mode)"), ("r", "ask the server again"),
         ("n", "do not apply"), ("esc", "the step before")]
    }

    // MARK: - Keys

    public func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction {
        redraw = true
        if editing != nil { return handleEditing(key) }
        switch step {
        case .choose: return handleChoose(key)
        case .edit: return handleForm(key)
        case .preview: return handlePreview(key, page: visibleRows)
        case .confirm: return handleConfirm(key, page: visibleRows)
        case .apply:
            if key == .escape { return .pop }
            scrollBy(key, page: visibleRows)
            return .none
        }
    }

    private func handleChoose(_ key: Key) -> ScreenAction {
        switch key {
        case .down, .character("j"): chosen = min(chosen + 1, max(0, templateNames.count - 1))
        case .up, .character("k"): chosen = max(0, chosen - 1)
        case .enter:
            guard chosen < templateNames.count else { return .none }
            do {
                let template = try target.library.template(named: templateNames[chosen])
                form = DeployForm(template: template, namespace: target.namespace)
                problem = nil
                step = .edit
            } catch {
                problem = "\(error)"
            }
        case .escape: return .pop
        default: break
        }
        return .none
    }

    private func handleForm(_ key: Key) -> ScreenAction {
        guard var form else { return .none }
        switch key {
        case .down, .character("j"): form.selected = min(form.selected + 1, form.fields.count - 1)
        case .up, .character("k"): form.selected = max(0, form.selected - 1)
        case .enter, .character("e"):
            let field = form.fields[form.selected]
            editing = field.secret ? "" : field.text
        case .character("p"): startPreview(form)
        case .escape:
            self.form = nil
            problem = nil
            step = .choose
            return .none
        default: break
        }
        self.form = form
        return .none
    }

    private func handleEditing(_ key: Key) -> ScreenAction {
        guard var text = editing, var form else { return .none }
        switch key {
        case .enter:
            form.set(form.fields[form.selected].name, to: text)
            self.form = form
            editing = nil
            // Checked at once, in the CLI's words, so a bad value shows beside the form.
            if case let .failure(error) = form.render() { problem = error.message } else { problem = nil }
            return .none
        case .escape: editing = nil; return .none
        case .backspace: if !text.isEmpty { text.removeLast() }
        case .ctrl("u"): text = ""
        case let .character(c): text.append(c)
        default: break
        }
        editing = text
        return .none
    }

    private func startPreview(_ form: DeployForm) {
        switch form.render() {
        case let .failure(error):
            problem = error.message
        case let .success(result):
            guard let client = target.client else {
                problem = "no cluster connection: the preview asks the server"
                return
            }
            problem = nil
            rendered = result
            scroll = 0
            showsYAML = false
            step = .preview
            run.preview(result, client: client)
        }
    }

    private func handlePreview(_ key: Key, page: Int) -> ScreenAction {
        switch key {
        case .character("y"), .tab: showsYAML.toggle(); scroll = 0
        case .character("r"): if let form { startPreview(form) }
        case .character("a"):
            if readOnly { return .flash("read-only mode: nothing is applied (the preview was a dry run)") }
            guard run.progress.stage == .previewed else { return .flash("wait for the server's dry run first") }
            scroll = 0
            step = .confirm
        case .escape:
            run.reset()
            step = .edit
        default: scrollBy(key, page: page)
        }
        return .none
    }

    private func handleConfirm(_ key: Key, page: Int) -> ScreenAction {
        switch key {
        case .character("y"):
            // Read-only never reaches this step; checked again because this is the one that writes.
            guard !readOnly, let rendered, let client = target.client else { return .flash("read-only mode: nothing is applied") }
            scroll = 0
            step = .apply
            run.apply(rendered, client: client)
        case .character("n"), .escape:
            scroll = 0
            step = .preview
        default: scrollBy(key, page: page)
        }
        return .none
    }

    private func scrollBy(_ key: Key, page: Int) {
        switch key {
        case .down, .character("j"): scroll += 1
        case .up, .character("k"): scroll = max(0, scroll - 1)
        case .pageDown, .ctrl("f"), .character(" "): scroll += max(1, page - 1)
        case .pageUp, .ctrl("b"): scroll = max(0, scroll - max(1, page - 1))
        case .home, .character("g"): scroll = 0
        default: break
        }
    }

    // MARK: - Drawing

    public func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        run.changed = false
        redraw = false
        buffer.fill(x: area.x, y: area.y, width: area.width, height: area.height, style: theme.body)
        var x = area.x + 1
        for s in Step.allCases {
            let label = " \(s.rawValue + 1) \(s.title) "
            x += buffer.put(label, x: x, y: area.y, style: s == step ? theme.crumbActive : theme.crumb, maxWidth: area.x + area.width - x)
            x += 1
        }
        if readOnly { buffer.put(" read-only ", x: x + 1, y: area.y, style: theme.warning, maxWidth: area.x + area.width - x - 1) }
        let body = Rect(x: area.x, y: area.y + 2, width: area.width, height: max(0, area.height - 2))
        switch step {
        case .choose: drawChoose(into: &buffer, area: body, theme: theme)
        case .edit: drawForm(into: &buffer, area: body, theme: theme)
        case .preview: drawPreview(into: &buffer, area: body, theme: theme)
        case .confirm: drawConfirm(into: &buffer, area: body, theme: theme)
        case .apply: drawApply(into: &buffer, area: body, theme: theme)
        }
    }
}
