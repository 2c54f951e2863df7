/// What snooping did, for the management reply and the JSON API.
public struct MulticastCounters: Equatable, Sendable, Codable {
    /// Frames sent to every peer (always-flood classes, unknown groups, full lists, no querier).
    public var framesFlooded: UInt64 = 0
    /// Frames sent only to the peers listening.
    public var framesReplicated: UInt64 = 0
    /// Copies those frames took.
    public var copiesSent: UInt64 = 0
    /// Frames for a known group with no peer listening: not sent at all.
    public var framesSuppressed: UInt64 = 0
    /// (copies a flood would have sent − copies sent) × frame length, over replicated and suppressed frames.
    public var bytesSaved: UInt64 = 0

    public var reportsSeen: UInt64 = 0
    public var leavesSeen: UInt64 = 0
    public var queriesSeen: UInt64 = 0
    /// IGMP/MLD frames that did not parse (truncated, bad checksum...).
    public var membershipDropped: UInt64 = 0
    public var queriesSent: UInt64 = 0

    public init() {}

    /// Accounts one frame from the TAP: `copiesSent` copies went out where a flood would have sent
    /// `floodCopies` (the peer count the engine would have flooded to).
    public mutating func record(_ decision: ReplicationDecision, copiesSent sent: Int, floodCopies: Int, frameLength: Int) {
        let saved = UInt64(max(0, floodCopies - sent)) &* UInt64(max(0, frameLength))
        switch decision {
        case .notMulticast: return
        case .flood: framesFlooded &+= 1
        case .listeners:
            framesReplicated &+= 1
            copiesSent &+= UInt64(max(0, sent))
            bytesSaved &+= saved
        case .suppress:
            framesSuppressed &+= 1
            bytesSaved &+= saved
        }
    }
}

/// Where a frame from the local TAP goes.
public enum ReplicationDecision: Equatable, Sendable {
    /// Unicast destination MAC: the engine's usual path.
    case notMulticast
    case flood(FloodReason)
    /// Only to the `count` peers listening (get them with `forEachListener` / `copyListeners`).
    case listeners(MulticastGroup, count: Int)
    /// A known group no peer listens to.
    case suppress(MulticastGroup)
}
