/// One counter per `DropReason`, allocated once; counting is an in-place increment.
public struct DropCounters: Sendable, Equatable {
    private var counts = [UInt64](repeating: 0, count: DropReason.allCases.count)

    public init() {}

    public subscript(reason: DropReason) -> UInt64 {
        get { counts[reason.rawValue] }
        set { counts[reason.rawValue] = newValue }
    }

    @inline(__always)
    public mutating func count(_ reason: DropReason) {
        counts[reason.rawValue] &+= 1
    }

    /// Adds another set of counters, reason by reason.
    public mutating func add(_ other: DropCounters) {
        for i in counts.indices { counts[i] &+= other.counts[i] }
    }

    /// Sum over every reason except those in `excluding`.
    public func total(excluding: DropReason? = nil) -> UInt64 {
        var sum: UInt64 = 0
        for reason in DropReason.allCases where reason != excluding { sum &+= counts[reason.rawValue] }
        return sum
    }

    /// The reasons with a non-zero count, in declaration order.
    public var nonZero: [(reason: DropReason, count: UInt64)] {
        DropReason.allCases.compactMap { counts[$0.rawValue] > 0 ? ($0, counts[$0.rawValue]) : nil }
    }
}

/// One non-zero drop counter, as snapshots carry it.
public struct DropCount: Sendable, Codable, Equatable {
    public var reason: DropReason
    public var count: UInt64

    public init(reason: DropReason, count: UInt64) {
        self.reason = reason
        self.count = count
    }
}

extension DropCounters {
    /// The non-zero counters in `DropReason` order.
    public var snapshot: [DropCount] { nonZero.map { DropCount(reason: $0.reason, count: $0.count) } }
}
