/// The merge table of a byte-level BPE vocabulary and the merge loop over one word.
///
/// Pairs are keyed by token ids, not strings, so one merge step is one dictionary probe. A word is
/// merged the way Hugging Face's BPE does it: repeatedly the pair with the lowest rank, leftmost
/// first, through a heap over a linked list of symbols, so a long word (a CJK paragraph is one
/// pre-token) costs n·log n rather than n².
struct BPEMerges: Sendable {
    /// (left << 32 | right) → (rank << 32 | merged id).
    private var table: [UInt64: UInt64] = [:]

    var count: Int { table.count }

    init() {}

    /// Adds the merge of rank `rank` (its index in the merge list). A pair listed twice keeps its
    /// first (lowest) rank, as both reference implementations do.
    mutating func add(left: Int, right: Int, merged: Int, rank: Int) {
        let key = UInt64(left) << 32 | UInt64(right)
        if table[key] == nil { table[key] = UInt64(rank) << 32 | UInt64(merged) }
    }

    @inline(__always)
    private func lookup(_ left: Int32, _ right: Int32) -> (rank: Int, merged: Int32)? {
        guard let v = table[UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))] else { return nil }
        return (Int(v >> 32), Int32(truncatingIfNeeded: v & 0xFFFF_FFFF))
    }

    /// Merges the initial symbols of one word into final token ids.
    func merge(_ initial: [Int32]) -> [Int32] {
        let n = initial.count
        if n < 2 { return initial }
        var ids = initial
        var prev = [Int32](unsafeUninitializedCapacity: n) { b, c in for i in 0..<n { b[i] = Int32(i - 1) }; c = n }
        var next = [Int32](unsafeUninitializedCapacity: n) { b, c in for i in 0..<n { b[i] = Int32(i + 1) }; c = n }
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()
        for i in 0..<(n - 1) {
            if let m = lookup(ids[i], ids[i + 1]) { heap.push(UInt64(m.rank) << 32 | UInt64(i)) }
        }
        while let top = heap.pop() {
            let rank = Int(top >> 32)
            let i = Int(top & 0xFFFF_FFFF)
            // Stale entries (a side already merged away or changed) are skipped.
            guard alive[i] else { continue }
            let j = Int(next[i])
            guard j < n, let m = lookup(ids[i], ids[j]), m.rank == rank else { continue }
            ids[i] = m.merged
            alive[j] = false
            let after = Int(next[j])
            next[i] = Int32(after)
            if after < n { prev[after] = Int32(i) }
            let before = Int(prev[i])
            if before >= 0, let p = lookup(ids[before], ids[i]) { heap.push(UInt64(p.rank) << 32 | UInt64(before)) }
            if after < n, let q = lookup(ids[i], ids[after]) { heap.push(UInt64(q.rank) << 32 | UInt64(i)) }
        }
        var out: [Int32] = []
        var i = 0
        while i < n { out.append(ids[i]); i = Int(next[i]) }
        return out
    }
}

/// A binary min-heap of packed (rank, position) keys: the lowest rank first, then the leftmost.
private struct MinHeap {
    private var a: [UInt64] = []

    mutating func push(_ v: UInt64) {
        a.append(v)
        var i = a.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard a[p] > a[i] else { break }
            a.swapAt(p, i)
            i = p
        }
    }

    mutating func pop() -> UInt64? {
        guard let top = a.first else { return nil }
        let last = a.removeLast()
        if !a.isEmpty {
            a[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < a.count, a[l] < a[m] { m = l }
                if r < a.count, a[r] < a[m] { m = r }
                if m == i { break }
                a.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
