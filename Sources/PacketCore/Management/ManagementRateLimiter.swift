/// Management must not starve the engine (issue 10 item 10): each source gets a token bucket of
/// `burst` requests refilled at `perSecond`, and the table of sources is bounded (the oldest
/// entry goes when it is full). Requests over the limit are dropped without a reply, so a flood
/// costs one table lookup per datagram.
public struct ManagementRateLimiter<Source: Hashable & Sendable>: Sendable {
    struct Bucket: Sendable {
        var tokens: Double
        var updated: Int64
    }

    public let burst: Double
    public let perSecond: Double
    public let maxSources: Int
    private var buckets: [Source: Bucket] = [:]

    public init(burst: Int = 20, perSecond: Int = 10, maxSources: Int = 64) {
        self.burst = Double(burst)
        self.perSecond = Double(perSecond)
        self.maxSources = maxSources
    }

    /// Takes a token for `source` at monotonic `now` (ns); false = over the limit.
    public mutating func admit(_ source: Source, now: Int64) -> Bool {
        var bucket = buckets[source] ?? {
            if buckets.count >= maxSources, let oldest = buckets.min(by: { $0.value.updated < $1.value.updated }) {
                buckets[oldest.key] = nil
            }
            return Bucket(tokens: burst, updated: now)
        }()
        let elapsed = Double(max(0, now - bucket.updated)) / 1e9
        bucket.tokens = min(burst, bucket.tokens + elapsed * perSecond)
        bucket.updated = now
        let ok = bucket.tokens >= 1
        if ok { bucket.tokens -= 1 }
        buckets[source] = bucket
        return ok
    }
}

/// Subscribers of the `peer` topic: one tag per source, bounded. 3.x keeps one subscriber per
/// topic; we keep a few so a second tool does not silently steal the stream.
public struct ManagementSubscribers<Source: Hashable & Sendable>: Sendable {
    public static var maxSubscribers: Int { 4 }
    public private(set) var entries: [(source: Source, tag: String)] = []

    public init() {}

    public mutating func add(_ source: Source, tag: String) {
        entries.removeAll { $0.source == source }
        if entries.count >= Self.maxSubscribers { entries.removeFirst() }
        entries.append((source, tag))
    }

    public mutating func remove(_ source: Source) { entries.removeAll { $0.source == source } }
    public var isEmpty: Bool { entries.isEmpty }
}
