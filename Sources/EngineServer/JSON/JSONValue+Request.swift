import Foundation
import YAML

/// Request bodies are read into the project's one JSON tree (`YAML.JSONValue`), which keeps
/// integers (`.int`) apart from other numbers (`.double`) as OpenAI's field types need, and each
/// field's type is then checked by hand (`RequestFields`) so the 400 can name it.
extension JSONValue {
    /// Parses a request body; the error says what is wrong with it and where, for a 400.
    static func parse(_ data: Data) throws(APIError) -> JSONValue {
        guard !data.isEmpty else { throw .badRequest("the request body is empty; send a JSON object") }
        do {
            return try JSONValue(json: data)
        } catch {
            throw .badRequest("the request body is not valid JSON: \(error)")
        }
    }
}
