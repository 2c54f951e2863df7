import N2NWire

/// A token bucket on the monotonic clock: `rate` tokens per second up to `burst`.
/// Used for what a stranger can make the supernode do: log lines, NAKs.
struct TokenBucket: Sendable {
    let rate: Double
    let burst: Double
    private(set) var tokens: Double
    private var refill: Int64

    init(rate: Double, burst: Double, now: Int64) {
        self.rate = rate
        self.burst = burst
        tokens = burst
        refill = now
    }

    /// Takes one token if there is one.
    mutating func take(now: Int64) -> Bool {
        let elapsed = Double(now - refill) / 1e9
        if elapsed > 0 {
            tokens = min(burst, tokens + elapsed * rate)
            refill = now
        }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}

/// Log lines about refused input: `burst` lines, then at most one line per `summaryInterval`
/// saying how many were suppressed (issue 10 item 8: 20 000 refusals wrote 2.5 MB of log).
struct RateLimitedLog: Sendable {
    private var bucket: TokenBucket
    private let summaryInterval: Int64
    private(set) var suppressed: UInt64 = 0
    private var lastSummary: Int64

    init(burst: Double, summaryInterval: Int64, now: Int64) {
        bucket = TokenBucket(rate: burst / (Double(summaryInterval) / 1e9), burst: burst, now: now)
        self.summaryInterval = summaryInterval
        lastSummary = now
    }

    /// True when this event may be logged; otherwise it is counted as suppressed.
    mutating func admit(now: Int64) -> Bool {
        if bucket.take(now: now) { return true }
        suppressed &+= 1
        return false
    }

    /// The number suppressed since the last summary, once per interval (nil = nothing to say yet).
    mutating func summary(now: Int64) -> UInt64? {
        guard suppressed > 0, now - lastSummary >= summaryInterval else { return nil }
        defer { suppressed = 0; lastSummary = now }
        return suppressed
    }
}

extension IPAddress {
    /// What the per-address quotas count: the IPv4 address, or the /64 of an IPv6 one (one
    /// subscriber's prefix: a host can take as many addresses in it as it likes).
    var quotaKey: IPAddress {
        switch self {
        case .v4: return self
        case .v6(let high, _): return .v6(high, 0)
        }
    }
}

/// What one sender holds in the supernode's tables (issue 10 item 5). Quotas are per socket (many
/// edges behind one office NAT share an IP, never a socket) and per community; community creation
/// in open mode is bounded per IP address. "Address" means an IPv6 source's /64 (`quotaKey`).
struct SupernodeQuotas: Sendable {
    /// Registered MACs per source socket, over all communities.
    var macsPerSocket: [PeerSocket: Int] = [:]
    /// Registered MACs per source address (all its ports), over all communities.
    var macsPerAddress: [IPAddress: Int] = [:]
    /// Open-mode communities alive per creating address.
    var communitiesPerAddress: [IPAddress: Int] = [:]

    mutating func addMac(_ socket: PeerSocket) {
        macsPerSocket[socket, default: 0] += 1
        macsPerAddress[socket.address.quotaKey, default: 0] += 1
    }

    mutating func removeMac(_ socket: PeerSocket) {
        if let n = macsPerSocket[socket] { macsPerSocket[socket] = n > 1 ? n - 1 : nil }
        let key = socket.address.quotaKey
        if let n = macsPerAddress[key] { macsPerAddress[key] = n > 1 ? n - 1 : nil }
    }

    func macs(_ socket: PeerSocket) -> Int { macsPerSocket[socket] ?? 0 }

    func macs(address: IPAddress) -> Int { macsPerAddress[address.quotaKey] ?? 0 }

    func communities(createdBy address: IPAddress) -> Int { communitiesPerAddress[address.quotaKey] ?? 0 }

    mutating func addCommunity(createdBy address: IPAddress) {
        communitiesPerAddress[address.quotaKey, default: 0] += 1
    }

    /// Rebuilt from the tables after a purge or an eviction.
    mutating func recount(_ communities: some Sequence<SupernodeCommunity>) {
        macsPerSocket.removeAll(keepingCapacity: true)
        macsPerAddress.removeAll(keepingCapacity: true)
        communitiesPerAddress.removeAll(keepingCapacity: true)
        for c in communities {
            if let creator = c.creator { addCommunity(createdBy: creator) }
            for edge in c.edges.values { addMac(edge.socket) }
        }
    }
}

/// At most one REGISTER_SUPER_NAK per source socket per `spacing`, from a table of bounded size
/// (cleared at every purge), and at most `rate` per second in all (issue 10 item 8).
struct NakLimiter: Sendable {
    private var lastNak: [PeerSocket: Int64] = [:]
    private var bucket: TokenBucket
    let spacing: Int64
    let capacity: Int

    init(rate: Double, spacing: Int64, capacity: Int, now: Int64) {
        bucket = TokenBucket(rate: rate, burst: max(rate, 1), now: now)
        self.spacing = spacing
        self.capacity = capacity
    }

    mutating func admit(_ source: PeerSocket, now: Int64) -> Bool {
        if let last = lastNak[source], now - last < spacing { return false }
        guard lastNak.count < capacity || lastNak[source] != nil else { return false }
        guard bucket.take(now: now) else { return false }
        lastNak[source] = now
        return true
    }

    mutating func reset() { lastNak.removeAll(keepingCapacity: true) }
}
