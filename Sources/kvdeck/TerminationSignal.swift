import Dispatch
import Foundation

/// SIGTERM (Kubernetes' stop) and SIGINT (Ctrl-C) as an async wait, instead of the default of
/// dying at once: a server can then drain before it exits.
enum TerminationSignal {
    /// Returns the first time either signal arrives.
    static func wait() async -> Int32 {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        // A parent may have started us with these blocked (test runners have been seen to);
        // this thread at least takes them.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        var iterator = stream.makeAsyncIterator()
        let received = await iterator.next() ?? SIGTERM
        // Kept alive until here; a second signal during the drain is ignored (still SIG_IGN).
        for s in sources { s.cancel() }
        return received
    }
}
