import Deploy
import Foundation
import YAML

/// The deploy screen's parameter form: the namespace, then every parameter of a template with
/// the text the user gave (or its default), checked and rendered exactly as `kvdeck deploy --set`
/// does, so the screen and the CLI cannot disagree on what a value means.
struct DeployForm {
    struct Field: Equatable {
        /// `namespace` for the first row, else the parameter's name.
        var name: String
        var text: String
        /// Never shown (tokens): the form prints "<set>" or nothing.
        var secret: Bool
        var summary: String
        /// The text a fresh form starts with; only changed fields become settings.
        var initial: String
    }

    let template: ManifestTemplate
    private(set) var fields: [Field]
    /// The row the cursor is on.
    var selected = 0

    init(template: ManifestTemplate, namespace: String) {
        self.template = template
        var fields = [Field(name: ManifestRenderer.namespaceParameter, text: namespace, secret: false,
                            summary: "Namespace the objects go to.", initial: namespace)]
        for p in template.parameters {
            let text = p.secret ? "" : TemplateParameter.text(p.defaultValue)
            let allowed = p.allowed.map { " One of: \($0.joined(separator: ", "))." } ?? ""
            fields.append(Field(name: p.name, text: text, secret: p.secret, summary: "\(p.kind.rawValue): \(p.description)\(allowed)",
                                initial: text))
        }
        self.fields = fields
    }

    var namespace: String { fields[0].text }

    mutating func set(_ name: String, to text: String) {
        guard let i = fields.firstIndex(where: { $0.name == name }) else { return }
        fields[i].text = text
    }

    /// `key=value` for each parameter changed from its default, as `--set` takes them.
    var settings: [String] {
        fields.dropFirst().filter { $0.text != $0.initial }.map { "\($0.name)=\($0.text)" }
    }

    /// The value as the form shows it: secrets only say whether they are set.
    static func shown(_ field: Field) -> String {
        field.secret ? (field.text.isEmpty ? "" : "<set>") : field.text
    }

    /// The rendered objects, or why not (an invalid value, a failed rule), in the CLI's words.
    func render() -> Result<RenderedTemplate, DeployFormError> {
        guard !namespace.isEmpty else { return .failure(DeployFormError(message: "namespace: give the namespace to deploy to")) }
        do {
            return .success(try ManifestRenderer.render(template, settings: settings, namespace: namespace))
        } catch {
            return .failure(DeployFormError(message: "\(error)"))
        }
    }
}

struct DeployFormError: Error, Equatable {
    var message: String
}
