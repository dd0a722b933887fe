import Dispatch

/// The engine as the server and the console use it: submit a request, read its events from an
/// async stream, abort it by id or by cancelling the task that reads it.
///
/// ```swift
/// let engine = try InferenceEngine(runner: cpuRunner, detokenizer: tokenizer,
///                                  config: EngineConfig(maxNumBatchedTokens: 2048))
/// var sampling = SamplingParams()
/// sampling.temperature = 0.7; sampling.maxTokens = 256; sampling.stop = ["\n\n"]
/// for try await event in try await engine.submit(GenerationRequest(id: "chat-1", prompt: .text(templated), sampling: sampling)) {
///     switch event {
///     case .delta(let d): print(d.text, terminator: "")
///     case .finished(let f): print("\n[\(f.reason), \(f.usage.completionTokens) tokens]")
///     }
/// }
/// let metrics = await engine.stats  // EngineStats: gauges, counters, vLLM-bucketed histograms
/// ```
///
/// An actor owns the `EngineCore`; a loop task runs forward steps while any request is in flight
/// and ends when none is (nothing spins while idle; the next `submit` starts it again). The
/// backend's `forward` is blocking CPU or GPU work, so it runs on a dedicated serial queue rather
/// than on the actor: the actor stays free to take submits and aborts during a step, and the
/// cooperative thread pool is never blocked.
public actor InferenceEngine {
    private var core: EngineCore
    private let runner: any ModelRunner
    private var streams: [String: AsyncThrowingStream<GenerationEvent, Error>.Continuation] = [:]
    private var loop: Task<Void, Never>?
    private let forwardQueue = DispatchQueue(label: "kvdeck.engine.forward", qos: .userInitiated)

    public init(runner: any ModelRunner, detokenizer: any Detokenizing, config: EngineConfig = EngineConfig()) throws(EngineError) {
        self.runner = runner
        self.core = try EngineCore(runner: runner, detokenizer: detokenizer, config: config)
    }

    /// Queues a request. Throws at once for a request that can never run (bad parameters, prompt
    /// too long, duplicate id); later failures end the stream with an error.
    public func submit(_ request: GenerationRequest) throws(EngineError) -> AsyncThrowingStream<GenerationEvent, Error> {
        try core.add(request)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        streams[request.id] = continuation
        let id = request.id
        // A consumer that stops listening (its task cancelled, the stream dropped) aborts the
        // request, so its blocks go back to the pool at once.
        continuation.onTermination = { [weak self] termination in
            guard case .cancelled = termination else { return }
            Task { await self?.abort(requestID: id) }
        }
        startLoopIfNeeded()
        return stream
    }

    /// Ends a request now (`finished` with reason `abort`) and frees its blocks. No-op if done.
    public func abort(requestID: String) {
        guard let output = core.abort(requestID: requestID) else { return }
        deliver([output])
    }

    public var stats: EngineStats { core.snapshot() }
    public var maxModelLen: Int { core.maxModelLen }

    /// Returns once no request is in flight (for drains and tests).
    public func waitUntilIdle() async {
        while let loop { await loop.value }
    }

    // MARK: The loop

    private func startLoopIfNeeded() {
        guard loop == nil, core.hasWork else { return }
        loop = Task { await self.run() }
    }

    private func run() async {
        while core.hasWork {
            guard let step = core.schedule() else {
                // Cannot happen while one sequence always fits the pool (EngineCore checks
                // that); fail loudly rather than leave streams hanging.
                deliver(core.failAll(.invalidConfiguration("the scheduler could not place any request in the KV cache")))
                break
            }
            switch await forward(step.batch) {
            case .success(let logits): deliver(core.complete(step, logits: logits))
            case .failure(let error): deliver(core.fail(step, error))
            }
        }
        loop = nil
    }

    private func forward(_ batch: ForwardBatch) async -> Result<Logits, EngineError> {
        let runner = self.runner
        return await withCheckedContinuation { continuation in
            forwardQueue.async {
                let result: Result<Logits, EngineError>
                do {
                    result = .success(try runner.forward(batch))
                } catch let e as EngineError {
                    result = .failure(e)
                } catch {
                    result = .failure(.forwardFailed("\(error)"))
                }
                continuation.resume(returning: result)
            }
        }
    }

    private func deliver(_ outputs: [RequestOutput]) {
        for output in outputs {
            guard let c = streams[output.requestID] else { continue }
            for event in output.events { c.yield(event) }
            let finished = output.events.contains { if case .finished = $0 { true } else { false } }
            if let error = output.error {
                streams[output.requestID] = nil
                c.finish(throwing: error)
            } else if finished {
                streams[output.requestID] = nil
                c.finish()
            }
        }
    }
}
