import Engine
import Foundation

/// An OpenAI `messages` array given as text (`kvdeck generate --messages`), read by the very rules
/// `/v1/chat/completions` uses, so the command line and the server agree on what a message is.
public enum ChatMessagesJSON {
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public static func parse(_ text: String) throws(Invalid) -> [ChatMessage] {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw Invalid(description: "not valid JSON" + syntaxDetail(text))
        }
        do {
            return try ChatCompletionRequest.readMessages(RequestFields(.object(["messages": value])))
        } catch {
            throw Invalid(description: error.message)
        }
    }

    /// Where the text stops being JSON, as " (Unexpected end of file ...)": Foundation's decoder
    /// on Linux does not say, its JSONSerialization does.
    private static func syntaxDetail(_ text: String) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            return ""
        } catch {
            return ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String).map { " (\($0))" } ?? ""
        }
    }
}
