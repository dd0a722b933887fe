#!/usr/bin/env python3
"""Reference vectors for the engine's tokenizer tests, from Hugging Face `tokenizers`.

Writes Tests/EngineTests/TokenizerReferenceVectors.swift: for each corpus string, the pieces that
HF's own pre-tokenizers give for the GPT-2, Qwen2 and Llama 3 split regexes and for SmolLM2's
Digits+ByteLevel sequence, and the ids of a tokenizer.json built from the default model's GGUF
vocabulary (the same construction the Swift test uses). Needs `pip install tokenizers`; the tests
themselves only read the generated Swift file.

    python3 scripts/engine/make-tokenizer-vectors.py ~/.cache/kvdeck/models/SmolLM2-135M-Instruct.Q4_1.gguf
"""
import json
import struct
import sys

from tokenizers import Regex, Tokenizer, pre_tokenizers

GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
QWEN2 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"

CORPUS = [
    "Hello world",
    " Hello world",
    "Hello   world  ",
    "I'm sure they'll say it's fine, we've done what you'd do",
    "I'M SURE THEY'LL SAY IT'S FINE",
    "''s and 'sa",
    "The year 2024 had 365 days; pi is 3.14159.",
    "1234567890",
    "a\nb\r\nc\n\n\nd \n e\t\tf",
    "   leading and trailing   \n",
    "\t\ttabs\tinside",
    "東京は日本の首都です。北京是中国的首都。",
    "한국어 텍스트와 日本語 mixed with English",
    "emoji: 🙂👍🏽 👨‍👩‍👧 flags 🇫🇷🇩🇪",
    "combining: e\u0301 n\u0303 a\u030a",
    "précomposé café naïve Ωμέγα",
    "Ünïcödé ß ẞ ǅ",
    "x²+y³=z¹ ⅓ ½ ① Ⅻ ٣٤٥ ४५६",
    "<html><body class=\"x\">Hi!</body></html>",
    "def f(x):\n    return x**2  # square\n",
    "!!!??? ... --- ***",
    "$100.00 or €85,50 (approx.)",
    "email@example.com https://example.com/a?b=c&d=e",
    "non\u00a0breaking\u2003em\u3000ideographic",
    "zero\u200bwidth\u200djoiner",
    "Once upon a time, there was a little robot who",
]


def gguf_metadata(path):
    d = open(path, "rb").read(40_000_000)
    p = 4 + 4
    def u(fmt):
        nonlocal p
        v = struct.unpack_from("<" + fmt, d, p)[0]
        p += struct.calcsize(fmt)
        return v
    def s():
        nonlocal p
        n = u("Q"); v = d[p:p + n]; p += n
        return v.decode("utf-8")
    def val(t):
        m = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
        if t in m: return u(m[t])
        if t == 8: return s()
        if t == 9:
            et = u("I"); n = u("Q")
            return [val(et) for _ in range(n)]
        raise ValueError(t)
    u("Q")
    nk = u("Q")
    meta = {}
    for _ in range(nk):
        k = s(); meta[k] = val(u("I"))
    return meta


def smollm_tokenizer_json(meta):
    tokens, types = meta["tokenizer.ggml.tokens"], meta["tokenizer.ggml.token_type"]
    return {
        "version": "1.0",
        "added_tokens": [
            {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for i, (t, ty) in enumerate(zip(tokens, types)) if ty == 3
        ],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        ]},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(tokens)},
                  "merges": meta["tokenizer.ggml.merges"]},
    }


def swift_string(s):
    out = []
    for ch in s:
        c = ord(ch)
        if ch == "\\": out.append("\\\\")
        elif ch == '"': out.append('\\"')
        elif ch == "\n": out.append("\\n")
        elif ch == "\r": out.append("\\r")
        elif ch == "\t": out.append("\\t")
        elif c < 0x20 or c > 0x7E: out.append("\\u{%x}" % c)
        else: out.append(ch)
    return '"' + "".join(out) + '"'


def pieces(pre, text):
    return [p for p, _ in pre.pre_tokenize_str(text)]


def main():
    meta = gguf_metadata(sys.argv[1])
    tok = Tokenizer.from_str(json.dumps(smollm_tokenizer_json(meta)))
    splits = {
        "gpt2": pre_tokenizers.Split(Regex(GPT2), "isolated"),
        "qwen2": pre_tokenizers.Split(Regex(QWEN2), "isolated"),
        "llama3": pre_tokenizers.Split(Regex(LLAMA3), "isolated"),
        "smollm": pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                           pre_tokenizers.Split(Regex(GPT2), "isolated")]),
    }
    lines = [
        "// Generated by scripts/engine/make-tokenizer-vectors.py from Hugging Face tokenizers "
        f"{__import__('tokenizers').__version__}; do not edit.",
        "",
        "/// Reference pre-tokenizer pieces and SmolLM2 ids for `TokenizerReferenceTests`.",
        "enum TokenizerReferenceVectors {",
        "    struct Case {",
        "        let text: String",
        "        let pieces: [String: [String]]",
        "        let smollmIDs: [Int]",
        "    }",
        "",
        "    static let cases: [Case] = [",
    ]
    for text in CORPUS:
        lines.append("        Case(")
        lines.append(f"            text: {swift_string(text)},")
        lines.append("            pieces: [")
        for name, pre in splits.items():
            ps = ", ".join(swift_string(p) for p in pieces(pre, text))
            lines.append(f"                \"{name}\": [{ps}],")
        lines.append("            ],")
        ids = tok.encode(text, add_special_tokens=False).ids
        lines.append(f"            smollmIDs: {ids}),")
    lines += ["    ]", "}", ""]
    open("Tests/EngineTests/TokenizerReferenceVectors.swift", "w").write("\n".join(lines))


if __name__ == "__main__":
    main()
