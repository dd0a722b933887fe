import Foundation
import XCTest
@testable import Engine

/// Long-context RoPE: the inverse frequencies against transformers' modeling_rope_utils (the
/// expected vectors come from a line-by-line numpy port of its default, linear, llama3 and yarn
/// functions in float32), and the scaling read from config.json and GGUF metadata.
final class RopeScalingTests: XCTestCase {
    static let linear: [Float] = [0.25, 0.18747355, 0.140585333, 0.105424128, 0.079056941, 0.059284348, 0.0444569848, 0.0333380364, 0.0250000004, 0.0187473539, 0.0140585322, 0.0105424123, 0.00790569466, 0.00592843397, 0.00444569858, 0.00333380373, 0.00249999994, 0.00187473558, 0.00140585331, 0.00105424121, 0.000790569466, 0.000592843455, 0.000444569858, 0.000333380362, 0.000250000012, 0.000187473546, 0.000140585325, 0.000105424137, 7.90569466e-05, 5.92843462e-05, 4.44569851e-05, 3.33380376e-05]
    static let llama3: [Float] = [1, 0.66360122, 0.440366626, 0.292227805, 0.193922758, 0.128687382, 0.0853971019, 0.0566696189, 0.0376060307, 0.0249554086, 0.0165604409, 0.0109895291, 0.00729266508, 0.00483942125, 0.00321144611, 0.00137189368, 0.000524846022, 0.000178507791, 7.78465546e-05, 5.16590735e-05, 3.42810235e-05, 2.27489272e-05, 1.50962178e-05, 1.00178677e-05, 6.64787058e-06, 4.41153452e-06, 2.92749974e-06, 1.94269251e-06, 1.28917316e-06, 8.55496921e-07, 5.6770881e-07, 3.76732288e-07]
    static let yarn: [Float] = [1, 0.649381638, 0.421696514, 0.273841977, 0.177827939, 0.115478203, 0.0749894157, 0.0486967526, 0.0316227786, 0.0205352493, 0.0133352149, 0.00865964312, 0.00515479548, 0.0030431177, 0.00177853031, 0.00102661783, 0.000583333371, 0.000324690831, 0.000175706897, 9.12806499e-05, 4.44569851e-05, 2.88695519e-05, 1.87473561e-05, 1.21741887e-05, 7.90569356e-06, 5.13381246e-06, 3.33380399e-06, 2.16491071e-06, 1.40585337e-06, 9.12935377e-07, 5.92843435e-07, 3.84981632e-07]

    private func assertClose(_ got: [Float], _ want: [Float], _ what: String, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, what, line: line)
        for (j, (g, w)) in zip(got, want).enumerated() {
            XCTAssertEqual(g, w, accuracy: w * 2e-6, "\(what) pair \(j)", line: line)
        }
    }

    func testInverseFrequenciesMatchTransformers() {
        assertClose(RopeScaling.linear(factor: 4).inverseFrequencies(headDim: 64, theta: 10000), Self.linear, "linear")
        // Llama 3.1/3.2's values: factor 8, low 1, high 4, original context 8192, theta 500000.
        assertClose(RopeScaling.llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContext: 8192)
                        .inverseFrequencies(headDim: 64, theta: 500_000), Self.llama3, "llama3")
        // Qwen2.5's long-context recipe: factor 4 over 32768, theta 1e6.
        let yarn = RopeScaling.yarn(factor: 4, originalContext: 32768, betaFast: 32, betaSlow: 1, attentionFactor: nil)
        assertClose(yarn.inverseFrequencies(headDim: 64, theta: 1e6), Self.yarn, "yarn")
        XCTAssertEqual(yarn.attentionFactor, 1.138629436, accuracy: 1e-6, "0.1 ln(4) + 1")
        XCTAssertEqual(RopeScaling.yarn(factor: 4, originalContext: 32768, betaFast: 32, betaSlow: 1, attentionFactor: 1.5).attentionFactor, 1.5)
        XCTAssertEqual(RopeScaling.llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContext: 8192).attentionFactor, 1)
        // Plain RoPE is the unscaled base, and llama.cpp's divisors divide it.
        let plain = RopeScaling.none.inverseFrequencies(headDim: 64, theta: 10000)
        assertClose(plain, Self.linear.map { $0 * 4 }, "none")
        let divisors = (0..<32).map { Float(1 + $0 % 3) }
        assertClose(RopeScaling.frequencyDivisors(divisors).inverseFrequencies(headDim: 64, theta: 10000),
                    zip(plain, divisors).map { $0 / $1 }, "divisors")
    }

    func testConfigJSONScaling() throws {
        func config(_ extra: [String: Any]) throws -> ModelConfig {
            var j: [String: Any] = [
                "architectures": ["LlamaForCausalLM"], "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 2,
                "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 32, "rope_theta": 500_000.0,
                "max_position_embeddings": 131072,
            ]
            for (k, v) in extra { j[k] = v }
            return try HuggingFaceConfig(json: j, path: "config.json").model
        }
        XCTAssertEqual(try config([:]).ropeScaling, .none)
        XCTAssertEqual(try config(["rope_scaling": ["rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                    "high_freq_factor": 4.0, "original_max_position_embeddings": 8192]]).ropeScaling,
                       .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContext: 8192))
        XCTAssertEqual(try config(["rope_scaling": ["type": "linear", "factor": 2]]).ropeScaling, .linear(factor: 2))
        // transformers' newest layout: rope_parameters; yarn's original context defaults to the config's.
        let yarn = try config(["rope_parameters": ["rope_theta": 1e6, "rope_type": "yarn", "factor": 4.0]])
        XCTAssertEqual(yarn.ropeScaling, .yarn(factor: 4, originalContext: 131072, betaFast: 32, betaSlow: 1, attentionFactor: nil))
        XCTAssertEqual(yarn.ropeTheta, 1e6)
        let refused: [([String: Any], String)] = [
            (["rope_scaling": ["rope_type": "dynamic", "factor": 2.0]], "RoPE scaling type dynamic is not supported"),
            (["rope_scaling": ["rope_type": "yarn"]], "rope_scaling yarn needs a positive factor"),
            (["rope_scaling": ["rope_type": "yarn", "factor": 4.0, "mscale": 0.7, "mscale_all_dim": 0.7]], "mscale"),
            (["rope_scaling": ["rope_type": "llama3", "factor": 8.0, "low_freq_factor": 4.0, "high_freq_factor": 1.0]], "must exceed"),
        ]
        for (extra, message) in refused {
            XCTAssertThrowsError(try config(extra)) { XCTAssertTrue("\($0)".contains(message), "\($0)") }
        }
    }

    func testGGUFScaling() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rope-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func scaling(_ metadata: [(String, TestGGUFWriter.Value)], freqs: [Float]? = nil) throws -> RopeScaling {
            var w = TestGGUFWriter()
            w.metadata = [("general.architecture", .string("llama"))] + metadata
            if let freqs {
                w.tensors = [("rope_freqs.weight", .f32, [freqs.count], freqs.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } })]
            }
            let url = directory.appendingPathComponent("\(UUID().uuidString).gguf")
            try w.write(to: url)
            return try GGUFModel.ropeScaling(GGUFFile(path: url.path), name: "llama", headDim: 8)
        }
        XCTAssertEqual(try scaling([]), .none)
        XCTAssertEqual(try scaling([("llama.rope.scaling.type", .string("linear")), ("llama.rope.scaling.factor", .f32(4))]), .linear(factor: 4))
        XCTAssertEqual(try scaling([("llama.rope.scaling.type", .string("yarn")), ("llama.rope.scaling.factor", .f32(4)),
                                    ("llama.rope.scaling.original_context_length", .u32(32768))]),
                       .yarn(factor: 4, originalContext: 32768, betaFast: 32, betaSlow: 1, attentionFactor: nil))
        XCTAssertEqual(try scaling([], freqs: [1, 1, 2, 8]), .frequencyDivisors([1, 1, 2, 8]))
        XCTAssertThrowsError(try scaling([], freqs: [1, 2])) { XCTAssertTrue("\($0)".contains("rope_freqs.weight must be 4 float32 values"), "\($0)") }
        XCTAssertThrowsError(try scaling([("llama.rope.scaling.type", .string("longrope"))])) {
            XCTAssertTrue("\($0)".contains("RoPE scaling \"longrope\" is not supported"), "\($0)")
        }
    }
}
