/// How text is cut into words before BPE runs on each word separately. Each known pattern is a
/// hand-written scanner that gives exactly the matches of the regex it names (Swift Regex and
/// NSRegularExpression are far too slow for long prompts), run in the order of `steps`, each
/// step re-splitting the pieces of the one before, as Hugging Face's `Sequence` and llama.cpp's
/// list of `regex_exprs` do.
public struct PreTokenizer: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        /// HF `Digits`: every `\p{N}` alone (`individually`), or runs of them, as their own pieces.
        case isolateDigits(individually: Bool)
        /// A `Split` with behaviour `Isolated` (or a ByteLevel regex) by one of the known patterns.
        case pattern(SplitPattern)
    }

    public enum SplitPattern: String, Sendable, Equatable, CaseIterable {
        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
        case gpt2
        /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
        case qwen2
        /// As `qwen2` with `\p{N}{1,3}`.
        case llama3

        /// The regex source as it appears in tokenizer.json files, to recognise a `Split` step.
        public var regex: String {
            switch self {
            case .gpt2:
                return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
            case .qwen2:
                return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
            case .llama3:
                return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
            }
        }
    }

    public var steps: [Step]
    /// HF ByteLevel `add_prefix_space`: a space before text that does not start with one.
    public var addPrefixSpace: Bool

    public init(steps: [Step], addPrefixSpace: Bool = false) {
        self.steps = steps
        self.addPrefixSpace = addPrefixSpace
    }

    public static let gpt2 = PreTokenizer(steps: [.pattern(.gpt2)])
    /// SmolLM2 (and StarCoder): digits one by one, then GPT-2's pattern. llama.cpp's `smollm`
    /// regex list and the HF tokenizer.json (`Digits(individual_digits)` + `ByteLevel`) agree.
    public static let smollm = PreTokenizer(steps: [.isolateDigits(individually: true), .pattern(.gpt2)])
    public static let qwen2 = PreTokenizer(steps: [.pattern(.qwen2)])
    public static let llama3 = PreTokenizer(steps: [.pattern(.llama3)])

    /// The pre-tokenizer for a GGUF `tokenizer.ggml.pre` name (llama.cpp's names), nil if unknown.
    public static func named(ggufPre name: String) -> PreTokenizer? {
        switch name {
        case "default", "gpt2", "gpt-2", "mpt", "olmo", "jais": return .gpt2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone": return .smollm
        case "qwen2", "stablelm2", "deepseek-r1-qwen": return .qwen2
        case "llama-bpe", "llama3", "llama-v3", "falcon3", "dbrx", "smaug-bpe", "pixtral": return .llama3
        default: return nil
        }
    }

    /// The words of `text` (after any prefix space, before byte mapping), for tests and tools.
    public func pieces(of text: String) -> [String] {
        let t = addPrefixSpace && !text.hasPrefix(" ") ? " " + text : text
        let scalars = Array(t.unicodeScalars)
        return split(scalars, classes: scalars.map(ScalarClass.init)).map { r in
            var v = String.UnicodeScalarView()
            v.append(contentsOf: scalars[r])
            return String(v)
        }
    }

    /// The pieces of `s` as index ranges into it, in order, covering all of it.
    func split(_ s: [Unicode.Scalar], classes: [ScalarClass]) -> [Range<Int>] {
        var pieces = [0..<s.count]
        if s.isEmpty { return [] }
        for step in steps {
            var next: [Range<Int>] = []
            next.reserveCapacity(pieces.count * 2)
            for piece in pieces {
                switch step {
                case .isolateDigits(let individually):
                    Self.isolateDigits(piece, classes: classes, individually: individually, into: &next)
                case .pattern(let p):
                    var i = piece.lowerBound
                    while i < piece.upperBound {
                        let end = Self.match(p, s, classes, at: i, end: piece.upperBound)
                        next.append(i..<end)
                        i = end
                    }
                }
            }
            pieces = next
        }
        return pieces
    }

    private static func isolateDigits(_ r: Range<Int>, classes: [ScalarClass], individually: Bool,
                                      into out: inout [Range<Int>]) {
        var start = r.lowerBound
        var i = r.lowerBound
        while i < r.upperBound {
            guard classes[i] == .number else { i += 1; continue }
            if start < i { out.append(start..<i) }
            var j = i + 1
            if !individually { while j < r.upperBound, classes[j] == .number { j += 1 } }
            out.append(i..<j)
            i = j
            start = j
        }
        if start < r.upperBound { out.append(start..<r.upperBound) }
    }

    /// The end of the regex's leftmost match starting at `i` (the patterns match every position,
    /// so the result is always past `i`). `end` bounds the piece: lookahead sees it as the text's end.
    static func match(_ p: SplitPattern, _ s: [Unicode.Scalar], _ c: [ScalarClass], at i: Int, end: Int) -> Int {
        let caseInsensitive = p != .gpt2
        if let e = contraction(s, at: i, end: end, caseInsensitive: caseInsensitive) { return e }

        func run(from j: Int, _ cls: ScalarClass, max: Int = .max) -> Int {
            var k = j
            while k < end, c[k] == cls, k - j < max { k += 1 }
            return k
        }
        func isCRLF(_ k: Int) -> Bool { s[k] == "\r" || s[k] == "\n" }

        switch p {
        case .gpt2:
            // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: at most one of them can match.
            let start = s[i] == " " && i + 1 < end ? i + 1 : i
            switch c[start] {
            case .letter, .number, .other: return run(from: start, c[start])
            case .whitespace: break
            }
        case .qwen2, .llama3:
            // `[^\r\n\p{L}\p{N}]?\p{L}+`
            if c[i] == .letter { return run(from: i, .letter) }
            if c[i] != .number, !isCRLF(i), i + 1 < end, c[i + 1] == .letter { return run(from: i + 1, .letter) }
            // `\p{N}` or `\p{N}{1,3}`
            if c[i] == .number { return run(from: i, .number, max: p == .llama3 ? 3 : 1) }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            let start = s[i] == " " && i + 1 < end ? i + 1 : i
            if c[start] == .other {
                var k = run(from: start, .other)
                while k < end, isCRLF(k) { k += 1 }
                return k
            }
            // `\s*[\r\n]+`: through the last CR or LF of the whitespace run.
            if c[i] == .whitespace {
                let k = run(from: i, .whitespace)
                var m = k - 1
                while m >= i, !isCRLF(m) { m -= 1 }
                if m >= i { return m + 1 }
            }
        }
        // `\s+(?!\S)|\s+`: a whitespace run leaves its last character to the word after it.
        guard c[i] == .whitespace else { return i + 1 }
        let k = run(from: i, .whitespace)
        if k == end || k - i == 1 { return k }
        return k - 1
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d` (ASCII case folded when asked).
    private static func contraction(_ s: [Unicode.Scalar], at i: Int, end: Int, caseInsensitive: Bool) -> Int? {
        guard s[i] == "'", i + 1 < end else { return nil }
        func letter(_ k: Int) -> UInt32? {
            guard k < end else { return nil }
            let v = s[k].value
            if caseInsensitive, (0x41...0x5A).contains(v) { return v + 0x20 }
            return v
        }
        let a = letter(i + 1)
        switch a {
        case UInt32(ascii: "s"), UInt32(ascii: "t"), UInt32(ascii: "m"), UInt32(ascii: "d"): return i + 2
        default: break
        }
        let b = letter(i + 2)
        switch (a, b) {
        case (UInt32(ascii: "r"), UInt32(ascii: "e")), (UInt32(ascii: "v"), UInt32(ascii: "e")),
             (UInt32(ascii: "l"), UInt32(ascii: "l")):
            return i + 3
        default: return nil
        }
    }
}

private extension UInt32 {
    init(ascii: Unicode.Scalar) { self = ascii.value }
}
