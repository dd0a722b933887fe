/// A classic Prometheus histogram: cumulative buckets by upper bound (`le`), with `_sum` and `_count`.
/// Bounds come from the data; nothing here assumes a bucket layout.
public struct Histogram: Sendable, Equatable {
    public struct Bucket: Sendable, Equatable {
        public var upperBound: Double
        public var cumulativeCount: Double
        public init(upperBound: Double, cumulativeCount: Double) {
            self.upperBound = upperBound; self.cumulativeCount = cumulativeCount
        }
    }

    /// Sorted by `upperBound`, equal bounds coalesced.
    public private(set) var buckets: [Bucket]
    public var sum: Double?
    public var count: Double?

    public init(buckets: [Bucket], sum: Double? = nil, count: Double? = nil) {
        var sorted = buckets.filter { !$0.upperBound.isNaN }.sorted { $0.upperBound < $1.upperBound }
        var coalesced: [Bucket] = []
        coalesced.reserveCapacity(sorted.count)
        for bucket in sorted {
            if let last = coalesced.last, last.upperBound == bucket.upperBound {
                coalesced[coalesced.count - 1].cumulativeCount += bucket.cumulativeCount
            } else {
                coalesced.append(bucket)
            }
        }
        sorted = coalesced
        self.buckets = sorted
        self.sum = sum
        self.count = count
    }

    /// Observations: `_count`, else the `+Inf` bucket.
    public var observationCount: Double? {
        count ?? buckets.last.flatMap { $0.upperBound == .infinity ? $0.cumulativeCount : nil }
    }

    /// `_sum / _count`; nil with no observations.
    public var mean: Double? {
        guard let sum, let observations = observationCount, observations > 0 else { return nil }
        return sum / observations
    }

    /// The same bucket layout (so that two histograms can be subtracted or added bucket by bucket).
    public func hasSameBounds(as other: Histogram) -> Bool {
        buckets.count == other.buckets.count
            && zip(buckets, other.buckets).allSatisfy { $0.upperBound == $1.upperBound }
    }

    /// The q-quantile as Prometheus's `histogram_quantile` computes it: linear interpolation inside the
    /// bucket that holds rank q·count, the lowest bucket starting at 0 (unless its bound is ≤ 0), and a
    /// rank in the `+Inf` bucket answered with the highest finite bound. NaN without a `+Inf` bucket, with
    /// fewer than two buckets or with no observations; -Inf/+Inf for q < 0 / q > 1.
    public func quantile(_ q: Double) -> Double {
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        guard buckets.count >= 2, let last = buckets.last, last.upperBound == .infinity else { return .nan }
        // Counts that dip because buckets were scraped at slightly different moments are evened out
        // (Prometheus's ensureMonotonic): a cumulative count never falls.
        var counts = buckets.map(\.cumulativeCount)
        for index in 1..<counts.count where counts[index] < counts[index - 1] { counts[index] = counts[index - 1] }
        let observations = counts[counts.count - 1]
        guard observations > 0 else { return .nan }
        var rank = q * observations
        var bucket = counts.count - 1
        for index in 0..<(counts.count - 1) where counts[index] >= rank { bucket = index; break }
        if bucket == counts.count - 1 { return buckets[counts.count - 2].upperBound }
        if bucket == 0 && buckets[0].upperBound <= 0 { return buckets[0].upperBound }
        var start = 0.0
        let end = buckets[bucket].upperBound
        var inBucket = counts[bucket]
        if bucket > 0 {
            start = buckets[bucket - 1].upperBound
            inBucket -= counts[bucket - 1]
            rank -= counts[bucket - 1]
        }
        return start + (end - start) * (rank / inBucket)
    }

    /// What was observed between `earlier` and this one. A counter reset (any bucket, `_count` or `_sum`
    /// going down) or a changed bucket layout means the process restarted: everything here is new.
    public func increase(since earlier: Histogram) -> Histogram {
        guard hasSameBounds(as: earlier) else { return self }
        var reset = zip(buckets, earlier.buckets).contains { $0.cumulativeCount < $1.cumulativeCount }
        if let count, let earlierCount = earlier.count, count < earlierCount { reset = true }
        if let sum, let earlierSum = earlier.sum, sum < earlierSum, (count ?? 0) <= (earlier.count ?? 0) { reset = true }
        if reset { return self }
        var delta = self
        for index in delta.buckets.indices {
            delta.buckets[index].cumulativeCount -= earlier.buckets[index].cumulativeCount
        }
        if let sum, let earlierSum = earlier.sum { delta.sum = sum - earlierSum } else { delta.sum = nil }
        if let count, let earlierCount = earlier.count { delta.count = count - earlierCount } else { delta.count = nil }
        return delta
    }

    /// Bucket-wise sum (for adding engines or windows); nil when the layouts differ.
    public func adding(_ other: Histogram) -> Histogram? {
        guard hasSameBounds(as: other) else { return nil }
        var total = self
        for index in total.buckets.indices { total.buckets[index].cumulativeCount += other.buckets[index].cumulativeCount }
        total.sum = Self.add(sum, other.sum)
        total.count = Self.add(count, other.count)
        return total
    }

    private static func add(_ a: Double?, _ b: Double?) -> Double? {
        switch (a, b) {
        case let (a?, b?): return a + b
        default: return a ?? b
        }
    }
}

/// One histogram series of a family: its labels (without `le`) and its buckets.
public struct HistogramSeries: Sendable, Equatable {
    public var labels: [Label]
    public var histogram: Histogram

    public func label(_ name: String) -> String? {
        for label in labels where label.name == name { return label.value }
        return nil
    }
}

extension Exposition {
    /// The histograms of family `name` (`name_bucket`, `name_sum`, `name_count`), one per label set, in
    /// order of appearance. Buckets whose `le` is not a number are left out.
    public func histograms(named name: String) -> [HistogramSeries] {
        var order: [[Label]] = []
        var parts: [[Label]: (buckets: [Histogram.Bucket], sum: Double?, count: Double?)] = [:]
        func key(_ labels: [Label]) -> [Label] {
            labels.filter { $0.name != "le" }.sorted { $0.name < $1.name }
        }
        func record(_ labels: [Label], _ update: (inout (buckets: [Histogram.Bucket], sum: Double?, count: Double?)) -> Void) {
            let k = key(labels)
            if parts[k] == nil { order.append(k); parts[k] = ([], nil, nil) }
            update(&parts[k]!)
        }
        for sample in samples(named: name + "_bucket") {
            guard var le = sample.label("le"), let bound = le.withUTF8({ NumberParsing.parseDouble($0) }),
                  !bound.isNaN else { continue }
            record(sample.labels) { $0.buckets.append(Histogram.Bucket(upperBound: bound, cumulativeCount: sample.value)) }
        }
        for sample in samples(named: name + "_sum") { record(sample.labels) { $0.sum = sample.value } }
        for sample in samples(named: name + "_count") { record(sample.labels) { $0.count = sample.value } }
        return order.map { labels in
            let part = parts[labels]!
            return HistogramSeries(labels: labels, histogram: Histogram(buckets: part.buckets, sum: part.sum, count: part.count))
        }
    }
}
