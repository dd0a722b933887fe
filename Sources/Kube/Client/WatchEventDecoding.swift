import Foundation
import YAML

/// Turns one line of a watch stream (`{"type":"ADDED","object":{...}}`) into a `WatchEvent`.
enum WatchEventDecoding {
    private struct Header: Decodable { var type: String }
    private struct Envelope<O: Decodable>: Decodable { var object: O }
    /// A BOOKMARK's object is an otherwise empty object of the watched kind; only its version matters.
    private struct BookmarkObject: Decodable {
        struct Meta: Decodable { var resourceVersion: String? }
        var metadata: Meta?
    }

    static func typed<T: Decodable & Sendable>(_ line: Data, context: String) throws -> WatchEvent<T> {
        let decoder = JSONDecoder()
        do {
            let type = try decoder.decode(Header.self, from: line).type
            switch type {
            case "ADDED": return .added(try decoder.decode(Envelope<T>.self, from: line).object)
            case "MODIFIED": return .modified(try decoder.decode(Envelope<T>.self, from: line).object)
            case "DELETED": return .deleted(try decoder.decode(Envelope<T>.self, from: line).object)
            case "BOOKMARK":
                let object = try decoder.decode(Envelope<BookmarkObject>.self, from: line).object
                return .bookmark(resourceVersion: object.metadata?.resourceVersion ?? "")
            case "ERROR":
                let status = try decoder.decode(Envelope<KubeAPIError.StatusBody>.self, from: line).object
                return .error(KubeAPIError(status: status, fallbackCode: 500, request: context))
            default:
                throw KubeClientError.undecodableResponse(context: context, detail: "unknown watch event type \"\(type)\"")
            }
        } catch let error as KubeClientError {
            throw error
        } catch {
            throw KubeClientError.undecodableResponse(context: context, detail: "watch event: " + DecodingErrorText.describe(error))
        }
    }

    static func unstructured(_ line: Data, context: String) throws -> WatchEvent<JSONValue> {
        let event = try UnstructuredJSON.parse(line, context: context)
        guard let type = event["type"]?.stringValue, let object = event["object"] else {
            throw KubeClientError.undecodableResponse(context: context, detail: "a watch event without type or object")
        }
        switch type {
        case "ADDED": return .added(object)
        case "MODIFIED": return .modified(object)
        case "DELETED": return .deleted(object)
        case "BOOKMARK": return .bookmark(resourceVersion: object.value(at: "metadata", "resourceVersion")?.stringValue ?? "")
        case "ERROR":
            let status = KubeAPIError.StatusBody(
                kind: "Status", status: object["status"]?.stringValue, message: object["message"]?.stringValue,
                reason: object["reason"]?.stringValue, code: object["code"]?.intValue.map { Int($0) },
                details: nil, metadata: nil)
            return .error(KubeAPIError(status: status, fallbackCode: 500, request: context))
        default:
            throw KubeClientError.undecodableResponse(context: context, detail: "unknown watch event type \"\(type)\"")
        }
    }
}

extension KubeClient {
    /// A watch line longer than this is refused: the largest objects (big ConfigMaps, CRDs with
    /// huge schemas) stay well under it, and it bounds memory against a broken stream.
    public static let maxWatchLineLength = 64 << 20

    /// Opens the watch and decodes its lines as they arrive. The stream ends normally when the
    /// server closes the watch (timeoutSeconds or EOF); cancelling the consumer stops the transfer.
    func watchStream<Object: Sendable>(
        _ request: APIRequest,
        decode: @escaping @Sendable (Data, String) throws -> WatchEvent<Object>
    ) -> AsyncThrowingStream<WatchEvent<Object>, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in try await self.openWatch(request, decode: decode) {
                        continuation.yield(event)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Returns once the server has accepted the watch (an HTTP error status throws here, e.g.
    /// 410 or 403), with the events still to come. Informers use this to know when they are live.
    func openWatch<Object: Sendable>(
        _ request: APIRequest,
        decode: @escaping @Sendable (Data, String) throws -> WatchEvent<Object>
    ) async throws -> AsyncThrowingStream<WatchEvent<Object>, Error> {
        let response = try await openStream(request)
        let context = "watch \(request.summary)"
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var splitter = LineSplitter(maxLineLength: Self.maxWatchLineLength, overflow: .fail, context: context)
                    for try await chunk in response.body {
                        for line in try splitter.append(chunk) where !Self.isBlank(line) {
                            continuation.yield(try decode(Data(line), context))
                        }
                    }
                    // The server ends every event with a newline; a remainder is a cut-off event.
                    if let rest = splitter.finish(), !Self.isBlank(rest) {
                        continuation.yield(try decode(Data(rest), context))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func isBlank(_ line: [UInt8]) -> Bool {
        line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
    }
}
