import Foundation
import YAML

/// A template rendered with concrete values: the objects to apply, in apply order.
public struct RenderedTemplate: Sendable {
    public var template: String
    public var values: [String: JSONValue]
    public var objects: [JSONValue]

    /// The objects as one multi-document YAML stream (what `-o yaml` prints).
    public var yaml: String { YAML.emit(documents: objects) }
}

/// Fills a template's manifests with parameter values.
///
/// Substitution works on the parsed YAML tree, never on text, so a value cannot change the
/// manifest's structure (a model name with ": " stays one string). The placeholder scheme
/// (manifests/README.md has the full description):
/// - `((name))` alone as a scalar becomes the parameter's typed value (an int stays an int); an
///   unset optional parameter removes the key or list item that holds it; a list parameter
///   (`args`) alone as a list item is spliced into the list.
/// - `((name))` inside a longer string is replaced by the value's text.
/// - `((namespace))` is the namespace the objects go to (`-n`, else the context's).
/// - `((file NAME))` is the text of file NAME in the template directory (a dashboard's JSON).
/// - A mapping with the key `kvdeck/when: CONDITION` is kept (without that key) only when the
///   condition holds; otherwise it is dropped from its list, its parent mapping or the stream. A
///   list left empty that way is dropped with its key.
public enum ManifestRenderer {
    public static let conditionKey = "kvdeck/when"
    /// Reserved: every template can use it, none may declare it.
    public static let namespaceParameter = "namespace"

    /// Defaults, overridden by `key=value` settings in order, then checked (each parameter, then the rules).
    public static func values(for template: ManifestTemplate, settings: [String]) throws -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for p in template.parameters { values[p.name] = p.defaultValue }
        for setting in settings {
            guard let eq = setting.firstIndex(of: "="), eq != setting.startIndex else { throw DeployError.malformedSetting(setting) }
            let key = String(setting[..<eq])
            guard let parameter = template.parameter(key) else {
                throw DeployError.unknownParameter(key, template: template.name, known: template.parameters.map(\.name))
            }
            values[key] = try parameter.value(parsing: String(setting[setting.index(after: eq)...]))
        }
        for rule in template.rules {
            let holds: Bool
            do { holds = try TemplateExpression.rule(rule.expression, values: values) } catch {
                throw DeployError.templateDefect(template: template.name, problem: "rule \"\(rule.expression)\": \(error)")
            }
            if !holds {
                let now = ruleNames(rule.expression).compactMap { name in values[name].map { "\(name)=\(TemplateParameter.text($0))" } }
                throw DeployError.ruleFailed(template: template.name, rule: rule.expression,
                                             message: rule.message + (now.isEmpty ? "" : "; now " + now.joined(separator: ", ")))
            }
        }
        return values
    }

    public static func render(_ template: ManifestTemplate, settings: [String] = [], namespace: String) throws -> RenderedTemplate {
        if template.parameter(namespaceParameter) != nil {
            throw DeployError.templateDefect(template: template.name, problem: "\"namespace\" is reserved; use -n")
        }
        var values = try self.values(for: template, settings: settings)
        values[namespaceParameter] = .string(namespace)
        var filler = Filler(template: template, values: values)
        var objects: [JSONValue] = []
        for (file, text) in template.manifestFiles {
            let documents: [JSONValue]
            do { documents = try YAML.parseDocuments(text) } catch {
                throw DeployError.templateDefect(template: template.name, problem: "\(file): \(error)")
            }
            for document in documents where !document.isNull {
                filler.file = file
                guard var object = try filler.fill(document) else { continue }
                object["metadata"] = withNamespace(object["metadata"], namespace)
                objects.append(object)
            }
        }
        values[namespaceParameter] = nil
        return RenderedTemplate(template: template.name, values: values, objects: applyOrder(objects))
    }

    /// `metadata` with `namespace` right after `name`, where kubectl shows it.
    private static func withNamespace(_ metadata: JSONValue?, _ namespace: String) -> JSONValue {
        var out = JSONObject()
        let old = metadata?.objectValue ?? JSONObject()
        if let name = old["name"] { out["name"] = name }
        out["namespace"] = .string(namespace)
        for (k, v) in old.entries where k != "name" && k != "namespace" { out[k] = v }
        return .object(out)
    }

    /// Helm's install order: what others refer to (Secrets, claims, Services) before the workloads.
    static let kindOrder = ["Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodDisruptionBudget",
                            "ServiceAccount", "Secret", "ConfigMap", "PersistentVolumeClaim", "Role", "RoleBinding",
                            "Service", "Pod", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet",
                            "Job", "CronJob", "Ingress"]

    static func applyOrder(_ objects: [JSONValue]) -> [JSONValue] {
        func rank(_ o: JSONValue) -> Int { kindOrder.firstIndex(of: o["kind"]?.stringValue ?? "") ?? kindOrder.count }
        return objects.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    private static func ruleNames(_ expression: String) -> [String] {
        expression.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init).filter { $0.first?.isLetter == true }
    }
}

/// The tree walk behind `ManifestRenderer.render`.
private struct Filler {
    let template: ManifestTemplate
    let values: [String: JSONValue]
    var file = ""

    /// The filled node, or nil when it is to be left out.
    func fill(_ node: JSONValue) throws -> JSONValue? {
        switch node {
        case .object(let o):
            if let condition = o[ManifestRenderer.conditionKey] {
                guard let text = condition.stringValue else { throw defect("\(ManifestRenderer.conditionKey) needs a string") }
                let holds: Bool
                do { holds = try TemplateExpression.condition(text, values: values) } catch { throw defect("\(text): \(error)") }
                if !holds { return nil }
            }
            var out = JSONObject()
            for (key, value) in o.entries where key != ManifestRenderer.conditionKey {
                if key.contains("((") { throw defect("placeholders are not allowed in keys (\(key))") }
                guard let filled = try fill(value) else { continue }
                // A list whose every item was conditional and left out goes too (no `initContainers: []`).
                if case .array(let before) = value, !before.isEmpty, filled.arrayValue?.isEmpty == true { continue }
                out[key] = filled
            }
            return .object(out)
        case .array(let items):
            var out: [JSONValue] = []
            for item in items {
                if case .string(let s) = item, let name = Self.wholePlaceholder(s),
                   case .array(let spliced) = try lookup(name) {
                    out += spliced
                } else if let filled = try fill(item) {
                    out.append(filled)
                }
            }
            return .array(out)
        case .string(let s):
            if let name = Self.wholePlaceholder(s) {
                let value = try lookup(name)
                // Not a ternary: JSONValue is nil-literal-expressible, and `nil` there would be .null.
                if value.isNull { return Optional<JSONValue>.none }
                return value
            }
            return .string(try interpolate(s))
        default:
            return node
        }
    }

    /// `((name))` with nothing around it: the name, else nil.
    static func wholePlaceholder(_ s: String) -> String? {
        guard s.hasPrefix("(("), s.hasSuffix("))"), s.count > 4 else { return nil }
        let inner = s.dropFirst(2).dropLast(2)
        guard !inner.contains("((") && !inner.contains("))") else { return nil }
        return inner.trimmingCharacters(in: .whitespaces)
    }

    private func interpolate(_ s: String) throws -> String {
        var out = ""
        var rest = Substring(s)
        while let open = rest.range(of: "((") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "))") else { throw defect("unclosed (( in \"\(s)\"") }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            out += TemplateParameter.text(try lookup(name))
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    private func lookup(_ name: String) throws -> JSONValue {
        if name.hasPrefix("file ") {
            let file = name.dropFirst(5).trimmingCharacters(in: .whitespaces)
            guard let text = template.includes[file] else { throw defect("((file \(file))): no such file in the template") }
            return .string(text)
        }
        guard let value = values[name] else { throw defect("unknown parameter ((\(name)))") }
        return value
    }

    private func defect(_ problem: String) -> DeployError {
        .templateDefect(template: template.name, problem: "\(file): \(problem)")
    }
}
