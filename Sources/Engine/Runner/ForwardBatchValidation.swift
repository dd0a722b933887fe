/// Why a backend refused a batch: names the slice and the value, so a scheduler bug reads as one.
public struct ForwardBatchError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "invalid forward batch: \(message)" }
}

extension ForwardBatch {
    /// Checks everything a backend indexes with before it touches memory: array lengths, slices
    /// covering the tokens in order, token ids, block ids, positions, and that each token's slot
    /// is where its sequence's block table says its position lives (else attention would read
    /// K/V other than what was written).
    public func validate(blockSize: Int, blockCount: Int, vocabSize: Int) throws(ForwardBatchError) {
        let n = tokens.count
        guard positions.count == n, slotMapping.count == n else {
            throw ForwardBatchError("\(n) tokens but \(positions.count) positions and \(slotMapping.count) slots")
        }
        var next = 0
        for (i, s) in slices.enumerated() {
            let r = s.tokenRange
            guard r.lowerBound == next, r.upperBound <= n, !r.isEmpty else {
                throw ForwardBatchError("slice \(i) (sequence \(s.sequenceID)) covers tokens \(r), expected a non-empty range starting at \(next) within \(n)")
            }
            next = r.upperBound
            let neededBlocks = (s.contextLength + blockSize - 1) / blockSize
            guard s.contextLength >= r.count, s.blockTable.count >= neededBlocks else {
                throw ForwardBatchError("slice \(i) (sequence \(s.sequenceID)): context \(s.contextLength) with \(r.count) new tokens needs \(neededBlocks) blocks, the table has \(s.blockTable.count)")
            }
            for b in s.blockTable.prefix(neededBlocks) where b < 0 || Int(b) >= blockCount {
                throw ForwardBatchError("slice \(i) (sequence \(s.sequenceID)): block \(b) is outside the cache's \(blockCount) blocks")
            }
            let first = s.contextLength - r.count
            for (j, t) in r.enumerated() {
                let token = tokens[t]
                guard token >= 0, Int(token) < vocabSize else {
                    throw ForwardBatchError("token \(t) is id \(token), outside the vocabulary of \(vocabSize)")
                }
                let pos = first + j
                guard Int(positions[t]) == pos else {
                    throw ForwardBatchError("token \(t) of slice \(i) (sequence \(s.sequenceID)) has position \(positions[t]), expected \(pos) from its context length")
                }
                let slot = Int(s.blockTable[pos / blockSize]) * blockSize + pos % blockSize
                guard Int(slotMapping[t]) == slot else {
                    throw ForwardBatchError("token \(t) of slice \(i) (sequence \(s.sequenceID)) maps to slot \(slotMapping[t]), but its block table puts position \(pos) at slot \(slot)")
                }
            }
        }
        guard next == n else {
            throw ForwardBatchError("the slices cover \(next) of \(n) tokens")
        }
    }
}
