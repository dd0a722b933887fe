/// The synchronous heart of the engine (vLLM's `EngineCore`, nano-vllm's `LLMEngine`): admits
/// requests, asks the scheduler for a batch, samples the logits the backend returns, turns tokens
/// into text and finishes requests, keeping the statistics on the way. No threads here:
/// `InferenceEngine` drives it from an actor, and tests drive it step by step.
public struct EngineCore {
    public let model: ModelConfig
    public let maxModelLen: Int
    public private(set) var scheduler: Scheduler
    private let detokenizer: any Detokenizing
    private let clock: @Sendable () -> Double
    private var requests: [Int: RequestState] = [:]
    private var sequenceOfRequest: [String: Int] = [:]
    private var nextSequenceID = 0
    var stats: EngineStats

    public init(model: ModelConfig, blockSize: Int, blockCount: Int, detokenizer: any Detokenizing,
                config: EngineConfig = EngineConfig(),
                clock: @escaping @Sendable () -> Double = EngineClock.monotonic()) throws(EngineError) {
        guard blockSize > 0, blockCount > 0 else {
            throw .invalidConfiguration("the backend reports \(blockCount) KV blocks of \(blockSize) tokens; give it a larger --kv-cache-memory")
        }
        guard config.maxNumBatchedTokens > 0 else { throw .invalidConfiguration("--max-num-batched-tokens must be at least 1") }
        guard config.maxNumSeqs > 0 else { throw .invalidConfiguration("--max-num-seqs must be at least 1") }
        let capacity = blockSize * blockCount
        let maxModelLen = config.maxModelLen ?? min(model.maxPositions, capacity)
        guard maxModelLen >= 1, maxModelLen <= model.maxPositions else {
            throw .invalidConfiguration("--max-model-len \(maxModelLen) is outside 1...\(model.maxPositions), the model's context length")
        }
        // One sequence alone must always fit, or it could be preempted forever.
        guard maxModelLen <= capacity else {
            throw .invalidConfiguration("--max-model-len \(maxModelLen) needs \(maxModelLen) KV slots but the cache holds \(capacity) (\(blockCount) blocks of \(blockSize)); raise --kv-cache-memory or lower --max-model-len")
        }
        self.model = model
        self.maxModelLen = maxModelLen
        self.detokenizer = detokenizer
        self.clock = clock
        self.scheduler = Scheduler(config: SchedulerConfig(
            blockSize: blockSize, blockCount: blockCount, maxNumBatchedTokens: config.maxNumBatchedTokens,
            maxNumSeqs: config.maxNumSeqs, enablePrefixCaching: config.enablePrefixCaching))
        self.stats = EngineStats(maxModelLen: maxModelLen)
        stats.blockSize = blockSize
        stats.blockCount = blockCount
    }

    public init(runner: any ModelRunner, detokenizer: any Detokenizing, config: EngineConfig = EngineConfig(),
                clock: @escaping @Sendable () -> Double = EngineClock.monotonic()) throws(EngineError) {
        try self.init(model: runner.config, blockSize: runner.blockSize, blockCount: runner.blockCount,
                      detokenizer: detokenizer, config: config, clock: clock)
    }

    public var hasWork: Bool { scheduler.hasWork }
    public func isActive(_ requestID: String) -> Bool { sequenceOfRequest[requestID] != nil }

    // MARK: Requests in and out

    /// Validates and queues a request; returns its prompt length in tokens.
    @discardableResult
    public mutating func add(_ request: GenerationRequest) throws(EngineError) -> Int {
        guard sequenceOfRequest[request.id] == nil else { throw .duplicateRequestID(request.id) }
        let prompt: [TokenID]
        switch request.prompt {
        case .tokens(let t): prompt = t
        case .text(let s):
            do { prompt = try detokenizer.encodePrompt(s) } catch { throw .tokenizationFailed("\(error)") }
        }
        guard !prompt.isEmpty else { throw .invalidRequest("the prompt is empty; send at least one token") }
        if let bad = prompt.first(where: { $0 < 0 || Int($0) >= model.vocabSize }) {
            throw .invalidRequest("prompt token id \(bad) is outside this model's vocabulary (0..<\(model.vocabSize))")
        }
        guard prompt.count <= maxModelLen else { throw .promptTooLong(promptTokens: prompt.count, maxModelLen: maxModelLen) }
        try request.sampling.validate(vocabSize: model.vocabSize)

        let id = nextSequenceID
        nextSequenceID += 1
        requests[id] = RequestState(requestID: request.id, params: request.sampling, promptCount: prompt.count,
                                    eos: detokenizer.eosTokenIDs, decoder: detokenizer.makeIncrementalDecoder(),
                                    arrival: clock())
        sequenceOfRequest[request.id] = id
        scheduler.add(sequenceID: id, prompt: prompt)
        if let m = request.sampling.maxTokens { stats.requestParamsMaxTokens.observe(Double(m)) }
        return prompt.count
    }

    /// Ends a request now, wherever it is, and frees its blocks. nil if it is not in flight.
    public mutating func abort(requestID: String) -> RequestOutput? {
        guard let id = sequenceOfRequest[requestID], let st = requests[id] else { return nil }
        let finish = finishRequest(id, st, reason: .abort, stopReason: nil)
        return RequestOutput(requestID: requestID, events: [.finished(finish)], error: nil)
    }

    // MARK: Steps

    /// The next batch, or nil when there is nothing to run.
    public mutating func schedule() -> ScheduledStep? {
        guard scheduler.hasWork else { return nil }
        var step = scheduler.schedule()
        // A step can come out empty when running sequences preempted each other down to none;
        // they are back in the queue, and the next try admits the first of them.
        if step.batch.isEmpty { step = scheduler.schedule() }
        let now = clock()
        for e in step.entries where e.isFirstAdmission {
            guard var st = requests[e.sequenceID] else { continue }
            st.scheduled = now
            stats.queueTime.observe(now - st.arrival)
            requests[e.sequenceID] = st
        }
        stats.preemptions = UInt64(scheduler.preemptionCount)
        return step.batch.isEmpty ? nil : step
    }

    /// Samples the step's logits and advances every request in it.
    public mutating func complete(_ step: ScheduledStep, logits: Logits) -> [RequestOutput] {
        guard logits.rowCount == step.batch.logitsRowCount, logits.vocabSize == model.vocabSize else {
            return fail(step, .forwardFailed(
                "the backend returned \(logits.rowCount)×\(logits.vocabSize) logits for a batch that needs \(step.batch.logitsRowCount)×\(model.vocabSize)"))
        }
        stats.iterationTokens.observe(Double(step.batch.tokens.count))
        var sampledIDs: [Int] = []
        var rows: [BatchSampler.Row] = []
        for e in step.entries {
            guard let row = e.logitsRow, let st = requests[e.sequenceID], let tokens = scheduler.tokens(of: e.sequenceID) else { continue }
            sampledIDs.append(e.sequenceID)
            rows.append(.init(logitsRow: row, params: st.params, prompt: tokens[..<st.promptCount],
                              output: tokens[st.promptCount...], rng: st.rng))
        }
        var sampled: [Int: SampledToken] = [:]
        for (id, result) in zip(sampledIDs, BatchSampler.sample(rows, logits: logits)) {
            sampled[id] = result.token
            requests[id]?.rng = result.rng
        }
        scheduler.commit(step, sampled: sampled.mapValues(\.token))

        let now = clock()
        var outputs: [RequestOutput] = []
        for e in step.entries {
            guard let s = sampled[e.sequenceID], var st = requests.removeValue(forKey: e.sequenceID) else { continue }
            recordToken(&st, now: now)
            let total = scheduler.tokens(of: e.sequenceID)?.count ?? 0
            let (text, finish) = st.accept(s.token, totalTokens: total, maxModelLen: maxModelLen)
            requests[e.sequenceID] = st
            var events: [GenerationEvent] = [.delta(.init(text: text, tokenIDs: [s.token], logprobs: s.logprobs.map { [$0] } ?? []))]
            if let (reason, stopReason) = finish {
                events.append(.finished(finishRequest(e.sequenceID, st, reason: reason, stopReason: stopReason)))
            }
            outputs.append(RequestOutput(requestID: st.requestID, events: events, error: nil))
        }
        return outputs
    }

    /// The backend failed this step: every request in it fails (others carry on).
    public mutating func fail(_ step: ScheduledStep, _ error: EngineError) -> [RequestOutput] {
        step.entries.compactMap { e in
            guard let st = requests[e.sequenceID] else { return nil }
            _ = finishRequest(e.sequenceID, st, reason: .abort, stopReason: nil)
            return RequestOutput(requestID: st.requestID, events: [], error: error)
        }
    }

    /// Fails every request in flight (the engine cannot go on).
    public mutating func failAll(_ error: EngineError) -> [RequestOutput] {
        requests.map { id, st in
            _ = finishRequest(id, st, reason: .abort, stopReason: nil)
            return RequestOutput(requestID: st.requestID, events: [], error: error)
        }
    }

    /// One whole step on the calling thread (tests, and single-threaded callers).
    public mutating func step(using runner: any ModelRunner) -> [RequestOutput] {
        guard let step = schedule() else { return [] }
        do {
            return complete(step, logits: try runner.forward(step.batch))
        } catch let e as EngineError {
            return fail(step, e)
        } catch {
            return fail(step, .forwardFailed("\(error)"))
        }
    }

    // MARK: Finishing and statistics

    private mutating func finishRequest(_ id: Int, _ st: RequestState, reason: FinishReason, stopReason: StopReason?) -> GenerationEvent.Finish {
        let usage = Usage(promptTokens: st.promptCount, completionTokens: st.generated,
                          cachedPromptTokens: scheduler.cachedPromptTokens(of: id))
        scheduler.remove(id)
        requests[id] = nil
        sequenceOfRequest[st.requestID] = nil
        recordFinish(st, reason: reason, usage: usage)
        return .init(reason: reason, stopReason: stopReason, usage: usage)
    }

    private mutating func recordToken(_ st: inout RequestState, now: Double) {
        if let last = st.lastToken {
            stats.interTokenLatency.observe(now - last)
        } else {
            st.firstToken = now
            stats.timeToFirstToken.observe(now - st.arrival)
            stats.promptTokens += UInt64(st.promptCount)
        }
        st.lastToken = now
        stats.generationTokens += 1
    }

    private mutating func recordFinish(_ st: RequestState, reason: FinishReason, usage: Usage) {
        let now = clock()
        stats.requestSuccess[reason, default: 0] += 1
        stats.e2eLatency.observe(now - st.arrival)
        stats.requestPromptTokens.observe(Double(usage.promptTokens))
        stats.requestGenerationTokens.observe(Double(usage.completionTokens))
        if let scheduled = st.scheduled {
            stats.requestPrefillKVComputedTokens.observe(Double(usage.promptTokens - usage.cachedPromptTokens))
            if let first = st.firstToken, let last = st.lastToken {
                stats.prefillTime.observe(first - scheduled)
                stats.decodeTime.observe(last - first)
                stats.inferenceTime.observe(last - scheduled)
                if st.generated > 1 { stats.timePerOutputToken.observe((last - first) / Double(st.generated - 1)) }
            }
        }
    }

    /// The statistics now, with the gauges filled in.
    public func snapshot() -> EngineStats {
        var s = stats
        s.runningRequests = scheduler.runningCount
        s.waitingRequests = scheduler.waitingCount
        s.kvCacheUsage = scheduler.pool.usage
        s.prefixCacheQueries = UInt64(scheduler.pool.queriedTokens)
        s.prefixCacheHits = UInt64(scheduler.pool.hitTokens)
        s.preemptions = UInt64(scheduler.preemptionCount)
        return s
    }
}
