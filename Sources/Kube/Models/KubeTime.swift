import Foundation

/// Parsing of the RFC 3339 timestamps Kubernetes sends: metav1.Time ("2026-11-21T10:20:11Z") and
/// metav1.MicroTime ("2026-11-21T10:20:11.832758Z"), and offsets other than Z from other producers.
///
/// Hand-written rather than a DateFormatter because formatters are neither cheap to create nor
/// Sendable, and event lists parse thousands of these.
public enum KubeTime {
    /// The instant `text` names, or nil when it is not an RFC 3339 date-time.
    public static func date(from text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 20,
              let year = number(b, 0, 4), b[4] == UInt8(ascii: "-"),
              let month = number(b, 5, 2), b[7] == UInt8(ascii: "-"),
              let day = number(b, 8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = number(b, 11, 2), b[13] == UInt8(ascii: ":"),
              let minute = number(b, 14, 2), b[16] == UInt8(ascii: ":"),
              let second = number(b, 17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }

        var i = 19
        var fraction = 0.0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, let digit = digitValue(b[i]) {
                fraction += Double(digit) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offsetSeconds = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == b.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 == b.count, let oh = number(b, i + 1, 2), b[i + 3] == UInt8(ascii: ":"),
                  let om = number(b, i + 4, 2) else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func number(_ b: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= b.count else { return nil }
        var value = 0
        for i in start..<(start + count) {
            guard let digit = digitValue(b[i]) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    /// Days from 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's days_from_civil).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
