import Foundation
import XCTest
@testable import Engine

final class GGUFModelTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testTheDefaultModelsConfig() throws {
        let c = try GGUFModel(path: TestModel.defaultGGUFPath).config
        XCTAssertEqual(c, ModelConfig(architecture: .llama, vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536,
                                      layerCount: 30, headCount: 9, kvHeadCount: 3, headDim: 64, ropeTheta: 100000,
                                      ropeLayout: .adjacentPairs, rmsNormEps: c.rmsNormEps, maxPositions: 8192,
                                      tiedEmbeddings: true, attentionBias: false, qkNorm: false))
        XCTAssertEqual(c.rmsNormEps, 1e-5, accuracy: 1e-9)
    }

    /// Qwen2 (q/k/v biases, half-split RoPE), Qwen3 (q/k norms) and Llama (adjacent pairs,
    /// untied output), each a tiny random GGUF with matrices in all six types: every position's
    /// logits against the plain Double transformer, through the paged cache in 4-token blocks.
    func testSyntheticArchitecturesMatchThePlainTransformer() throws {
        let tokens: [Int32] = [3, 17, 0, 39, 8, 8, 25, 11, 30]
        for (arch, tied) in [(ModelConfig.Architecture.qwen2, true), (.qwen3, true), (.llama, false)] {
            let url = directory.appendingPathComponent("\(arch.rawValue).gguf")
            try SyntheticModel.write(arch, to: url, seed: 7, tied: tied)
            let model = try GGUFModel(path: url.path)
            let c = model.config
            XCTAssertEqual(c.architecture, arch)
            XCTAssertEqual(c.attentionBias, arch == .qwen2)
            XCTAssertEqual(c.qkNorm, arch == .qwen3)
            XCTAssertEqual(c.tiedEmbeddings, tied)
            XCTAssertEqual(c.ropeLayout, arch == .llama ? .adjacentPairs : .halfSplit)
            XCTAssertEqual(c.headDim, SyntheticModel.headDim)
            XCTAssertEqual(c.vocabSize, SyntheticModel.vocab)

            let expected = NaiveTransformer(model: model).logits(tokens)
            for path in CPUKernelPath.allCases.filter(\.isSupported) {
                // Tolerances relative to the largest logit: float32 against Double through random,
                // unnormalised weights measures ~4e-6 (exact) and ~5e-4 (int16); a wrong bias,
                // q/k norm or RoPE layout is off by O(1). A float32 cache, so what is measured is the
                // arithmetic (the half cache is held to the real model's fixture instead).
                let scale = expected.joined().map { abs($0) }.max()!
                for (arithmetic, relative) in [(CPUArithmetic.exact, 1e-5), (.int16Activations, 1e-3)] {
                    let tolerance = relative * scale
                    let runner = try CPUModelRunner(weights: model, blockSize: 4, blockCount: 8, arithmetic: arithmetic, kernelPath: path,
                                                    kvCacheFormat: .float32)
                    // Prefill in two chunks (5 + 4 tokens): the second attends to cached blocks.
                    let pool = TestBlockPool(count: 8)
                    var s = TestSequence(id: 0)
                    var rows: [[Float]] = []
                    for chunk in [tokens[0..<5], tokens[5...]] {
                        var b = TestBatchBuilder(blockSize: 4, pool: pool)
                        b.add(&s, Array(chunk))
                        let l = try runner.forward(b.batch, logitsForEveryToken: true)
                        rows += (0..<l.rowCount).map { Array(l.row($0)) }
                    }
                    var worst = 0.0
                    for (r, e) in zip(rows, expected) { for (a, b) in zip(r, e) { worst = max(worst, abs(Double(a) - b)) } }
                    XCTAssertLessThan(worst, tolerance, "\(arch) \(path) \(arithmetic), logits up to \(scale)")
                }
            }
        }
    }

    func testUnsupportedModelsAreClearErrors() throws {
        var w = TestGGUFWriter()
        w.metadata = [("general.architecture", .string("gpt2"))]
        let gpt2 = directory.appendingPathComponent("gpt2.gguf")
        try w.write(to: gpt2)
        XCTAssertThrowsError(try GGUFModel(path: gpt2.path)) { error in
            XCTAssertEqual("\(error)", "\(gpt2.path): architecture \"gpt2\" is not supported (llama, qwen2 and qwen3 are)")
        }

        let qwen = directory.appendingPathComponent("qwen2.gguf")
        try SyntheticModel.write(.qwen2, to: qwen, seed: 1, tied: true)
        var bytes = try Data(contentsOf: qwen)
        // Turn the first F16 tensor's type into Q5_0 (6): in the directory, the type follows the dims.
        let name = Data("blk.0.attn_q.weight".utf8)
        let at = bytes.range(of: name)!.upperBound + 4 + 16
        bytes[at] = 6
        let q5 = directory.appendingPathComponent("q5.gguf")
        try bytes.write(to: q5)
        XCTAssertThrowsError(try GGUFModel(path: q5.path)) { error in
            XCTAssertTrue("\(error)".contains("tensor blk.0.attn_q.weight is Q5_0, which kvdeck does not compute with"), "\(error)")
        }

        var missing = TestGGUFWriter()
        missing.metadata = [("general.architecture", .string("llama")), ("llama.embedding_length", .u32(64))]
        let incomplete = directory.appendingPathComponent("incomplete.gguf")
        try missing.write(to: incomplete)
        XCTAssertThrowsError(try GGUFModel(path: incomplete.path)) { error in
            XCTAssertTrue("\(error)".contains("metadata llama.attention.head_count is missing"), "\(error)")
        }
    }
}
