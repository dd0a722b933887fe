import Foundation

/// Reads an OpenAI chat completion stream (server-sent events): `data: {json}` lines with
/// `choices[0].delta.content`, a `finish_reason`, a final `usage` chunk, then `data: [DONE]`.
/// Bytes arrive in arbitrary chunks, so lines are put back together first.
struct ChatStreamParser {
    private var pending = Data()
    private(set) var done = false
    private var finishReason: String?
    private var usage: (prompt: Int, completion: Int)?
    private(set) var finished = false

    /// The events in `chunk`; throws a server's `error` object as a message.
    mutating func feed(_ chunk: Data) throws -> [ChatEvent] {
        pending.append(chunk)
        var events: [ChatEvent] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
            pending.removeSubrange(pending.startIndex...newline)
            events += try self.line(line.trimmingCharacters(in: CharacterSet(charactersIn: "\r")))
        }
        return events
    }

    /// At the end of the body: the `finished` event if [DONE] never came.
    mutating func end() throws -> [ChatEvent] {
        var events: [ChatEvent] = []
        if !pending.isEmpty {
            let line = String(decoding: pending, as: UTF8.self)
            pending = Data()
            events += try self.line(line)
        }
        return events + finish()
    }

    private mutating func line(_ line: String) throws -> [ChatEvent] {
        guard line.hasPrefix("data:") else { return [] }
        let payload = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
        if payload == "[DONE]" {
            done = true
            return finish()
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else { return [] }
        if let error = object["error"] as? [String: Any] {
            throw ChatBackendError("the server: \(error["message"] as? String ?? "\(error)")")
        }
        var events: [ChatEvent] = []
        if let choice = (object["choices"] as? [[String: Any]])?.first {
            if let text = (choice["delta"] as? [String: Any])?["content"] as? String, !text.isEmpty {
                events.append(.text(text, tokens: 0))
            }
            if let reason = choice["finish_reason"] as? String { finishReason = reason }
        }
        if let u = object["usage"] as? [String: Any], let p = u["prompt_tokens"] as? Int, let c = u["completion_tokens"] as? Int {
            usage = (p, c)
        }
        return events
    }

    private mutating func finish() -> [ChatEvent] {
        guard !finished else { return [] }
        finished = true
        return [.finished(ChatFinish(reason: finishReason ?? "stop", promptTokens: usage?.prompt, completionTokens: usage?.completion))]
    }
}
