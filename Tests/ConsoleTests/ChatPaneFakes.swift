import Console
import Foundation

/// A backend the test drives event by event, recording what the pane sent and whether the
/// pane stopped listening (ctrl-c).
final class FakeChatBackend: ChatBackend, @unchecked Sendable {
    let label = "fake-model"
    let kvSource: ChatKVSource
    private let lock = NSLock()
    private var continuation: AsyncThrowingStream<ChatEvent, Error>.Continuation?
    private var _sent: [[ChatTurn]] = []
    private var _settings: [ChatSettings] = []
    private var _terminated = 0

    init(kvSource: ChatKVSource = .engine) { self.kvSource = kvSource }

    var sent: [[ChatTurn]] { lock.withLock { _sent } }
    var settings: [ChatSettings] { lock.withLock { _settings } }
    var terminations: Int { lock.withLock { _terminated } }

    func send(_ messages: [ChatTurn], settings: ChatSettings) -> AsyncThrowingStream<ChatEvent, Error> {
        let (stream, c) = AsyncThrowingStream.makeStream(of: ChatEvent.self)
        c.onTermination = { [weak self] _ in self?.lock.withLock { self?._terminated += 1 } }
        lock.withLock {
            continuation = c
            _sent.append(messages)
            _settings.append(settings)
        }
        return stream
    }

    func emit(_ event: ChatEvent) { _ = lock.withLock { continuation }?.yield(event) }
    func fail(_ error: Error) { lock.withLock { continuation }?.finish(throwing: error) }
    func end() { lock.withLock { continuation }?.finish() }
}

/// A clock the test moves by hand, so TTFT and tokens/s are exact.
final class StepClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time = Date(timeIntervalSince1970: 1_750_000_000)
    var now: Date { lock.withLock { time } }
    func advance(_ seconds: Double) { lock.withLock { time = time.addingTimeInterval(seconds) } }
}
