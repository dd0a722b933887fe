import Foundation

/// A bounded series of (time, value) points: a ring buffer that keeps the newest `capacity` points.
/// Sized from a window and a scrape interval (15 minutes at 5 s: 180 points).
public struct TimeSeries<Value: Sendable>: Sendable {
    public struct Point: Sendable {
        public var time: Date
        public var value: Value
    }

    public let capacity: Int
    private var storage: [Point] = []
    /// Index of the oldest point once the buffer is full.
    private var head = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(self.capacity)
    }

    /// Capacity = ⌈window ÷ interval⌉ (at least 1).
    public init(window: TimeInterval = 15 * 60, interval: TimeInterval = 5) {
        let points = interval > 0 && window.isFinite ? (window / interval).rounded(.up) : 1
        self.init(capacity: points < Double(Int32.max) ? Int(points) : Int(Int32.max))
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    public mutating func append(_ value: Value, at time: Date) {
        let point = Point(time: time, value: value)
        if storage.count < capacity {
            storage.append(point)
        } else {
            storage[head] = point
            head = (head + 1) % capacity
        }
    }

    /// Oldest first.
    public var points: [Point] {
        storage.count < capacity ? storage : Array(storage[head...] + storage[..<head])
    }
    public var latest: Point? {
        guard !storage.isEmpty else { return nil }
        return storage.count < capacity ? storage.last : storage[(head + capacity - 1) % capacity]
    }
    public var oldest: Point? {
        guard !storage.isEmpty else { return nil }
        return storage.count < capacity ? storage.first : storage[head]
    }

    /// Points at or after `time`, oldest first.
    public func points(since time: Date) -> [Point] { points.filter { $0.time >= time } }
}
