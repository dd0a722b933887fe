import Foundation
import YAML

/// Unstructured reads: any kind, including custom resources, as `JSONValue` trees.
extension KubeClient {
    public func get(_ type: ResourceType, name: String, namespace: String? = nil,
                    subresource: String? = nil) async throws -> JSONValue {
        let request = try objectRequest(type, name: name, namespace: namespace, subresource: subresource)
        return try UnstructuredJSON.parse(try await send(request).body, context: request.summary)
    }

    /// One page of a LIST. Items get `apiVersion` and `kind` filled in (the server leaves them out
    /// of list items), so each can be written back or shown on its own.
    public func list(_ type: ResourceType, namespace: String? = nil,
                     options: ListOptions = ListOptions()) async throws -> KubeList<JSONValue> {
        let request = collectionRequest(type, namespace: namespace, query: options.queryItems)
        return try await streamList(request) { data in
            var item = try JSONValue(json: data)
            if item["apiVersion"] == nil { item["apiVersion"] = .string(type.apiVersion) }
            if item["kind"] == nil { item["kind"] = .string(type.kind) }
            return item
        }
    }

    /// Every page of a LIST (see `listAll` for typed objects).
    public func listAll(_ type: ResourceType, namespace: String? = nil,
                        options: ListOptions = ListOptions(limit: 500)) async throws -> KubeList<JSONValue> {
        try await collectPages(options) { try await self.list(type, namespace: namespace, options: $0) }
    }

    public func watch(_ type: ResourceType, namespace: String? = nil,
                      options: WatchOptions) -> AsyncThrowingStream<WatchEvent<JSONValue>, Error> {
        let request = collectionRequest(type, namespace: namespace, query: options.queryItems)
        return watchStream(request) { line, context in try WatchEventDecoding.unstructured(line, context: context) }
    }
}
