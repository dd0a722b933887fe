import Foundation

/// Decodes a LIST body part by part as its chunks arrive: `ListBodyScanner` cuts out `metadata`
/// and each item, and each item is decoded on its own as soon as its bytes are complete. The one
/// way lists are read, typed or unstructured, streamed or from bytes in hand.
struct ListBodyDecoder<Item: Sendable> {
    private var scanner: ListBodyScanner
    private let decodeItem: (Data) throws -> Item
    private var metadata = ListMeta()
    private(set) var items: [Item] = []

    /// `context` names the request in errors.
    init(context: String, decodeItem: @escaping (Data) throws -> Item) {
        scanner = ListBodyScanner(context: context)
        self.decodeItem = decodeItem
    }

    /// Decodes the parts this chunk completes; returns how many items it added.
    @discardableResult
    mutating func append(_ chunk: Data) throws -> Int {
        let before = items.count
        for part in try scanner.append(chunk) {
            switch part {
            case let .metadata(data):
                do {
                    metadata = try JSONDecoder().decode(ListMeta.self, from: data)
                } catch {
                    throw fail(DecodingErrorText.describe(error, under: "metadata"))
                }
            case let .item(data):
                do {
                    items.append(try decodeItem(data))
                } catch {
                    throw fail(DecodingErrorText.describe(error, under: "items[\(items.count)]"))
                }
            }
        }
        return items.count - before
    }

    /// The list, once the body has ended; throws if it ended early.
    func finish() throws -> KubeList<Item> {
        try scanner.finish()
        return KubeList(metadata: metadata, items: items)
    }

    private func fail(_ detail: String) -> KubeClientError {
        .undecodableResponse(context: scanner.context, detail: detail)
    }
}

extension KubeList where Item: Decodable {
    /// Decodes a whole LIST body already in memory, item by item (see `ListBodyDecoder`).
    public init(listBody: Data) throws {
        let decoder = JSONDecoder()
        var list = ListBodyDecoder<Item>(context: "a list body") { try decoder.decode(Item.self, from: $0) }
        try list.append(listBody)
        self = try list.finish()
    }
}

extension KubeClient {
    /// Items between two progress reports of a streaming LIST.
    static let listProgressInterval = 500

    /// Sends a LIST and decodes its body as it arrives (see `ListBodyDecoder`), so the body is
    /// never held whole: a `resourceVersion=0` list is one response however large. Credentials
    /// and the 401 retry are those of every request; a non-2xx status throws `KubeAPIError`.
    /// `progress` is told the number of items decoded so far, every `listProgressInterval` items.
    func streamList<Item: Sendable>(
        _ request: APIRequest,
        progress: (@Sendable (Int) async -> Void)? = nil,
        decodeItem: @escaping (Data) throws -> Item
    ) async throws -> KubeList<Item> {
        var request = request
        // A list is not a watch: it keeps the overall time limit of a complete request.
        request.timeout = request.timeout ?? connection.transport.requestTimeout
        let response = try await openStream(request)
        var list = ListBodyDecoder(context: request.summary, decodeItem: decodeItem)
        var reported = 0
        for try await chunk in response.body {
            try list.append(chunk)
            if let progress, list.items.count - reported >= Self.listProgressInterval {
                reported = list.items.count
                await progress(reported)
            }
        }
        return try list.finish()
    }
}
