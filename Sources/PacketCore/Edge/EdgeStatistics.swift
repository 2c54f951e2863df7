/// Why the engine dropped a datagram or a frame. Each has a counter, shown by the management port.
public enum EdgeDropReason: Int, CaseIterable, Sendable, CustomStringConvertible {
    // Receive path (network -> TAP).
    case malformed          // WireCodec rejected it (truncated, bad version, ...)
    case headerDecrypt      // -H: not decryptable with our community key or checksum wrong
    case otherCommunity
    case replay             // -H: time stamp outside the window or older than the last one
    case spoofedSupernode   // FROM_SUPERNODE / supernode-only message from a non-supernode address
    case badSourceMAC       // own MAC (loop) or a group address as source
    case wrongTransform
    case transformFailed    // decryption failed
    case decompressFailed
    case shortFrame         // decoded payload shorter than an Ethernet header
    case rxMulticast        // RX multicast filter (no -E)
    case rxRouted           // RX routing filter (no -r)
    case registerNotForUs
    case unmatchedAck       // REGISTER_ACK not answering one of our REGISTERs
    case unmatchedSuperAck  // REGISTER_SUPER_ACK with a wrong cookie or MAC
    case ignoredType        // NAK, QUERY_PEER, PING, DEREGISTER, FEDERATION, unknown codes
    case oversized          // longer than the receive buffer (truncated by the socket) or the TAP batch
    // Transmit path (TAP -> network).
    case txBadLength        // shorter than an Ethernet header or longer than 2048 bytes
    case txMulticast        // TX multicast filter (no -E)
    case txRouted           // TX routing filter (no -r), including IPv4 frames too short to check
    case txEncodeFailed
    case noSupernode        // nothing resolved yet to relay through

    public var description: String {
        switch self {
        case .malformed: "malformed"
        case .headerDecrypt: "header_decrypt"
        case .otherCommunity: "other_community"
        case .replay: "replay"
        case .spoofedSupernode: "spoofed_supernode"
        case .badSourceMAC: "bad_source_mac"
        case .wrongTransform: "wrong_transform"
        case .transformFailed: "transform_failed"
        case .decompressFailed: "decompress_failed"
        case .shortFrame: "short_frame"
        case .rxMulticast: "rx_multicast"
        case .rxRouted: "rx_routed"
        case .registerNotForUs: "register_not_for_us"
        case .unmatchedAck: "unmatched_ack"
        case .unmatchedSuperAck: "unmatched_super_ack"
        case .ignoredType: "ignored_type"
        case .oversized: "oversized"
        case .txBadLength: "tx_bad_length"
        case .txMulticast: "tx_multicast"
        case .txRouted: "tx_routed"
        case .txEncodeFailed: "tx_encode_failed"
        case .noSupernode: "no_supernode"
        }
    }
}

/// The counters of spec 7.1 plus the drop counters.
public struct EdgeStatistics: Sendable {
    /// PACKETs sent to the supernode / received with FROM_SUPERNODE.
    public var txSupernode: UInt64 = 0
    public var rxSupernode: UInt64 = 0
    public var txSupernodeBroadcast: UInt64 = 0
    public var rxSupernodeBroadcast: UInt64 = 0
    /// PACKETs sent / received directly.
    public var txP2P: UInt64 = 0
    public var rxP2P: UInt64 = 0
    /// Frames encoded / decoded by the transform.
    public var transformTx: UInt64 = 0
    public var transformRx: UInt64 = 0
    /// Wall-clock seconds of the last ACKed registration or relayed PACKET; 0 = never.
    public var lastSupernode: Int64 = 0
    /// Wall-clock seconds of the last direct PACKET; 0 = never.
    public var lastP2P: Int64 = 0
    /// Indexed by `EdgeDropReason.rawValue`; allocated once.
    public private(set) var drops: [UInt64] = Array(repeating: 0, count: EdgeDropReason.allCases.count)

    public init() {}

    public mutating func countDrop(_ reason: EdgeDropReason) {
        drops[reason.rawValue] &+= 1
    }

    public func drops(_ reason: EdgeDropReason) -> UInt64 { drops[reason.rawValue] }

    public var totalDrops: UInt64 { drops.reduce(0, &+) }

    /// Adds another share of the same edge's counters (a worker's to the control plane's).
    public mutating func add(_ other: EdgeStatistics) {
        txSupernode &+= other.txSupernode
        rxSupernode &+= other.rxSupernode
        txSupernodeBroadcast &+= other.txSupernodeBroadcast
        rxSupernodeBroadcast &+= other.rxSupernodeBroadcast
        txP2P &+= other.txP2P
        rxP2P &+= other.rxP2P
        transformTx &+= other.transformTx
        transformRx &+= other.transformRx
        lastSupernode = max(lastSupernode, other.lastSupernode)
        lastP2P = max(lastP2P, other.lastP2P)
        for i in drops.indices { drops[i] &+= other.drops[i] }
    }
}
