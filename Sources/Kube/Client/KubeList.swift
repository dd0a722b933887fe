/// One page of a LIST (or all pages, from `listAll`).
public struct KubeList<Item: Sendable>: Sendable {
    public var metadata: ListMeta
    public var items: [Item]

    public init(metadata: ListMeta, items: [Item]) {
        self.metadata = metadata
        self.items = items
    }
}

/// Options for one LIST page.
public struct ListOptions: Sendable {
    public var labelSelector: String?
    public var fieldSelector: String?
    public var limit: Int?
    public var continueToken: String?
    /// "0": any cached state (cheap; ignores `limit`). nil: the newest state, read from etcd.
    public var resourceVersion: String?
    public var resourceVersionMatch: ResourceVersionMatch?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
                continueToken: String? = nil, resourceVersion: String? = nil,
                resourceVersionMatch: ResourceVersionMatch? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
    }

    var queryItems: [(name: String, value: String)] {
        CollectionQuery(labelSelector: labelSelector, fieldSelector: fieldSelector, limit: limit,
                        continueToken: continueToken, resourceVersion: resourceVersion,
                        resourceVersionMatch: resourceVersionMatch).items
    }
}
