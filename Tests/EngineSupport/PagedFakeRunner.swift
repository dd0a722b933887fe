import Engine
import Foundation

/// A `ModelRunner` that behaves like a model over a real paged cache without the arithmetic: it
/// writes each token id into its slot, and computes a slice's logits from the token ids it reads
/// back through the slice's block table over `contextLength`. A wrong block table, slot mapping,
/// reused-but-stale block or missed write therefore changes the output (or throws), which is what
/// makes the scheduler tests mean something.
public final class PagedFakeRunner: ModelRunner, @unchecked Sendable {
    public struct ContractViolation: Error, CustomStringConvertible {
        public let description: String
    }

    public let config: ModelConfig
    public let blockSize: Int
    public let blockCount: Int
    private let lock = NSLock()
    private var slots: [Int32]
    private var _computedTokens = 0
    private var _forwardCalls = 0
    /// Seconds each forward step sleeps (to keep a request in flight in the async tests).
    public let delay: Double

    public init(vocabSize: Int = 64, blockSize: Int = 16, blockCount: Int, maxPositions: Int = 4096, delay: Double = 0) {
        config = ModelConfig(architecture: .llama, vocabSize: vocabSize, hiddenSize: 8, intermediateSize: 8,
                             layerCount: 1, headCount: 1, kvHeadCount: 1, headDim: 8, ropeTheta: 10000,
                             ropeLayout: .halfSplit, rmsNormEps: 1e-6, maxPositions: maxPositions,
                             tiedEmbeddings: true, attentionBias: false, qkNorm: false)
        self.blockSize = blockSize
        self.blockCount = blockCount
        self.delay = delay
        slots = Array(repeating: -1, count: blockSize * blockCount)
    }

    /// Tokens whose K/V this runner has computed, over all calls.
    public var computedTokens: Int { lock.withLock { _computedTokens } }
    public var forwardCalls: Int { lock.withLock { _forwardCalls } }

    public func forward(_ batch: ForwardBatch) throws -> Logits {
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        return try lock.withLock {
            _forwardCalls += 1
            _computedTokens += batch.tokens.count
            try check(batch)
            for (i, slot) in batch.slotMapping.enumerated() { slots[Int(slot)] = batch.tokens[i] }
            var values: [Float] = []
            for s in batch.slices where s.wantsLogits {
                var context: [Int32] = []
                for p in 0..<s.contextLength {
                    let t = slots[Int(s.blockTable[p / blockSize]) * blockSize + p % blockSize]
                    if t < 0 { throw ContractViolation(description: "sequence \(s.sequenceID) reads slot of position \(p) that was never written") }
                    context.append(t)
                }
                values += FakeModel.logits(after: context, vocabSize: config.vocabSize)
            }
            return Logits(rowCount: batch.logitsRowCount, vocabSize: config.vocabSize, values: values)
        }
    }

    /// The `ForwardBatch` contract, checked on every step.
    private func check(_ b: ForwardBatch) throws {
        func fail(_ m: String) throws { throw ContractViolation(description: m) }
        if b.tokens.count != b.positions.count || b.tokens.count != b.slotMapping.count { try fail("ragged batch arrays") }
        var next = 0
        var seen = Set<Int>()
        for s in b.slices {
            if s.tokenRange.lowerBound != next { try fail("slices do not tile the batch") }
            next = s.tokenRange.upperBound
            if !seen.insert(s.sequenceID).inserted { try fail("sequence \(s.sequenceID) twice in one batch") }
            if s.blockTable.count != (s.contextLength + blockSize - 1) / blockSize { try fail("block table of \(s.blockTable.count) blocks for \(s.contextLength) tokens") }
            if Set(s.blockTable).count != s.blockTable.count { try fail("block table repeats a block") }
            for (k, i) in s.tokenRange.enumerated() {
                let p = Int(b.positions[i])
                if p != s.contextLength - s.tokenRange.count + k { try fail("positions are not the slice's last tokens") }
                let want = Int(s.blockTable[p / blockSize]) * blockSize + p % blockSize
                if Int(b.slotMapping[i]) != want { try fail("slot \(b.slotMapping[i]) for position \(p), block table says \(want)") }
            }
        }
        if next != b.tokens.count { try fail("slices do not cover the batch") }
        if Set(b.slotMapping).count != b.slotMapping.count { try fail("two tokens write one slot") }
    }
}

/// The fake model's "weights": a deterministic, peaked distribution over the next token for every
/// context (a hash of the whole context picks the favourite).
public enum FakeModel {
    public static func logits(after context: [Int32], vocabSize: Int) -> [Float] {
        var h: UInt64 = 0x9e37_79b9_7f4a_7c15
        for t in context { h = (h ^ UInt64(UInt32(bitPattern: t))) &* 0x0000_0100_0000_01b3; h ^= h >> 29 }
        var rng = SeededRandom(seed: h)
        var row = (0..<vocabSize).map { _ in Float(rng.nextUnit() * 2) }
        row[Int(h % UInt64(vocabSize))] += 6
        return row
    }
}
