import Foundation
import KvdeckTestSupport
import XCTest
@testable import Engine

final class ModelFilesTests: XCTestCase {
    /// Stands in for the GGUF weights conformance (written with the CPU backend).
    private final class StubWeights: ModelWeights {
        let config: ModelConfig
        let source: String
        init(vocab: Int, source: String) {
            config = ModelConfig(architecture: .llama, vocabSize: vocab, hiddenSize: 576, intermediateSize: 1536,
                                 layerCount: 30, headCount: 9, kvHeadCount: 3, headDim: 64, ropeTheta: 100_000,
                                 ropeLayout: .adjacentPairs, rmsNormEps: 1e-5, maxPositions: 8192, tiedEmbeddings: true,
                                 attentionBias: false, qkNorm: false)
            self.source = source
        }
        func tensor(_ name: String) -> WeightTensor? { nil }
    }

    func testGGUFFileGivesItsTokenizerAndChatTemplate() throws {
        let path = TestModel.defaultGGUFPath
        _ = try TestModel.defaultGGUF()
        let files = try ModelFiles.open(path: path) { gguf throws(ModelLoadError) in StubWeights(vocab: 49152, source: gguf.path) }
        XCTAssertEqual(files.format, .gguf)
        XCTAssertEqual(files.config.vocabSize, 49152)
        let template = try files.chatTemplate.get()
        let fixture = try XCTUnwrap(EngineFixture.cases().first { $0.name == "chat_capital" })
        XCTAssertEqual(files.tokenizer.encode(template.render([.user("What is the capital of France?")], addGenerationPrompt: true)),
                       fixture.promptIDs)
        XCTAssertTrue(files.chatTemplateText?.contains("<|im_start|>") ?? false)

        let forced = try ModelFiles.open(path: path, chatTemplate: .llama3) { gguf throws(ModelLoadError) in StubWeights(vocab: 49152, source: gguf.path) }
        XCTAssertEqual(try forced.chatTemplate.get(), .llama3)

        // The weights loader's error comes through unchanged, and a too-small embedding is refused.
        XCTAssertThrowsError(try ModelFiles.open(path: path) { gguf throws(ModelLoadError) in
            throw ModelLoadError(path: gguf.path, "tensor blk.0.attn_q.weight is Q5_K")
        }) { XCTAssertEqual(($0 as? ModelLoadError)?.message, "tensor blk.0.attn_q.weight is Q5_K") }
        XCTAssertThrowsError(try ModelFiles.open(path: path) { gguf throws(ModelLoadError) in StubWeights(vocab: 1000, source: gguf.path) }) {
            XCTAssertEqual(($0 as? ModelLoadError)?.message, "the tokenizer has 49152 tokens but the model's embedding only 1000")
        }
        XCTAssertThrowsError(try ModelFiles.open(path: path + ".absent") { _ throws(ModelLoadError) in StubWeights(vocab: 1, source: "") }) {
            XCTAssertEqual(($0 as? ModelLoadError)?.message, "no such file or directory")
        }
    }

    /// An HF directory: weights, tokenizer.json (the GGUF vocabulary in SmolLM2's layout), and the
    /// tokenizer_config.json / generation_config.json details.
    func testHuggingFaceDirectoryGivesWeightsTokenizerAndTemplate() throws {
        let gguf = try TestModel.defaultGGUF()
        let ck = try TinyCheckpoint(architecture: "LlamaForCausalLM", tied: true, extra: ["vocab_size": 49152, "eos_token_id": 2])
        defer { ck.remove() }
        try ck.writeConfig()
        try ck.writeSafetensors("model.safetensors", tensors: try ck.tensorShapes(includeLMHead: true), dtype: { _ in .bf16 })
        try SmolLMTokenizerJSON.make(from: gguf, mergesAsPairs: true).write(to: URL(fileURLWithPath: ck.path("tokenizer.json")))
        let tokenizerConfig: [String: Any] = [
            "chat_template": try gguf.string("tokenizer.chat_template"),
            "eos_token": "<|im_end|>", "bos_token": "<|im_start|>", "add_bos_token": false,
        ]
        try JSONSerialization.data(withJSONObject: tokenizerConfig).write(to: URL(fileURLWithPath: ck.path("tokenizer_config.json")))
        try JSONSerialization.data(withJSONObject: ["eos_token_id": [2, 5]]).write(to: URL(fileURLWithPath: ck.path("generation_config.json")))

        let files = try ModelFiles.open(path: ck.directory.path) { _ throws(ModelLoadError) in
            throw ModelLoadError(path: "", "a directory must not be read as GGUF")
        }
        XCTAssertEqual(files.format, .huggingFace)
        XCTAssertEqual(files.config.ropeLayout, .halfSplit)
        XCTAssertNotNil(files.weights.tensor("token_embd.weight"))
        XCTAssertNil(files.weights.tensor("output.weight"), "tied: lm_head.weight in the file is not used")
        let tok = files.tokenizer
        XCTAssertEqual(tok.eosTokenID, 2)
        XCTAssertEqual(tok.bosTokenID, 1)
        XCTAssertFalse(tok.addsBOS)
        XCTAssertEqual(tok.endOfGenerationTokenIDs, [0, 2, 5])
        for c in try EngineFixture.cases() { XCTAssertEqual(tok.encode(c.prompt), c.promptIDs, c.name) }
        XCTAssertEqual(try files.chatTemplate.get(),
                       .chatML(defaultSystemPrompt: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))

        // chat_template.jinja, where newer transformers keep the template, wins over the config's.
        try ChatTemplateTexts.llama3.write(toFile: ck.path("chat_template.jinja"), atomically: true, encoding: .utf8)
        let withJinja = try ModelFiles.open(path: ck.directory.path) { _ throws(ModelLoadError) in StubWeights(vocab: 1, source: "") }
        XCTAssertEqual(try withJinja.chatTemplate.get(), .llama3)

        try FileManager.default.removeItem(atPath: ck.path("tokenizer.json"))
        XCTAssertThrowsError(try ModelFiles.open(path: ck.directory.path) { _ throws(ModelLoadError) in StubWeights(vocab: 1, source: "") }) {
            XCTAssertEqual($0 as? ModelLoadError,
                           ModelLoadError(path: ck.path("tokenizer.json"), "missing: kvdeck needs the model's tokenizer.json (byte-level BPE)"))
        }
    }

    func testAnUnrecognisedTemplateStillLoadsTheModel() throws {
        let gguf = try TestModel.defaultGGUF()
        let ck = try TinyCheckpoint(extra: ["vocab_size": 49152])
        defer { ck.remove() }
        try ck.writeConfig()
        try ck.writeSafetensors("model.safetensors", tensors: try ck.tensorShapes(), dtype: { _ in .f16 })
        try SmolLMTokenizerJSON.make(from: gguf, mergesAsPairs: false).write(to: URL(fileURLWithPath: ck.path("tokenizer.json")))
        try "{{ messages[0]['content'] }}".write(toFile: ck.path("chat_template.jinja"), atomically: true, encoding: .utf8)
        let files = try ModelFiles.open(path: ck.directory.path) { _ throws(ModelLoadError) in StubWeights(vocab: 1, source: "") }
        XCTAssertThrowsError(try files.chatTemplate.get()) { error in
            XCTAssertEqual(error as? ChatTemplateError, .unrecognised(templateStart: "{{ messages[0]['content'] }}"))
        }
    }
}
