/// A unified diff of two texts by lines (longest common subsequence), as `diff -u` prints it:
/// `kvdeck deploy`'s preview of each object and the console's diff of two revisions' pod templates.
/// Manifests and templates are a few hundred lines, so the quadratic table is small.
public enum LineDiff {
    public static func unified(_ old: String, _ new: String, oldName: String, newName: String, context: Int = 3) -> String {
        let a = lines(old), b = lines(new)
        let ops = script(a, b)
        guard ops.contains(where: { $0.kind != .same }) else { return "" }
        var out = "--- \(oldName)\n+++ \(newName)\n"
        // Group changes with their context into hunks.
        var index = 0
        while index < ops.count {
            guard let firstChange = ops[index...].firstIndex(where: { $0.kind != .same }) else { break }
            let start = max(index, firstChange - context)
            var end = firstChange
            var sameRun = 0
            var cursor = firstChange
            while cursor < ops.count {
                if ops[cursor].kind == .same {
                    sameRun += 1
                    if sameRun > 2 * context { break }
                } else {
                    sameRun = 0
                    end = cursor
                }
                cursor += 1
            }
            let stop = min(ops.count, end + context + 1)
            let hunk = ops[start..<stop]
            let oldStart = (hunk.first?.oldLine ?? 0) + 1, newStart = (hunk.first?.newLine ?? 0) + 1
            let oldCount = hunk.filter { $0.kind != .added }.count, newCount = hunk.filter { $0.kind != .removed }.count
            out += "@@ -\(oldCount == 0 ? oldStart - 1 : oldStart),\(oldCount) +\(newCount == 0 ? newStart - 1 : newStart),\(newCount) @@\n"
            for op in hunk {
                switch op.kind {
                case .same: out += " " + op.text + "\n"
                case .removed: out += "-" + op.text + "\n"
                case .added: out += "+" + op.text + "\n"
                }
            }
            index = stop
        }
        return out
    }

    struct Op {
        enum Kind { case same, removed, added }
        var kind: Kind
        var text: String
        /// Lines of each side before this one.
        var oldLine: Int
        var newLine: Int
    }

    static func script(_ a: [Substring], _ b: [Substring]) -> [Op] {
        let n = a.count, m = b.count
        // lcs[i][j]: the longest common subsequence of a[i...] and b[j...].
        var lcs = [[Int32]](repeating: [Int32](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var ops: [Op] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, a[i] == b[j] {
                ops.append(Op(kind: .same, text: String(a[i]), oldLine: i, newLine: j))
                i += 1; j += 1
            } else if i < n, j == m || lcs[i + 1][j] >= lcs[i][j + 1] {
                // Removals before additions, as diff -u prints a changed line.
                ops.append(Op(kind: .removed, text: String(a[i]), oldLine: i, newLine: j))
                i += 1
            } else {
                ops.append(Op(kind: .added, text: String(b[j]), oldLine: i, newLine: j))
                j += 1
            }
        }
        return ops
    }

    private static func lines(_ text: String) -> [Substring] {
        text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0).map { $0 }
    }
}
