import Engine
import YAML

/// An OpenAI `messages` array given as text (`kvdeck generate --messages`), read by the very rules
/// `/v1/chat/completions` uses, so the command line and the server agree on what a message is.
public enum ChatMessagesJSON {
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public static func parse(_ text: String) throws(Invalid) -> [ChatMessage] {
        let value: JSONValue
        do {
            value = try JSONValue(json: text)
        } catch {
            throw Invalid(description: "not valid JSON (\(error))")
        }
        do {
            return try ChatCompletionRequest.readMessages(RequestFields(.object(["messages": value])))
        } catch {
            throw Invalid(description: error.message)
        }
    }
}
