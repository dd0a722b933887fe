@testable import Engine

/// A byte-level tokenizer for tests: token ids 0...255 are bytes, ids from 256 are special
/// (no text). The decoder releases only whole UTF-8 characters, like the real one.
struct ToyByteDetokenizer: Detokenizing {
    var eosTokenIDs: Set<TokenID>

    init(eos: Set<TokenID> = [256]) { eosTokenIDs = eos }

    func encodePrompt(_ text: String) throws -> [TokenID] { text.utf8.map { TokenID($0) } }

    func makeIncrementalDecoder() -> any IncrementalTextDecoding { Decoder() }

    struct Decoder: IncrementalTextDecoding {
        private var pending: [UInt8] = []

        mutating func append(_ id: TokenID) -> String {
            guard (0..<256).contains(id) else { return "" }
            pending.append(UInt8(id))
            // Release every complete character at the front; keep an incomplete tail.
            var end = 0
            var i = 0
            while i < pending.count {
                let lead = pending[i]
                let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
                guard i + length <= pending.count else { break }
                i += length
                end = i
            }
            let out = String(decoding: pending[..<end], as: UTF8.self)
            pending.removeFirst(end)
            return out
        }
    }
}

/// A runner that "generates" a fixed script: after a prompt of `promptLength` tokens, the n-th
/// generated token is `script[n]` (then the last one forever). For text and stop-string tests.
final class ScriptedRunner: ModelRunner, @unchecked Sendable {
    let config: ModelConfig
    let blockSize = 16
    let blockCount = 64
    let script: [TokenID]
    let promptLength: Int

    init(script: [TokenID], promptLength: Int, vocabSize: Int = 257) {
        self.script = script
        self.promptLength = promptLength
        config = ModelConfig(architecture: .llama, vocabSize: vocabSize, hiddenSize: 8, intermediateSize: 8,
                             layerCount: 1, headCount: 1, kvHeadCount: 1, headDim: 8, ropeTheta: 10000,
                             ropeLayout: .halfSplit, rmsNormEps: 1e-6, maxPositions: 1024,
                             tiedEmbeddings: true, attentionBias: false, qkNorm: false)
    }

    func forward(_ batch: ForwardBatch) throws -> Logits {
        var values: [Float] = []
        for s in batch.slices where s.wantsLogits {
            var row = [Float](repeating: 0, count: config.vocabSize)
            let n = s.contextLength - promptLength
            row[Int(script[min(n, script.count - 1)])] = 100
            values += row
        }
        return Logits(rowCount: batch.logitsRowCount, vocabSize: config.vocabSize, values: values)
    }
}
