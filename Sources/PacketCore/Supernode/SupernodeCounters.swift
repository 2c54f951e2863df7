import N2NWire

/// Every reason the supernode drops or ignores a datagram. Each has its own counter, shown in the
/// management report and the SIGHUP dump.
public enum SupernodeDropReason: Int, CaseIterable, Sendable, CustomStringConvertible {
    // Malformed input.
    /// Shorter than the 20-byte common header.
    case tooShort
    /// A message body ended early (WireError.truncated).
    case truncated
    /// Byte 0 was not 2 (WireError.badVersion).
    case badVersion
    /// REGISTER_SUPER with an auth token longer than 32 bytes (spec 10.1 item 1).
    case authTokenTooLong
    /// Community bytes without a NUL (spec 1.5).
    case communityUnterminated
    /// Packet code above 10, or flag bits 0x0080...0xFF00 set, in a header that is not encrypted
    /// for any known community.
    case unknownType
    /// The relayed datagram would exceed the output buffer.
    case oversize
    /// A reply or relayed copy could not be header-encrypted (never sent in clear instead).
    case sealFailed
    // Header encryption (spec 4).
    /// Looked encrypted, but no header-encrypted community's key matched the magic.
    case headerUndecryptable
    /// A key matched but the Pearson checksum did not.
    case headerChecksum
    /// Stamp outside ±16 s of the local clock.
    case headerStampWindow
    /// Stamp older than the sender's newest by more than 160 ms, or a repeat of a recent one.
    case headerReplay
    /// A plain header for a community whose edges use header encryption (no downgrade).
    case plainInEncryptedCommunity
    /// An encrypted header (other than REGISTER_SUPER) for a community whose edges are plain.
    case encryptedInPlainCommunity
    // Policy.
    /// A non-REGISTER_SUPER packet naming a community the supernode does not have.
    case unknownCommunity
    /// REGISTER_SUPER for a community outside the `-c` list (silently ignored, spec 6.3.4).
    case communityNotAllowed
    /// TTL 0 (spec 1.2.4).
    case ttlZero
    /// Unicast PACKET/REGISTER/QUERY_PEER target not registered in the community.
    case unknownDestination
    /// REGISTER addressed to a broadcast/multicast MAC (spec 6.3.2).
    case multicastRegister
    /// PACKET/REGISTER/QUERY_PEER whose srcMac is not registered from the datagram's source socket
    /// (spec 10.2 item 14).
    case unregisteredSender
    /// REGISTER_SUPER trying to move a MAC whose registration from another socket is still fresh.
    case rebindRefused
    /// Broadcast/multicast fan-out over the sender's rate limit (spec 10.3 item 23).
    case broadcastRateLimited
    /// Community or edge table at its configured size limit.
    case tableFull
    /// PING, DEREGISTER, REGISTER_ACK, REGISTER_SUPER_ACK/NAK, FEDERATION, PEER_INFO (spec 6.3.3, 6.3.6).
    case ignoredType
    /// Zero-byte datagram (ignored).
    case empty

    /// A short stable name for counters and logs.
    public var counterName: String {
        switch self {
        case .tooShort: "too_short"
        case .truncated: "truncated"
        case .badVersion: "bad_version"
        case .authTokenTooLong: "auth_token_too_long"
        case .communityUnterminated: "community_unterminated"
        case .unknownType: "unknown_type"
        case .oversize: "oversize"
        case .sealFailed: "header_seal_failed"
        case .headerUndecryptable: "header_undecryptable"
        case .headerChecksum: "header_checksum"
        case .headerStampWindow: "header_stamp_window"
        case .headerReplay: "header_replay"
        case .plainInEncryptedCommunity: "plain_in_encrypted_community"
        case .encryptedInPlainCommunity: "encrypted_in_plain_community"
        case .unknownCommunity: "unknown_community"
        case .communityNotAllowed: "community_not_allowed"
        case .ttlZero: "ttl_zero"
        case .unknownDestination: "unknown_destination"
        case .multicastRegister: "multicast_register"
        case .unregisteredSender: "unregistered_sender"
        case .rebindRefused: "rebind_refused"
        case .broadcastRateLimited: "broadcast_rate_limited"
        case .tableFull: "table_full"
        case .ignoredType: "ignored_type"
        case .empty: "empty"
        }
    }

    public var description: String { counterName }

    /// The counter for a codec error (its `counterName` names the same thing).
    public init(_ error: WireError) {
        switch error {
        case .truncated: self = .truncated
        case .badVersion: self = .badVersion
        case .authTokenTooLong: self = .authTokenTooLong
        case .communityNotTerminated: self = .communityUnterminated
        case .bufferTooSmall: self = .oversize
        }
    }
}

/// The statistics of spec 7.2 plus one counter per drop reason. Plain stored integers: the engine is
/// single-threaded, and the management report reads them on the same thread.
public struct SupernodeStatistics: Sendable, Equatable {
    /// Send errors reported by the I/O layer (spec 7.2 `errors`).
    public var errors: UInt64 = 0
    /// REGISTER_SUPER received.
    public var registerSuper: UInt64 = 0
    /// Always 0: no 2.x supernode sends a NAK (spec 6.5).
    public var registerSuperNak: UInt64 = 0
    /// Unicast PACKET/REGISTER relays.
    public var forwarded: UInt64 = 0
    /// Broadcast/multicast copies sent.
    public var broadcast: UInt64 = 0
    /// When a PACKET/REGISTER for a known community last arrived; 0 until then, as in 2.8.
    public var lastForward: Int64 = 0
    /// When a REGISTER_SUPER last arrived; 0 until then.
    public var lastRegisterSuper: Int64 = 0
    /// REGISTER_SUPER_ACKs and PEER_INFOs sent.
    public var replies: UInt64 = 0

    private var drops = [UInt64](repeating: 0, count: SupernodeDropReason.allCases.count)

    public init() {}

    public subscript(reason: SupernodeDropReason) -> UInt64 {
        get { drops[reason.rawValue] }
        set { drops[reason.rawValue] = newValue }
    }

    /// Datagrams dropped or ignored for any reason except being empty.
    public var totalDropped: UInt64 {
        var sum: UInt64 = 0
        for reason in SupernodeDropReason.allCases where reason != .empty { sum &+= drops[reason.rawValue] }
        return sum
    }

    mutating func count(_ reason: SupernodeDropReason) {
        self[reason] &+= 1
    }
}
