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
        } catch let DecodingError.dataCorrupted(context) {
            let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            throw Invalid(description: "the messages are not valid JSON" + (detail.map { ": \($0)" } ?? ""))
        } catch {
            throw Invalid(description: "the messages are not valid JSON")
        }
        do {
            return try ChatCompletionRequest.readMessages(RequestFields(.object(["messages": value])))
        } catch {
            throw Invalid(description: error.message)
        }
    }
}
