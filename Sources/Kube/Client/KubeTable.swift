import YAML

/// A server-rendered table (meta.k8s.io/v1 Table): the columns `kubectl get` prints, for any
/// kind, custom resources included.
public struct KubeTable: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var name: String
        /// OpenAPI type: string, integer, number, boolean, date.
        public var type: String
        /// e.g. "name" for the column that holds the object's name.
        public var format: String
        public var description: String
        /// 0: shown by default; higher: only in the wide view.
        public var priority: Int
    }

    public struct Row: Sendable, Equatable {
        /// One value per column, in column order.
        public var cells: [JSONValue]
        /// The object (or its PartialObjectMetadata), unless includeObject=None was asked for.
        public var object: JSONValue?
    }

    public var columnDefinitions: [Column]
    public var rows: [Row]
    public var metadata: ListMeta

    init(_ body: JSONValue, context: String) throws {
        guard body["kind"]?.stringValue == "Table" else {
            throw KubeClientError.undecodableResponse(
                context: context, detail: "expected a Table, got \(body["kind"]?.stringValue ?? "an object without kind")")
        }
        guard case let .array(columns)? = body["columnDefinitions"] else {
            throw KubeClientError.undecodableResponse(context: context, detail: "the Table has no columnDefinitions")
        }
        columnDefinitions = columns.map { c in
            Column(name: c["name"]?.stringValue ?? "", type: c["type"]?.stringValue ?? "string",
                   format: c["format"]?.stringValue ?? "", description: c["description"]?.stringValue ?? "",
                   priority: Int(c["priority"]?.intValue ?? 0))
        }
        var rows: [Row] = []
        if case let .array(rawRows)? = body["rows"] {
            for raw in rawRows {
                guard case let .array(cells)? = raw["cells"] else {
                    throw KubeClientError.undecodableResponse(context: context, detail: "a Table row has no cells")
                }
                let object: JSONValue? = raw["object"].flatMap { $0.isNull ? Optional<JSONValue>.none : $0 }
                rows.append(Row(cells: cells, object: object))
            }
        }
        self.rows = rows
        let meta = body["metadata"]
        metadata = ListMeta(resourceVersion: meta?["resourceVersion"]?.stringValue,
                            continue: meta?["continue"]?.stringValue,
                            remainingItemCount: meta?["remainingItemCount"]?.intValue)
    }
}

/// What each Table row carries besides its cells.
public enum TableIncludeObject: String, Sendable {
    case none = "None"
    /// Only metadata, as PartialObjectMetadata (the server's default).
    case metadata = "Metadata"
    case object = "Object"
}

extension KubeClient {
    /// The server-rendered table for a collection (or, with `name`, for one object), as
    /// `kubectl get` shows it.
    public func table(_ type: ResourceType, namespace: String? = nil, name: String? = nil,
                      options: ListOptions = ListOptions(),
                      includeObject: TableIncludeObject? = nil) async throws -> KubeTable {
        var request: APIRequest
        if let name {
            request = try objectRequest(type, name: name, namespace: namespace)
        } else {
            request = collectionRequest(type, namespace: namespace, query: options.queryItems)
        }
        if let includeObject { request.query.append(("includeObject", includeObject.rawValue)) }
        request.accept = MediaType.table
        let body = try UnstructuredJSON.parse(try await send(request).body, context: request.summary)
        return try KubeTable(body, context: request.summary)
    }
}
