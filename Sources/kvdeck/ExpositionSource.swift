import Foundation
import Kube

/// Where `kvdeck metrics` reads an exposition from: a file, standard input ("-") or an http(s) URL.
struct ExpositionSource {
    enum Kind { case file(String), standardInput, url(URL) }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let argument: String
    let kind: Kind

    /// Anything with "://" must be an http(s) or file URL; everything else is a path.
    init(_ argument: String) throws {
        self.argument = argument
        if argument == "-" {
            kind = .standardInput
        } else if argument.contains("://") {
            guard let url = URL(string: argument), let scheme = url.scheme?.lowercased() else {
                throw Failure(description: "\"\(argument)\" is not a valid URL")
            }
            switch scheme {
            case "http", "https":
                guard let host = url.host, !host.isEmpty else { throw Failure(description: "\"\(argument)\" is not a valid URL: no host") }
                kind = .url(url)
            case "file":
                kind = .file(url.path)
            default:
                throw Failure(description: "unsupported URL scheme \"\(scheme)\" in \"\(argument)\" (use http, https, or a file path)")
            }
        } else {
            kind = .file(argument)
        }
    }

    var isURL: Bool { if case .url = kind { return true } else { return false } }

    /// The body and its Content-Type (files have none: the format is told from the text).
    func read(timeout: Double) async throws -> (body: Data, contentType: String?) {
        switch kind {
        case .standardInput:
            return (FileHandle.standardInput.readDataToEndOfFile(), nil)
        case let .file(path):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw Failure(description: "cannot read \(path): no such file")
            }
            guard !isDirectory.boolValue else { throw Failure(description: "cannot read \(path): it is a directory") }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Failure(description: "cannot read \(path): permission denied or unreadable")
            }
            return (data, nil)
        case let .url(url):
            let transport = try CurlTransport(options: TransportOptions(requestTimeout: .milliseconds(Int(timeout * 1000))))
            defer { transport.shutdown() }
            let response: HTTPResponse
            do {
                response = try await transport.send(HTTPRequest(url: url, headers: [("Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1")]))
            } catch {
                throw Failure(description: "cannot fetch \(url.absoluteString): \(error)")
            }
            guard (200..<300).contains(response.status) else {
                let first = String(decoding: response.body.prefix(200), as: UTF8.self).split(whereSeparator: \.isNewline).first ?? ""
                throw Failure(description: "GET \(url.absoluteString): HTTP \(response.status)\(first.isEmpty ? "" : ": \(first)")")
            }
            return (response.body, response.headers["content-type"])
        }
    }
}
