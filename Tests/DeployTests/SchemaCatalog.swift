import Foundation
import KvdeckTestSupport
import YAML

/// Finds the schema of a kind in `../shared/schemas` and validates objects against it.
/// Built-in kinds come from the Kubernetes v1.35 OpenAPI v3 documents; CRDs from their released
/// CRD YAML where there is one (structural, closed), else from datreeio's JSON Schema. KServe is
/// checked against both (v0.20 YAML and v0.16 JSON), so a field only one version knows shows up.
final class SchemaCatalog: @unchecked Sendable {
    static let shared = SchemaCatalog()

    struct Source {
        var file: String
        var format: Format
        enum Format { case crdYAML, jsonSchema }
    }

    /// Where each custom kind's schema is, by "apiVersion/kind".
    static let customKinds: [String: [Source]] = [
        "leaderworkerset.x-k8s.io/v1/LeaderWorkerSet": [Source(file: "crds-yaml/lws-v0.10.0/leaderworkerset.x-k8s.io_leaderworkersets.yaml", format: .crdYAML)],
        "ray.io/v1/RayCluster": [Source(file: "crds-yaml/kuberay-v1.7.0/ray.io_rayclusters.yaml", format: .crdYAML)],
        "serving.kserve.io/v1beta1/InferenceService": [
            Source(file: "crds-yaml/kserve-v0.20.0/serving.kserve.io_inferenceservices.yaml", format: .crdYAML),
            Source(file: "crds-jsonschema/serving.kserve.io/inferenceservice_v1beta1.json", format: .jsonSchema),
        ],
        "gateway.networking.k8s.io/v1/HTTPRoute": [Source(file: "crds-yaml/gateway-api-v1.6.1-standard/gateway.networking.k8s.io_httproutes.yaml", format: .crdYAML)],
        "keda.sh/v1alpha1/ScaledObject": [Source(file: "crds-jsonschema/keda.sh/scaledobject_v1alpha1.json", format: .jsonSchema)],
        "monitoring.coreos.com/v1/PodMonitor": [Source(file: "crds-jsonschema/monitoring.coreos.com/podmonitor_v1.json", format: .jsonSchema)],
        "security.istio.io/v1/PeerAuthentication": [Source(file: "crds-jsonschema/security.istio.io/peerauthentication_v1.json", format: .jsonSchema)],
        "security.istio.io/v1/AuthorizationPolicy": [Source(file: "crds-jsonschema/security.istio.io/authorizationpolicy_v1.json", format: .jsonSchema)],
    ]

    private let lock = NSLock()
    private var documents: [String: JSONValue] = [:]

    /// Every problem of `object` against its kind's schemas ("" prefix: which schema said so).
    func validate(_ object: JSONValue) throws -> [String] {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue else {
            return ["object without apiVersion or kind"]
        }
        if let sources = Self.customKinds["\(apiVersion)/\(kind)"] {
            var errors: [String] = []
            for source in sources {
                let (validator, schema) = try customSchema(source, apiVersion: apiVersion)
                errors += validator.validate(object, schema).map { "\(source.file): \($0)" }
            }
            // CRD schemas leave metadata open; the API server checks it as ObjectMeta.
            let (core, meta) = try builtinSchema(apiVersion: "v1", named: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
            errors += core.validate(object["metadata"] ?? .null, meta, path: ".metadata").map { "ObjectMeta: \($0)" }
            return errors
        }
        let (validator, schema) = try builtinSchema(apiVersion: apiVersion, kind: kind)
        return validator.validate(object, schema)
    }

    /// The OpenAPI v3 document of a built-in group version (each is self-contained).
    private func builtinDocument(_ apiVersion: String) throws -> JSONValue {
        let parts = apiVersion.split(separator: "/")
        let file = parts.count == 1 ? "api__\(apiVersion)_openapi.json" : "apis__\(parts[0])__\(parts[1])_openapi.json"
        return try load("k8s-openapi-v3/v1.35/\(file)") { try JSONValue(json: $0) }
    }

    private func builtinSchema(apiVersion: String, kind: String) throws -> (SchemaValidator, JSONValue) {
        let document = try builtinDocument(apiVersion)
        let parts = apiVersion.split(separator: "/").map(String.init)
        let (group, version) = parts.count == 1 ? ("", parts[0]) : (parts[0], parts[1])
        for (_, schema) in document["components"]?["schemas"]?.objectValue?.entries ?? [] {
            let gvks = schema["x-kubernetes-group-version-kind"]?.arrayValue ?? []
            if gvks.contains(where: { $0["group"]?.stringValue == group && $0["version"]?.stringValue == version && $0["kind"]?.stringValue == kind }) {
                return (SchemaValidator(document: document, closedByDefault: true), schema)
            }
        }
        throw SchemaMissing(what: "\(apiVersion) \(kind) in the v1.35 OpenAPI documents")
    }

    private func builtinSchema(apiVersion: String, named name: String) throws -> (SchemaValidator, JSONValue) {
        let document = try builtinDocument(apiVersion)
        guard let schema = document["components"]?["schemas"]?[name] else { throw SchemaMissing(what: name) }
        return (SchemaValidator(document: document, closedByDefault: true), schema)
    }

    private func customSchema(_ source: Source, apiVersion: String) throws -> (SchemaValidator, JSONValue) {
        switch source.format {
        case .jsonSchema:
            let document = try load(source.file) { try JSONValue(json: $0) }
            return (SchemaValidator(document: document, closedByDefault: false), document)
        case .crdYAML:
            let crd = try load(source.file) { try YAML.parse($0) }
            let version = String(apiVersion.split(separator: "/").last ?? "")
            guard let entry = crd["spec"]?["versions"]?.arrayValue?.first(where: { $0["name"]?.stringValue == version }),
                  let schema = entry["schema"]?["openAPIV3Schema"] else {
                throw SchemaMissing(what: "version \(version) in \(source.file)")
            }
            return (SchemaValidator(document: schema, closedByDefault: true), schema)
        }
    }

    private func load(_ relative: String, parse: (Data) throws -> JSONValue) throws -> JSONValue {
        lock.lock()
        defer { lock.unlock() }
        if let cached = documents[relative] { return cached }
        let data = try Data(contentsOf: SharedFixtures.schemas.appendingPathComponent(relative))
        let value = try parse(data)
        documents[relative] = value
        return value
    }
}

struct SchemaMissing: Error, CustomStringConvertible {
    var what: String
    var description: String { "no schema for \(what)" }
}
