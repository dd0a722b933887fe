// Encodes a ~2,000-token prompt with the default model's tokenizer many times and prints the
// median. See README.md beside this file.
//   swift build -c release --scratch-path .build-bench-tokenize --product kvdeck-bench-tokenize
//   .build-bench-tokenize/release/kvdeck-bench-tokenize [GGUF] [RUNS]
import Engine
import Foundation

let arguments = CommandLine.arguments
let path = arguments.count > 1 ? arguments[1] : DefaultModel.path(environment: ProcessInfo.processInfo.environment)
let runs = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 200) : 200

func milliseconds(_ start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }

let loadStart = DispatchTime.now().uptimeNanoseconds
let tokenizer: Tokenizer
do { tokenizer = try Tokenizer(gguf: GGUFFile(path: path)) } catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(2)
}
let loadMs = milliseconds(loadStart)

// Mixed text, as chat prompts are: ChatML markers, English prose, code, numbers, CJK, emoji.
let paragraph = """
<|im_start|>user
The quick brown fox jumps over the lazy dog; it's 3.14159 times faster than yesterday's 2,718 attempts.
func fibonacci(_ n: Int) -> Int { n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2) }  // naïve recursion
東京は日本の首都です。Les élèves étudient la physique quantique. Привет, мир! 🙂👍🏽
<|im_end|>

"""
// Made-up words keep most pre-tokens distinct, so BPE really runs on each (encode caches repeated
// words within one call, which a repeated paragraph alone would turn into a cache benchmark).
func makePrompt(tokens: Int) -> String {
    let syllables = ["ka", "lo", "mi", "tren", "sul", "vor", "qua", "ex", "ith", "bran", "po", "zet", "ül", "ño", "str"]
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ n: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(n))
    }
    var prompt = ""
    while tokenizer.encode(prompt).count < tokens {
        prompt += paragraph
        for _ in 0..<60 {
            let word = (0...next(4)).map { _ in syllables[next(syllables.count)] }.joined()
            prompt += (next(7) == 0 ? word.capitalized : word) + (next(9) == 0 ? ", " : " ")
        }
        prompt += "\(next(100_000)).\n"
    }
    return prompt
}
let prompt = makePrompt(tokens: 2000)
let ids = tokenizer.encode(prompt)
precondition(tokenizer.decode(ids) == prompt, "the benchmark text must round-trip")

var encode: [Double] = [], decode: [Double] = [], stream: [Double] = []
for _ in 0..<runs {
    var t = DispatchTime.now().uptimeNanoseconds
    precondition(tokenizer.encode(prompt).count == ids.count)
    encode.append(milliseconds(t))
    t = DispatchTime.now().uptimeNanoseconds
    precondition(!tokenizer.decode(ids).isEmpty)
    decode.append(milliseconds(t))
    t = DispatchTime.now().uptimeNanoseconds
    var d = tokenizer.incrementalDecoder()
    var n = 0
    for id in ids { n += d.append(id).utf8.count }
    precondition(n > 0)
    stream.append(milliseconds(t))
}
func report(_ name: String, _ times: [Double]) {
    let s = times.sorted()
    let median = s[s.count / 2], p90 = s[min(s.count - 1, s.count * 9 / 10)]
    print(String(format: "%@: median %.3f ms, p90 %.3f ms, min %.3f ms over %d runs (%.0f tokens/ms at the median)",
                 name, median, p90, s[0], s.count, Double(ids.count) / median))
}
print("prompt: \(prompt.utf8.count) bytes, \(ids.count) tokens; tokenizer load \(String(format: "%.0f", loadMs)) ms")
report("encode", encode)
report("decode", decode)
report("incremental decode", stream)
