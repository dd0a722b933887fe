import Foundation

/// Ages as kubectl prints them (apimachinery's duration.HumanDuration): precise when recent,
/// coarser as they grow, so an AGE column stays narrow and reads the same as kubectl's.
public enum HumanDuration {
    public static func format(_ interval: TimeInterval) -> String {
        if interval < -1 { return "<invalid>" }
        if interval < 0 { return "0s" }
        let seconds = Int(interval)
        let minutes = seconds / 60
        let hours = minutes / 60
        let days = hours / 24
        if seconds < 120 { return "\(seconds)s" }
        if minutes < 10 {
            let s = seconds % 60
            return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s"
        }
        if minutes < 180 { return "\(minutes)m" }
        if hours < 8 {
            let m = minutes % 60
            return m == 0 ? "\(hours)h" : "\(hours)h\(m)m"
        }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 {
            let h = hours % 24
            return h == 0 ? "\(days)d" : "\(days)d\(h)h"
        }
        if hours < 24 * 365 * 2 { return "\(days)d" }
        if hours < 24 * 365 * 8 {
            let d = days % 365
            return d == 0 ? "\(days / 365)y" : "\(days / 365)y\(d)d"
        }
        return "\(days / 365)y"
    }

    /// The age of an object created at `timestamp` (RFC 3339), or "<unknown>" when it has none.
    public static func age(of timestamp: String?, now: Date = Date()) -> String {
        guard let timestamp, let created = KubeTime.date(from: timestamp) else { return "<unknown>" }
        return format(now.timeIntervalSince(created))
    }
}
