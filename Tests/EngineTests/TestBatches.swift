@testable import Engine

/// A sequence as a scheduler would track it for the runner: tokens cached so far and its blocks.
struct TestSequence {
    let id: Int
    var cached = 0
    var blocks: [Int32] = []
}

/// Hands out block ids in a scrambled order, so block tables are never the identity and a
/// kernel that ignores them fails.
final class TestBlockPool {
    let count: Int
    private var next = 0
    init(count: Int) { self.count = count }
    func take() -> Int32 {
        precondition(next < count, "test block pool exhausted")
        defer { next += 1 }
        return Int32((next * 7 + 3) % count)  // 7 is coprime with the counts the tests use
    }
}

/// Builds one ForwardBatch from slices of several sequences, allocating blocks as needed.
struct TestBatchBuilder {
    let blockSize: Int
    let pool: TestBlockPool
    var batch = ForwardBatch()

    init(blockSize: Int, pool: TestBlockPool) {
        self.blockSize = blockSize
        self.pool = pool
    }

    mutating func add(_ seq: inout TestSequence, _ tokens: [Int32], wantsLogits: Bool = true) {
        let context = seq.cached + tokens.count
        while seq.blocks.count * blockSize < context { seq.blocks.append(pool.take()) }
        batch.append(sequenceID: seq.id, tokens: tokens, from: seq.cached, blockTable: seq.blocks,
                     blockSize: blockSize, wantsLogits: wantsLogits)
        seq.cached = context
    }
}

func argmax(_ row: ArraySlice<Float>) -> Int {
    var best = row.startIndex
    for i in row.indices where row[i] > row[best] { best = i }
    return best - row.startIndex
}

/// Test data from the engine's own SplitMix64 generator.
extension SeededRandom {
    /// Uniform in -1...1.
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
    mutating func floats(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in float() * scale } }
}
