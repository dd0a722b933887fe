import Foundation

/// Why one line was skipped.
struct LineError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The byte-level reader behind `Exposition(parsing:)`: one pass over UTF-8 bytes, line by line.
/// Every read is bounds-checked against the line's end, so no input can make it read past the buffer.
struct ExpositionParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let requestedFormat: ExpositionFormat
    private var result = Exposition()
    private var table = ByteStringTable()
    private var lineNumber = 0
    private var sawUnit = false
    private var labelScratch: [Label] = []

    /// What a series name resolves to; cached per name because most names repeat on many lines.
    private struct SeriesInfo {
        let family: Int
        let requiredLabel: String?  // "le" for histogram buckets, "quantile" for summary quantiles
    }
    private var seriesInfo: [String: SeriesInfo] = [:]
    private var lastName: (start: Int, count: Int, name: String, info: SeriesInfo)?

    init(bytes: UnsafeRawBufferPointer, format: ExpositionFormat) {
        self.bytes = bytes.assumingMemoryBound(to: UInt8.self)
        self.requestedFormat = format
        labelScratch.reserveCapacity(16)
    }

    mutating func run() -> Exposition {
        let end = bytes.count
        var position = 0
        while position < end {
            lineNumber += 1
            var lineEnd = end
            if let base = bytes.baseAddress,
               let found = memchr(base + position, Int32(UInt8(ascii: "\n")), end - position) {
                lineEnd = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            }
            var contentEnd = lineEnd
            if contentEnd > position && bytes[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
            do {
                try parseLine(position, contentEnd)
            } catch {
                result.issues.append(ExpositionIssue(line: lineNumber, kind: .badLine, reason: error.reason))
            }
            position = lineEnd + 1
        }
        finish()
        return result
    }

    private mutating func finish() {
        result.lineCount = lineNumber
        switch requestedFormat {
        case .automatic: result.format = (result.sawEOF || sawUnit) ? .openMetrics : .prometheusText
        default: result.format = requestedFormat
        }
        if result.format == .openMetrics && !result.sawEOF {
            result.issues.append(ExpositionIssue(line: max(lineNumber, 1), kind: .warning,
                                                 reason: "OpenMetrics text ends without # EOF (truncated?)"))
        }
        if result.format == .prometheusText {
            // Text format 0.0.4 timestamps are milliseconds; keep one unit (seconds) in the model.
            for familyIndex in result.families.indices {
                for sampleIndex in result.families[familyIndex].samples.indices
                where result.families[familyIndex].samples[sampleIndex].timestamp != nil {
                    result.families[familyIndex].samples[sampleIndex].timestamp! /= 1000
                }
            }
        }
    }

    // MARK: lines

    private mutating func parseLine(_ start: Int, _ end: Int) throws(LineError) {
        var index = start
        skipBlanks(&index, end)
        if index == end { return }  // blank line (OpenMetrics forbids them; nothing is lost by allowing)
        if result.sawEOF { throw LineError("text after # EOF") }
        if bytes[index] == UInt8(ascii: "#") {
            try parseComment(index + 1, end)
        } else {
            try parseSample(index, end)
        }
    }

    private mutating func parseComment(_ start: Int, _ end: Int) throws(LineError) {
        var index = start
        skipBlanks(&index, end)
        let keywordStart = index
        while index < end && !isBlank(bytes[index]) { index += 1 }
        let keyword = slice(keywordStart, index)
        let isHelp = equals(keyword, "HELP"), isType = equals(keyword, "TYPE"), isUnit = equals(keyword, "UNIT")
        if equals(keyword, "EOF") {
            skipBlanks(&index, end)
            if index == end { result.sawEOF = true }
            return
        }
        guard isHelp || isType || isUnit else { return }  // an ordinary comment
        let what = isHelp ? "HELP" : (isType ? "TYPE" : "UNIT")
        skipBlanks(&index, end)
        guard index < end else { throw LineError("# \(what) without a metric name") }
        let name: String
        if bytes[index] == UInt8(ascii: "\"") {
            name = try quotedString(&index, end)
        } else {
            let nameStart = index
            while index < end && isNameChar(bytes[index]) { index += 1 }
            guard index > nameStart, isNameStart(bytes[nameStart]) else {
                throw LineError("# \(what) without a valid metric name")
            }
            name = table.string(slice(nameStart, index))
        }
        if index < end && !isBlank(bytes[index]) { throw LineError("invalid character in metric name after '\(name)'") }
        skipBlanks(&index, end)
        lastName = nil  // a declaration can change which family a series name belongs to
        seriesInfo.removeAll(keepingCapacity: true)

        if isType {
            let typeStart = index
            while index < end && !isBlank(bytes[index]) { index += 1 }
            let typeText = String(decoding: slice(typeStart, index), as: UTF8.self)
            skipBlanks(&index, end)
            guard index == end else { throw LineError("unexpected text after the type of \(name)") }
            guard let type = MetricType(declared: typeText) else {
                throw LineError(typeText.isEmpty ? "# TYPE \(name) without a type" : "unknown metric type '\(typeText)' for \(name)")
            }
            let familyIndex = declaredFamily(name)
            let family = result.families[familyIndex]
            if family.typeDeclared {
                if family.type != type {
                    throw LineError("conflicting TYPE for \(name): already \(family.type.rawValue), now \(type.rawValue)")
                }
                warn("repeated TYPE for \(name)")
            } else if !family.samples.isEmpty {
                warn("TYPE for \(name) after its samples")
            }
            result.families[familyIndex].type = type
            result.families[familyIndex].typeDeclared = true
        } else {
            let text = unescaped(slice(index, end))
            let familyIndex = declaredFamily(name)
            if isHelp {
                if result.families[familyIndex].help != nil { warn("repeated HELP for \(name)") }
                result.families[familyIndex].help = text
            } else {
                sawUnit = true
                result.families[familyIndex].unit = text
            }
        }
    }

    private mutating func parseSample(_ start: Int, _ end: Int) throws(LineError) {
        var index = start
        var nameRange: (Int, Int)?
        if isNameStart(bytes[index]) {
            let nameStart = index
            index += 1
            while index < end && isNameChar(bytes[index]) { index += 1 }
            nameRange = (nameStart, index)
            if index < end && !isBlank(bytes[index]) && bytes[index] != UInt8(ascii: "{") {
                throw LineError("invalid character '\(printable(bytes[index]))' in metric name")
            }
            skipBlanks(&index, end)
        } else if bytes[index] != UInt8(ascii: "{") {
            throw LineError("expected a metric name, found '\(printable(bytes[index]))'")
        }

        labelScratch.removeAll(keepingCapacity: true)
        var quotedName: String?
        if index < end && bytes[index] == UInt8(ascii: "{") {
            index += 1
            try parseLabels(&index, end, allowQuotedName: nameRange == nil, quotedName: &quotedName)
            skipBlanks(&index, end)
        }

        let valueStart = index
        while index < end && !isBlank(bytes[index]) { index += 1 }
        guard index > valueStart else { throw LineError("missing value") }
        guard let value = NumberParsing.parseDouble(slice(valueStart, index)) else {
            throw LineError("invalid value '\(String(decoding: slice(valueStart, index), as: UTF8.self))'")
        }
        skipBlanks(&index, end)

        var timestamp: Double?
        var exemplar: Exemplar?
        if index < end && bytes[index] != UInt8(ascii: "#") {
            let timestampStart = index
            while index < end && !isBlank(bytes[index]) { index += 1 }
            guard let parsed = NumberParsing.parseDouble(slice(timestampStart, index)), parsed.isFinite else {
                throw LineError("invalid timestamp '\(String(decoding: slice(timestampStart, index), as: UTF8.self))'")
            }
            timestamp = parsed
            skipBlanks(&index, end)
        }
        if index < end {
            guard bytes[index] == UInt8(ascii: "#") else { throw LineError("unexpected text after the timestamp") }
            exemplar = try parseExemplar(index + 1, end)
        }

        // Resolve the series name to its family (cached: consecutive lines nearly always share it).
        let name: String
        let info: SeriesInfo
        if let (nameStart, nameEnd) = nameRange {
            let count = nameEnd - nameStart
            if let last = lastName, last.count == count,
               last.start == nameStart || sameBytes(last.start, nameStart, count) {
                name = last.name
                info = last.info
            } else {
                name = table.string(slice(nameStart, nameEnd))
                info = resolve(name)
                lastName = (nameStart, count, name, info)
            }
        } else if let quotedName {
            name = quotedName
            info = resolve(name)
        } else {
            throw LineError("expected a metric name")
        }

        if let required = info.requiredLabel {
            var bound: Double?
            for label in labelScratch where label.name == required {
                var text = label.value
                bound = text.withUTF8 { NumberParsing.parseDouble($0) }
            }
            guard let bound, !bound.isNaN else {
                throw LineError("\(name) needs a numeric \(required) label")
            }
        }

        let sample = Sample(name: name, labels: Array(labelScratch), value: value, timestamp: timestamp,
                            exemplar: exemplar, line: lineNumber)
        result.families[info.family].samples.append(sample)
    }

    /// Reads `name="value", ...}` after the opening brace, into `labelScratch`.
    private mutating func parseLabels(_ index: inout Int, _ end: Int, allowQuotedName: Bool,
                                      quotedName: inout String?) throws(LineError) {
        while true {
            skipBlanks(&index, end)
            guard index < end else { throw LineError("unterminated label set (missing '}')") }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return }
            let labelName: String
            if bytes[index] == UInt8(ascii: "\"") {
                let quoted = try quotedString(&index, end)
                skipBlanks(&index, end)
                if index < end && bytes[index] == UInt8(ascii: "=") {
                    labelName = quoted
                } else if allowQuotedName && quotedName == nil && labelScratch.isEmpty {
                    quotedName = quoted  // OpenMetrics 2 / Prometheus 3: {"metric.name", a="b"}
                    try separator(&index, end, after: quoted)
                    if index > 0 && bytes[index - 1] == UInt8(ascii: "}") { return }
                    continue
                } else {
                    throw LineError("expected '=' after label name \"\(quoted)\"")
                }
            } else {
                let nameStart = index
                guard isLabelNameStart(bytes[index]) else {
                    throw LineError("invalid label name starting with '\(printable(bytes[index]))'")
                }
                index += 1
                while index < end && isLabelNameChar(bytes[index]) { index += 1 }
                labelName = table.string(slice(nameStart, index))
                skipBlanks(&index, end)
            }
            guard index < end && bytes[index] == UInt8(ascii: "=") else {
                throw LineError("expected '=' after label name \(labelName)")
            }
            index += 1
            skipBlanks(&index, end)
            guard index < end && bytes[index] == UInt8(ascii: "\"") else {
                throw LineError("value of label \(labelName) is not quoted")
            }
            let value = try quotedString(&index, end)
            for existing in labelScratch where existing.name == labelName {
                throw LineError("duplicate label \(labelName)")
            }
            labelScratch.append(Label(labelName, value))
            try separator(&index, end, after: labelName)
            if bytes[index - 1] == UInt8(ascii: "}") { return }
        }
    }

    /// After a label: `,` (then maybe `}`) or `}`. Leaves `index` past what it consumed.
    private func separator(_ index: inout Int, _ end: Int, after what: String) throws(LineError) {
        skipBlanks(&index, end)
        guard index < end else { throw LineError("unterminated label set (missing '}')") }
        if bytes[index] == UInt8(ascii: ",") {
            index += 1
            skipBlanks(&index, end)
            if index < end && bytes[index] == UInt8(ascii: "}") { index += 1 }  // trailing comma
            return
        }
        if bytes[index] == UInt8(ascii: "}") { index += 1; return }
        throw LineError("expected ',' or '}' after \(what)")
    }

    /// ` {labels} value [timestamp]` after the `#` that starts an exemplar.
    private mutating func parseExemplar(_ start: Int, _ end: Int) throws(LineError) -> Exemplar {
        var index = start
        skipBlanks(&index, end)
        guard index < end && bytes[index] == UInt8(ascii: "{") else {
            throw LineError("exemplar must start with a label set")
        }
        index += 1
        // The exemplar's labels go through the same scratch buffer; the sample's were saved first.
        let sampleLabels = labelScratch
        labelScratch.removeAll(keepingCapacity: true)
        var ignored: String?
        defer { labelScratch = sampleLabels }
        do {
            try parseLabels(&index, end, allowQuotedName: false, quotedName: &ignored)
        } catch {
            throw LineError("exemplar: \(error.reason)")
        }
        let labels = Array(labelScratch)
        skipBlanks(&index, end)
        let valueStart = index
        while index < end && !isBlank(bytes[index]) { index += 1 }
        guard index > valueStart, let value = NumberParsing.parseDouble(slice(valueStart, index)) else {
            throw LineError("exemplar without a valid value")
        }
        skipBlanks(&index, end)
        var timestamp: Double?
        if index < end {
            let timestampStart = index
            while index < end && !isBlank(bytes[index]) { index += 1 }
            guard let parsed = NumberParsing.parseDouble(slice(timestampStart, index)), parsed.isFinite else {
                throw LineError("exemplar with an invalid timestamp")
            }
            timestamp = parsed
            skipBlanks(&index, end)
            guard index == end else { throw LineError("unexpected text after the exemplar") }
        }
        return Exemplar(labels: labels, value: value, timestamp: timestamp)
    }

    // MARK: families

    private mutating func declaredFamily(_ name: String) -> Int {
        if let existing = result.familyIndexByName[name] { return existing }
        result.families.append(MetricFamily(name: name))
        result.familyIndexByName[name] = result.families.count - 1
        return result.families.count - 1
    }

    private mutating func resolve(_ name: String) -> SeriesInfo {
        if let cached = seriesInfo[name] { return cached }
        let family = result.familyIndex(forSeries: name) ?? declaredFamily(name)
        var required: String?
        switch result.families[family].type {
        case .histogram, .gaugehistogram:
            if name.hasSuffix("_bucket") { required = "le" }
        case .summary:
            if name == result.families[family].name { required = "quantile" }
        default: break
        }
        let info = SeriesInfo(family: family, requiredLabel: required)
        seriesInfo[name] = info
        return info
    }

    // MARK: bytes

    @inline(__always) private func slice(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    @inline(__always) private func skipBlanks(_ index: inout Int, _ end: Int) {
        while index < end && isBlank(bytes[index]) { index += 1 }
    }

    private func sameBytes(_ a: Int, _ b: Int, _ count: Int) -> Bool {
        var offset = 0
        while offset < count {
            if bytes[a + offset] != bytes[b + offset] { return false }
            offset += 1
        }
        return true
    }

    private func equals(_ slice: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard slice.count == word.utf8CodeUnitCount else { return false }
        let wordBytes = word.utf8Start
        for offset in 0..<slice.count where slice[offset] != wordBytes[offset] { return false }
        return true
    }

    /// A `"..."` string at `index` (which points at the opening quote); leaves `index` past the closing one.
    private mutating func quotedString(_ index: inout Int, _ end: Int) throws(LineError) -> String {
        index += 1
        let start = index
        var hasEscape = false
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") { hasEscape = true; index += 2; continue }
            if byte == UInt8(ascii: "\"") { break }
            index += 1
        }
        guard index < end else { throw LineError("unterminated quoted string") }
        let content = slice(start, index)
        index += 1
        return hasEscape ? unescaped(content) : table.string(content)
    }

    /// `\\` → `\`, `\"` → `"`, `\n` → newline; any other escape is kept as written (as Prometheus does).
    private func unescaped(_ content: UnsafeBufferPointer<UInt8>) -> String {
        guard content.contains(UInt8(ascii: "\\")) else { return String(decoding: content, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        var index = 0
        while index < content.count {
            let byte = content[index]
            if byte == UInt8(ascii: "\\") && index + 1 < content.count {
                let next = content[index + 1]
                switch next {
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                default: out.append(byte); out.append(next)
                }
                index += 2
            } else {
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func warn(_ reason: String) {
        result.issues.append(ExpositionIssue(line: lineNumber, kind: .warning, reason: reason))
    }

    private func printable(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7f ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }
}

@inline(__always) private func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

@inline(__always) private func isNameStart(_ byte: UInt8) -> Bool {
    (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") || byte == UInt8(ascii: "_")
        || byte == UInt8(ascii: ":")
}

@inline(__always) private func isNameChar(_ byte: UInt8) -> Bool {
    isNameStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
}

@inline(__always) private func isLabelNameStart(_ byte: UInt8) -> Bool {
    (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") || byte == UInt8(ascii: "_")
}

@inline(__always) private func isLabelNameChar(_ byte: UInt8) -> Bool {
    isLabelNameStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
}
