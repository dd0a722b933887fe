import Foundation
import YAML

/// One template of `manifests/`: its parameters and rules (values.yaml) and its manifest files.
///
/// A template directory holds `values.yaml` and one or more `*.yaml` manifest files; other files
/// (a dashboard's JSON) can be pulled into a manifest with `((file NAME))`. With `extends: OTHER`
/// a template starts from OTHER's files, parameters and rules and changes defaults or adds more.
public struct ManifestTemplate: Sendable {
    public struct Rule: Sendable, Equatable {
        public var expression: String
        public var message: String
    }

    public var name: String
    public var description: String
    /// In values.yaml order, inherited ones first.
    public var parameters: [TemplateParameter]
    public var rules: [Rule]
    /// Manifest files by name, in the order they are rendered.
    var manifestFiles: [(name: String, text: String)]
    /// Other files of the template directories, for `((file NAME))`.
    var includes: [String: String]

    public func parameter(_ name: String) -> TemplateParameter? { parameters.first { $0.name == name } }

    /// Reads the directory `directory/name`, resolving `extends` through `load`.
    static func read(name: String, directory: URL, load: (String) throws -> ManifestTemplate) throws -> ManifestTemplate {
        let folder = directory.appendingPathComponent(name)
        let valuesText: String
        do {
            valuesText = try String(contentsOf: folder.appendingPathComponent("values.yaml"), encoding: .utf8)
        } catch {
            throw DeployError.templateDefect(template: name, problem: "cannot read values.yaml in \(folder.path)")
        }
        let values: JSONValue
        do { values = try YAML.parse(valuesText) } catch {
            throw DeployError.templateDefect(template: name, problem: "values.yaml: \(error)")
        }
        var template: ManifestTemplate
        if let base = values["extends"]?.stringValue {
            template = try load(base)
            template.name = name
        } else {
            template = ManifestTemplate(name: name, description: "", parameters: [], rules: [], manifestFiles: [], includes: [:])
        }
        template.description = values["description"]?.stringValue ?? template.description
        for (key, spec) in values["parameters"]?.objectValue?.entries ?? [] {
            if let index = template.parameters.firstIndex(where: { $0.name == key }) {
                // An extending template may restate only what changes (usually the default).
                var merged = template.parameters[index].spec
                for (k, v) in spec.objectValue?.entries ?? [] { merged[k] = v }
                template.parameters[index] = try TemplateParameter(name: key, spec: merged, template: name)
            } else {
                template.parameters.append(try TemplateParameter(name: key, spec: spec, template: name))
            }
        }
        for rule in values["rules"]?.arrayValue ?? [] {
            guard let expression = rule["require"]?.stringValue else {
                throw DeployError.templateDefect(template: name, problem: "a rule without require:")
            }
            template.rules.append(Rule(expression: expression, message: rule["message"]?.stringValue ?? expression))
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for file in files.sorted() where file != "values.yaml" && !file.hasPrefix(".") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            if file.hasSuffix(".yaml") {
                template.manifestFiles.removeAll { $0.name == file }  // a file of the same name replaces the base's
                template.manifestFiles.append((file, text))
            } else {
                template.includes[file] = text
            }
        }
        if template.manifestFiles.isEmpty {
            throw DeployError.templateDefect(template: name, problem: "no manifest files beside values.yaml")
        }
        return template
    }
}

extension TemplateParameter {
    /// This parameter written back as a values.yaml entry, so an extending template can override parts.
    var spec: JSONValue {
        var o = JSONObject()
        o["type"] = .string(kind.rawValue)
        o["default"] = defaultValue
        o["description"] = .string(description)
        if let allowed { o["allowed"] = .array(allowed.map { .string($0) }) }
        if let minimum { o["minimum"] = .int(minimum) }
        if let maximum { o["maximum"] = .int(maximum) }
        if optional { o["optional"] = true }
        if secret { o["secret"] = true }
        return .object(o)
    }
}
