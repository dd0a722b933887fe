import Foundation
import KvdeckTestSupport
import XCTest

/// Access to the recorded real-apiserver fixtures (read-only): bodies, and the status, headers
/// and URL of each curl exchange from exchanges.jsonl.
enum RecordedFixtures {
    struct Exchange {
        var file: String
        var method: String
        var url: URL
        var status: Int
        var responseHeaders: [String: String]
    }

    static var root: URL { SharedFixtures.realAPIServer }

    static func data(_ file: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(file))
    }

    static let exchanges: [String: Exchange] = {
        guard let text = try? String(contentsOf: root.appendingPathComponent("exchanges.jsonl"), encoding: .utf8) else { return [:] }
        var result: [String: Exchange] = [:]
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let file = object["file"] as? String, let method = object["method"] as? String,
                  let urlText = object["url"] as? String, let url = URL(string: urlText),
                  let status = object["status"] as? Int else { continue }
            var headers: [String: String] = [:]
            for pair in object["responseHeaders"] as? [[String]] ?? [] where pair.count == 2 {
                headers[pair[0].lowercased()] = pair[1]
            }
            result[file] = Exchange(file: file, method: method, url: url, status: status, responseHeaders: headers)
        }
        return result
    }()

    static func exchange(_ file: String) throws -> Exchange {
        guard let exchange = exchanges[file] else {
            throw XCTSkip("fixture \(file) is not in exchanges.jsonl at \(root.path)")
        }
        return exchange
    }

    /// Lines of a *.kubectl-requests.jsonl file.
    static func kubectlRequests(_ file: String) throws -> [[String: Any]] {
        let text = String(decoding: try data(file), as: UTF8.self)
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
