import Foundation

/// Typed reads: objects decoded into `KubeResource` models.
extension KubeClient {
    /// GET one object. For namespaced kinds a nil namespace means the connection's namespace.
    public func get<T: KubeResource>(_ type: T.Type, name: String, namespace: String? = nil,
                                     subresource: String? = nil) async throws -> T {
        let request = try objectRequest(T.resourceType, name: name, namespace: namespace, subresource: subresource)
        return try decode(T.self, from: try await send(request), request: request)
    }

    /// One page of a LIST. A nil namespace lists across all namespaces.
    public func list<T: KubeResource>(_ type: T.Type, namespace: String? = nil, labelSelector: String? = nil,
                                      fieldSelector: String? = nil, limit: Int? = nil, continue continueToken: String? = nil,
                                      resourceVersion: String? = nil,
                                      resourceVersionMatch: ResourceVersionMatch? = nil) async throws -> KubeList<T> {
        try await list(type, namespace: namespace, options: ListOptions(
            labelSelector: labelSelector, fieldSelector: fieldSelector, limit: limit, continueToken: continueToken,
            resourceVersion: resourceVersion, resourceVersionMatch: resourceVersionMatch))
    }

    /// One page of a LIST, decoded item by item as the body arrives (a `resourceVersion=0` list is
    /// one response of any size). `progress` hears the count of items decoded so far, now and then.
    public func list<T: KubeResource>(_ type: T.Type, namespace: String?, options: ListOptions,
                                      progress: (@Sendable (Int) async -> Void)? = nil) async throws -> KubeList<T> {
        try await list(T.self, resource: T.resourceType, namespace: namespace, options: options, progress: progress)
    }

    /// One page of a LIST of `resource`, decoded as `T` (an informer of a kind chosen at run time).
    func list<T: KubeObject>(_ type: T.Type, resource: ResourceType, namespace: String?, options: ListOptions,
                             progress: (@Sendable (Int) async -> Void)? = nil) async throws -> KubeList<T> {
        let request = collectionRequest(resource, namespace: namespace, query: options.queryItems)
        return try await streamList(request, progress: progress) { try JSONDecoder().decode(T.self, from: $0) }
    }

    /// Every page of a LIST, following `continue`. If a continue token expires (410) part way,
    /// the list starts again from the first page, once.
    public func listAll<T: KubeResource>(_ type: T.Type, namespace: String? = nil, labelSelector: String? = nil,
                                         fieldSelector: String? = nil, pageSize: Int = 500,
                                         resourceVersion: String? = nil) async throws -> KubeList<T> {
        let first = ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector, limit: pageSize,
                                resourceVersion: resourceVersion)
        return try await collectPages(first) { try await self.list(type, namespace: namespace, options: $0) }
    }

    /// WATCH from `resourceVersion` (use the version of the LIST that came before).
    public func watch<T: KubeResource>(_ type: T.Type, namespace: String? = nil, labelSelector: String? = nil,
                                       fieldSelector: String? = nil, resourceVersion: String?,
                                       allowBookmarks: Bool = true,
                                       timeoutSeconds: Int? = nil) -> AsyncThrowingStream<WatchEvent<T>, Error> {
        watch(type, namespace: namespace, options: WatchOptions(
            labelSelector: labelSelector, fieldSelector: fieldSelector, resourceVersion: resourceVersion,
            allowBookmarks: allowBookmarks, timeoutSeconds: timeoutSeconds))
    }

    public func watch<T: KubeResource>(_ type: T.Type, namespace: String?,
                                       options: WatchOptions) -> AsyncThrowingStream<WatchEvent<T>, Error> {
        let request = collectionRequest(T.resourceType, namespace: namespace, query: options.queryItems)
        return watchStream(request) { line, context in try WatchEventDecoding.typed(line, context: context) }
    }

    /// The watch, returned once the server has accepted it (see `openWatch`).
    func openWatch<T: KubeObject>(_ type: T.Type, resource: ResourceType, namespace: String?,
                                  options: WatchOptions) async throws -> AsyncThrowingStream<WatchEvent<T>, Error> {
        let request = collectionRequest(resource, namespace: namespace, query: options.queryItems)
        return try await openWatch(request) { line, context in try WatchEventDecoding.typed(line, context: context) }
    }

    // MARK: - Shared by typed and unstructured calls

    func objectRequest(_ type: ResourceType, name: String, namespace: String?, subresource: String? = nil,
                       method: String = "GET") throws -> APIRequest {
        try PathValidation.requireName(name, of: type)
        let ns = try PathValidation.requireNamespace(namespace ?? connection.namespace, for: type)
        return APIRequest(method: method, path: ResourcePath(type: type, namespace: ns, name: name, subresource: subresource).path)
    }

    func collectionRequest(_ type: ResourceType, namespace: String?, query: [(name: String, value: String)],
                           method: String = "GET") -> APIRequest {
        APIRequest(method: method, path: ResourcePath(type: type, namespace: namespace).path, query: query)
    }

    /// The paging loop behind `listAll`: later pages carry only `continue` (a resourceVersion
    /// next to a continue token is refused by the server), and an expired token restarts once.
    func collectPages<Item: Sendable>(_ first: ListOptions,
                                      page: (ListOptions) async throws -> KubeList<Item>) async throws -> KubeList<Item> {
        var restarted = false
        var options = first
        var items: [Item] = []
        while true {
            let result: KubeList<Item>
            do {
                result = try await page(options)
            } catch let error as KubeAPIError where error.isExpired && options.continueToken != nil && !restarted {
                restarted = true
                options = first
                items = []
                continue
            }
            items += result.items
            guard let token = result.metadata.continue, !token.isEmpty else {
                return KubeList(metadata: ListMeta(resourceVersion: result.metadata.resourceVersion), items: items)
            }
            options.continueToken = token
            options.resourceVersion = nil
            options.resourceVersionMatch = nil
        }
    }
}
