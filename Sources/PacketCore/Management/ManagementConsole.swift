/// What the runtimes share around a JSON API: the per-source rate limit, the `peer` subscribers
/// and the once-a-second snapshot that feeds both the metrics board and the peer events. It lives
/// on the engine's thread; the handler and renderers are pure functions of the snapshot.
public final class ManagementConsole<Snapshot: Sendable, Source: Hashable & Sendable> {
    public typealias Handler = (UnsafeRawBufferPointer, Int, () -> Snapshot) -> ManagementOutcome
    public typealias Events = (Snapshot, Snapshot) -> [JSONFields]

    /// Events sent to one subscriber per tick at most (the rest are dropped, not queued).
    public static var maxEventsPerTick: Int { 32 }

    private let handler: Handler
    private let events: Events
    private var limiter: ManagementRateLimiter<Source>
    public private(set) var subscribers = ManagementSubscribers<Source>()
    private var last: Snapshot?
    /// Where each tick's snapshot goes (the metrics board); nil = metrics off.
    public var publish: ((Snapshot) -> Void)?

    public init(limiter: ManagementRateLimiter<Source> = .init(), handler: @escaping Handler, events: @escaping Events) {
        self.limiter = limiter
        self.handler = handler
        self.events = events
    }

    /// The answer to one JSON request, or nil when `source` is over its rate (no reply at all).
    public func handle(_ bytes: UnsafeRawBufferPointer, from source: Source, now: Int64, verbosity: Int,
                       snapshot: () -> Snapshot) -> ManagementOutcome? {
        guard limiter.admit(source, now: now) else { return nil }
        let outcome = handler(bytes, verbosity, snapshot)
        if case .subscribe(_, let tag) = outcome.action {
            subscribers.add(source, tag: tag)
            if last == nil { last = snapshot() }
        }
        return outcome
    }

    /// Once a second: takes a snapshot if anyone wants one, publishes it, and returns the peer
    /// events for each subscriber.
    public func tick(_ snapshot: () -> Snapshot) -> [(Source, String)] {
        guard publish != nil || !subscribers.isEmpty else { return [] }
        let now = snapshot()
        publish?(now)
        defer { last = subscribers.isEmpty ? nil : now }
        guard !subscribers.isEmpty, let last else { return [] }
        let changes = events(last, now).prefix(Self.maxEventsPerTick)
        var out: [(Source, String)] = []
        for (source, tag) in subscribers.entries {
            for change in changes { out.append((source, ManagementReply.event(tag: tag, topic: "peer", change))) }
        }
        return out
    }

    /// A subscriber whose address refused a datagram is dropped.
    public func unsubscribe(_ source: Source) { subscribers.remove(source) }
}
