import Foundation

/// How the items of one LIST are decoded: each on its own, errors naming the item's index.
/// A value, so batches of one list can be decoded on several threads at once.
struct ListItemDecoding<Item: Sendable>: Sendable {
    /// Names the request in errors.
    let context: String
    let decodeItem: @Sendable (Data) throws -> Item

    /// Decodes raw items that start at index `first` of the list.
    func decode(_ raw: [Data], first: Int) throws -> [Item] {
        var items: [Item] = []
        items.reserveCapacity(raw.count)
        for data in raw {
            do {
                items.append(try decodeItem(data))
            } catch {
                throw KubeClientError.undecodableResponse(
                    context: context, detail: DecodingErrorText.describe(error, under: "items[\(first + items.count)]"))
            }
        }
        return items
    }
}

/// Reads a LIST body part by part as its chunks arrive: `ListBodyScanner` cuts out `metadata`
/// (decoded here) and each item (handed out raw, for `ListItemDecoding`). The one way lists are
/// read, typed or unstructured, streamed or from bytes in hand.
struct ListBodyReader: Sendable {
    private var scanner: ListBodyScanner
    private var metadata = ListMeta()

    init(context: String) {
        scanner = ListBodyScanner(context: context)
    }

    /// The raw items this chunk completes.
    mutating func items(in chunk: Data) throws -> [Data] {
        var items: [Data] = []
        for part in try scanner.append(chunk) {
            switch part {
            case let .metadata(data):
                do {
                    metadata = try JSONDecoder().decode(ListMeta.self, from: data)
                } catch {
                    throw KubeClientError.undecodableResponse(
                        context: scanner.context, detail: DecodingErrorText.describe(error, under: "metadata"))
                }
            case let .item(data):
                items.append(data)
            }
        }
        return items
    }

    /// The list's metadata, once the body has ended; throws if it ended early.
    func finish() throws -> ListMeta {
        try scanner.finish()
        return metadata
    }
}

extension KubeList where Item: Decodable {
    /// Decodes a whole LIST body already in memory, item by item (see `ListBodyReader`).
    public init(listBody: Data) throws {
        var reader = ListBodyReader(context: "a list body")
        let raw = try reader.items(in: listBody)
        let decoding = ListItemDecoding<Item>(context: "a list body") { try JSONDecoder().decode(Item.self, from: $0) }
        self.init(metadata: try reader.finish(), items: try decoding.decode(raw, first: 0))
    }
}

extension KubeClient {
    /// Items between two progress reports of a streaming LIST.
    static let listProgressInterval = 500
    /// Raw bytes gathered before a batch of items is handed to a decoding task.
    static let listBatchBytes = 256 << 10

    /// Sends a LIST and decodes its body as it arrives (see `ListBodyReader`), so the body is never
    /// held whole: a `resourceVersion=0` list is one response however large. Items are decoded in
    /// batches on up to one task per core while later bytes are still scanned; JSONDecoder is
    /// most of the cost of a large list. Credentials and the 401 retry are those of every request;
    /// a non-2xx status throws `KubeAPIError`. `progress` hears the number of items decoded so far,
    /// about every `listProgressInterval` items.
    func streamList<Item: Sendable>(
        _ request: APIRequest,
        progress: (@Sendable (Int) async -> Void)? = nil,
        decodeItem: @escaping @Sendable (Data) throws -> Item
    ) async throws -> KubeList<Item> {
        var request = request
        // A list is not a watch: it keeps the overall time limit of a complete request.
        request.timeout = request.timeout ?? connection.transport.requestTimeout
        let response = try await openStream(request)
        var reader = ListBodyReader(context: request.summary)
        let decoding = ListItemDecoding(context: request.summary, decodeItem: decodeItem)
        let parallel = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return try await withThrowingTaskGroup(of: (batch: Int, items: [Item]).self) { group in
            var batches: [[Item]] = []
            var batch: [Data] = []
            var batchBytes = 0
            var first = 0
            var inFlight = 0
            var decoded = 0
            var reported = 0
            func collect(_ done: (batch: Int, items: [Item])) async {
                batches[done.batch] = done.items
                decoded += done.items.count
                inFlight -= 1
                if let progress, decoded - reported >= Self.listProgressInterval {
                    reported = decoded
                    await progress(decoded)
                }
            }
            func submit() async throws {
                // At most one batch per core: the bytes waiting to be decoded stay bounded.
                if inFlight >= parallel, let done = try await group.next() { await collect(done) }
                let raw = batch, start = first, index = batches.count
                batches.append([])
                group.addTask { (index, try decoding.decode(raw, first: start)) }
                inFlight += 1
                first += raw.count
                batch = []
                batchBytes = 0
            }
            for try await chunk in response.body {
                for item in try reader.items(in: chunk) {
                    batch.append(item)
                    batchBytes += item.count
                }
                if batchBytes >= Self.listBatchBytes { try await submit() }
            }
            let metadata = try reader.finish()
            if !batch.isEmpty { try await submit() }
            while let done = try await group.next() { await collect(done) }
            return KubeList(metadata: metadata, items: batches.flatMap { $0 })
        }
    }
}
