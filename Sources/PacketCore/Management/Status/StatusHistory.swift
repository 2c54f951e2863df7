/// The last few minutes of a program's counters, for the status page's charts: one sample every
/// `interval` seconds, at most `capacity` kept (the oldest goes first), so its memory is bounded
/// whatever the uptime. Samples hold the cumulative counters; rates are derived when drawn.
public struct StatusHistory: Sendable, Equatable {
    public struct Sample: Sendable, Equatable {
        /// The snapshot's clock, in seconds.
        public var seconds: Int64
        /// One cumulative counter per series, in `series` order.
        public var values: [UInt64]
    }

    /// The names of the series (stable snake_case, as in status.json).
    public let series: [String]
    public let interval: Int64
    public let capacity: Int
    public private(set) var samples: [Sample] = []

    /// Five minutes at one sample every 5 s by default.
    public init(series: [String], interval: Int64 = 5, capacity: Int = 61) {
        self.series = series
        self.interval = max(1, interval)
        self.capacity = max(2, capacity)
        samples.reserveCapacity(self.capacity)
    }

    /// Keeps `values` when at least `interval` seconds passed since the last kept sample. A clock
    /// that went back starts the history afresh; a sample of the wrong width is ignored.
    public mutating func record(at seconds: Int64, _ values: [UInt64]) {
        guard values.count == series.count else { return }
        if let last = samples.last {
            if seconds < last.seconds { samples.removeAll(keepingCapacity: true) }
            else if seconds - last.seconds < interval { return }
        }
        if samples.count == capacity { samples.removeFirst() }
        samples.append(Sample(seconds: seconds, values: values))
    }

    /// Per second over each interval between consecutive samples; a counter that went down (a
    /// restart of the counting side) counts as no traffic rather than a huge rate.
    public func rates(_ index: Int) -> [Double] {
        guard samples.count >= 2, series.indices.contains(index) else { return [] }
        return zip(samples, samples.dropFirst()).map { a, b in
            let dt = Double(b.seconds - a.seconds)
            let (after, before) = (b.values[index], a.values[index])
            return after >= before && dt > 0 ? Double(after - before) / dt : 0
        }
    }

    /// The index of a series by name.
    public func index(of name: String) -> Int? { series.firstIndex(of: name) }

    /// How much the counter grew over the whole history (0 without two samples).
    public func growth(_ index: Int) -> UInt64 {
        guard let first = samples.first, let last = samples.last, series.indices.contains(index) else { return 0 }
        return last.values[index] >= first.values[index] ? last.values[index] - first.values[index] : 0
    }

    public var spanSeconds: Int64 { (samples.last?.seconds ?? 0) - (samples.first?.seconds ?? 0) }
}

/// What a status page reads: the latest snapshot and the history it was recorded into.
public struct StatusView<Snapshot: Sendable>: Sendable {
    public var snapshot: Snapshot
    public var history: StatusHistory

    public init(snapshot: Snapshot, history: StatusHistory) {
        self.snapshot = snapshot
        self.history = history
    }
}

/// A snapshot the status history can sample: its clock and its counters in a fixed order.
public protocol StatusSampled: Sendable {
    static var statusSeries: [String] { get }
    var statusSeconds: Int64 { get }
    var statusValues: [UInt64] { get }
}

extension StatusView where Snapshot: StatusSampled {
    /// A publish hook for `ManagementConsole`: records each snapshot into a history it keeps on
    /// the engine's thread and hands both on (to the metrics board).
    public static func recording(into sink: @escaping (StatusView) -> Void) -> (Snapshot) -> Void {
        var history = StatusHistory(series: Snapshot.statusSeries)
        return { snapshot in
            history.record(at: snapshot.statusSeconds, snapshot.statusValues)
            sink(StatusView(snapshot: snapshot, history: history))
        }
    }
}

extension DropReason {
    /// The drop counters as status series values, every reason in order.
    static func statusValues(_ drops: [DropCount]) -> [UInt64] {
        var values = [UInt64](repeating: 0, count: allCases.count)
        for d in drops { values[d.reason.rawValue] = d.count }
        return values
    }

    static var statusSeries: [String] { allCases.map { "drop_" + $0.name } }
}
