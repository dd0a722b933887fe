import XCTest
@testable import Engine

/// Rows sampled across threads give what sampling them one after another gives.
final class BatchSamplerTests: XCTestCase {
    func testRowsSampledInParallelEqualRowsSampledInTurn() {
        let vocab = 3000
        let rowCount = 24
        var source = SeededRandom(seed: 7)
        let values = (0..<(rowCount * vocab)).map { _ in Float(Double.random(in: -6...6, using: &source)) }
        let logits = Logits(rowCount: rowCount, vocabSize: vocab, values: values)
        let prompt: [TokenID] = (0..<40).map { TokenID($0 * 37 % vocab) }
        let output: [TokenID] = [5, 9, 5, 1200]
        var rows: [BatchSampler.Row] = []
        for i in 0..<rowCount {
            var p = SamplingParams()
            switch i % 6 {
            case 0: p.temperature = 0
            case 1: p.temperature = 0.7; p.topP = 0.9
            case 2: p.topK = 20
            case 3: p.minP = 0.05; p.repetitionPenalty = 1.3
            case 4: p.temperature = 1.2; p.logprobs = 3; p.frequencyPenalty = 0.5
            default: p.topP = 0.5; p.presencePenalty = 1
            }
            // Rows point at logits out of order, as a batch's entries may.
            rows.append(.init(logitsRow: (i * 7) % rowCount, params: p, prompt: prompt[...],
                              output: output[..<(i % 5)], rng: SeededRandom(seed: UInt64(100 + i))))
        }
        let inTurn = BatchSampler.sample(rows, logits: logits, parallel: false)
        for attempt in 0..<5 {
            let parallel = BatchSampler.sample(rows, logits: logits)
            XCTAssertEqual(parallel.map(\.token), inTurn.map(\.token), "attempt \(attempt)")
            // The generators moved on exactly as in turn: their next draws agree.
            var a = parallel.map(\.rng), b = inTurn.map(\.rng)
            for i in a.indices { XCTAssertEqual(a[i].next(), b[i].next(), "row \(i), attempt \(attempt)") }
        }
        // And each equals the one-row sampler on its own row.
        for (i, row) in rows.enumerated() {
            var rng = row.rng
            let alone = Sampler.sample(logits.row(row.logitsRow), params: row.params, prompt: row.prompt, output: row.output, rng: &rng)
            XCTAssertEqual(alone, inTurn[i].token, "row \(i)")
        }
        // The draws are not all the same token, so a mixed-up row would show.
        XCTAssertGreaterThan(Set(inTurn.map(\.token.token)).count, rowCount / 2)
        XCTAssertNotNil(inTurn[4].token.logprobs)
    }
}
