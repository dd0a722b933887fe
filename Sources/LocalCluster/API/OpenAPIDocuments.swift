import Foundation
import YAML

/// The OpenAPI v3 documents the local cluster serves at `/openapi/v3` and `/openapi/v3/<group-version>`.
///
/// kubectl needs them: before `create -f`/`apply -f`/`replace -f` it looks up the group version's
/// document to see whether the PATCH operation of the object's kind takes `fieldValidation` (then it
/// sends `fieldValidation=Strict` and leaves validation to the server, as recorded in
/// `02-deployment-rollout/01-create`); without a document it falls back to `/openapi/v2` and fails.
/// Client-side `apply` reads the strategic-merge keys (`x-kubernetes-patch-merge-key`, ...) and
/// `kubectl explain` the descriptions from the same documents.
///
/// - `api/v1`, `apis/apps/v1`, `apis/autoscaling/v2`, `apis/networking.k8s.io/v1` and `apis/policy/v1`
///   are the real Kubernetes v1.35 documents
///   (Apache-2.0; `OpenAPIDocuments/README.md` says where from), shipped as the target's resources
///   and served byte for byte. They describe every kind of their group version, including some this
///   cluster does not serve; discovery, not OpenAPI, says what is served.
/// - The other served group versions (EndpointSlice, the access reviews, the custom resources) get a document made from
///   the catalog that declares only each kind's PATCH operation and its query parameters, enough for
///   kubectl's field-validation check; it has no schemas, so kubectl does no client-side schema work
///   for them (for the custom resources the real server publishes the CRD's schema).
///
/// `/openapi/v2` is not served: kubectl asks for it only in protobuf, and only when v3 fails.
public struct OpenAPIDocuments: Sendable {
    /// One group version's document: `path` as in the index ("api/v1", "apis/apps/v1").
    struct Document: Sendable {
        let path: String
        let data: Data
        /// Names this content in `serverRelativeURL` and `ETag`, so clients may cache it for good.
        let hash: String
    }

    let documents: [String: Document]
    /// `/openapi/v3`: `{"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=..."},...}}`.
    let index: Data

    /// The real documents shipped as resources, read and hashed once, on the first OpenAPI request.
    static let bundled: [String: Document] = {
        var documents: [String: Document] = [:]
        for (path, data) in OpenAPIDocuments.loadBundled() {
            documents[path] = Document(path: path, data: data, hash: OpenAPIDocuments.contentHash(data))
        }
        return documents
    }()

    /// The documents for the group versions `catalog` serves: the bundled real one where there is
    /// one, else a generated one. Cheap apart from the one-time load of `bundled`.
    init(catalog: ResourceCatalog, bundled: [String: Document] = OpenAPIDocuments.bundled) {
        var documents: [String: Document] = [:]
        var groupVersions: [(group: String, version: String)] = []
        for r in catalog.resources where !groupVersions.contains(where: { $0.group == r.group && $0.version == r.version }) {
            groupVersions.append((r.group, r.version))
        }
        for (group, version) in groupVersions {
            let path = group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
            if let real = bundled[path] {
                documents[path] = real
            } else {
                let data = Self.patchOperationsDocument(catalog.resources.filter { $0.group == group && $0.version == version })
                documents[path] = Document(path: path, data: data, hash: Self.contentHash(data))
            }
        }
        self.documents = documents
        var paths = JSONObject()
        for path in documents.keys.sorted() {
            paths[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(documents[path]!.hash)")]
        }
        index = JSONValue.object(["paths": .object(paths)]).jsonData()
    }

    // MARK: - Serving

    /// `GET /openapi/v3[/PATH]`. `path` is what follows `/openapi/v3/` ("" for the index).
    func response(path: String, request: ServerRequest, now: Date) -> ServerResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return LocalAPI.statusResponse(.methodNotAllowed)
        }
        if path.isEmpty {
            // The real server labels the index text/plain (kube-openapi's handler3 does).
            return ServerResponse(status: 200, headers: LocalAPI.headers(contentType: "text/plain; charset=utf-8"),
                                  body: .data(index))
        }
        guard let document = documents[path] else { return LocalAPI.pageNotFound() }
        let etag = "\"\(document.hash)\""
        var headers = LocalAPI.headers(contentType: "application/json")
        headers.append(("Etag", etag))
        headers.append(("Vary", "Accept"))
        // Without a hash: no-cache, private, as for any other response.
        if let hash = request.queryValue("hash") {
            guard hash == document.hash else {
                // A stale hash: send the client to the current one, as kube-openapi does.
                var redirect = LocalAPI.headers(contentType: "text/html; charset=utf-8")
                redirect.append(("Location", "/openapi/v3/\(path)?hash=\(document.hash)"))
                return ServerResponse(status: 301, headers: redirect, body: .data(Data()))
            }
            headers[1] = ("Cache-Control", "public, immutable")
            headers.append(("Expires", Self.httpDate(now.addingTimeInterval(365 * 24 * 3600))))
        }
        if request.header("If-None-Match") == etag {
            return ServerResponse(status: 304, headers: headers, body: .data(Data()))
        }
        return ServerResponse(status: 200, headers: headers, body: .data(request.method == "HEAD" ? Data() : document.data))
    }

    // MARK: - Building

    /// FNV-1a over the bytes, as upper-case hex: stable across runs for the same content. (The real
    /// server uses SHA-512; clients treat the value as opaque.)
    static func contentHash(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { bytes in
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
        return String(hash, radix: 16, uppercase: true)
    }

    /// A document that declares, for each resource, the PATCH operation of its object path with the
    /// real server's query parameters and `x-kubernetes-group-version-kind`.
    static func patchOperationsDocument(_ resources: [ServedResource]) -> Data {
        var paths = JSONObject()
        for r in resources where r.verbs.contains("patch") {
            let prefix = r.group.isEmpty ? "/api/\(r.version)" : "/apis/\(r.group)/\(r.version)"
            let path = r.namespaced ? "\(prefix)/namespaces/{namespace}/\(r.plural)/{name}" : "\(prefix)/\(r.plural)/{name}"
            let queryParameters: [JSONValue] = ["dryRun", "fieldManager", "fieldValidation", "force"].map { name in
                ["name": .string(name), "in": "query",
                 "schema": ["type": .string(name == "force" ? "boolean" : "string"), "uniqueItems": true]]
            }
            var pathParameters: [JSONValue] = [["name": "name", "in": "path", "required": true,
                                                "schema": ["type": "string", "uniqueItems": true]]]
            if r.namespaced {
                pathParameters.append(["name": "namespace", "in": "path", "required": true,
                                       "schema": ["type": "string", "uniqueItems": true]])
            }
            let patch: JSONValue = [
                "description": .string("partially update the specified \(r.kind)"),
                "parameters": .array(queryParameters),
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": ["group": .string(r.group), "version": .string(r.version), "kind": .string(r.kind)],
            ]
            paths[path] = ["patch": patch, "parameters": .array(pathParameters)]
        }
        let document: JSONValue = ["openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "unversioned"],
                                   "paths": .object(paths), "components": ["schemas": .object(JSONObject())]]
        return document.jsonData()
    }

    /// The bundled documents by index path, read from the target's resources. Upstream file names
    /// (`apis__apps__v1_openapi.json`) give the path. An installation without the resources serves
    /// the generated documents instead, which still satisfy kubectl's field-validation check.
    static func loadBundled() -> [String: Data] {
        guard let directory = bundledDirectory(),
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [:] }
        var documents: [String: Data] = [:]
        for name in names where name.hasSuffix("_openapi.json") {
            let path = String(name.dropLast("_openapi.json".count)).replacingOccurrences(of: "__", with: "/")
            if let data = try? Data(contentsOf: directory.appendingPathComponent(name)) { documents[path] = data }
        }
        return documents
    }

    /// Where SwiftPM put the resources (beside the executable, as `Bundle.module` looks), or the
    /// source folder in a development checkout. Not `Bundle.module`: it traps when the bundle is missing.
    static func bundledDirectory() -> URL? {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() {
            candidates.append(executable.appendingPathComponent("kvdeck_LocalCluster.resources/OpenAPIDocuments"))
            candidates.append(executable.appendingPathComponent("kvdeck_LocalCluster.bundle/Contents/Resources/OpenAPIDocuments"))
            candidates.append(executable.appendingPathComponent("kvdeck_LocalCluster.bundle/OpenAPIDocuments"))
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("OpenAPIDocuments"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }
}
