import Foundation
import YAML

/// Reading and writing unstructured objects (`JSONValue`) as request and response bodies, with
/// errors that name the request whose body could not be read.
enum UnstructuredJSON {
    static func parse(_ data: Data, context: String) throws -> JSONValue {
        do {
            return try JSONValue(json: data)
        } catch {
            throw KubeClientError.undecodableResponse(context: context, detail: "\(error)")
        }
    }

    static func serialize(_ value: JSONValue) -> Data { value.jsonData() }
}
