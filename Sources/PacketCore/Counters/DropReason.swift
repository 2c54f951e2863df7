import N2NWire

/// Every reason the edge or the supernode drops or ignores a datagram or a frame: one vocabulary
/// for both engines' counters, their management replies and the docs (docs/management.md lists
/// exactly these names; a test keeps the two in step). Names are stable snake_case: tools parse them.
public enum DropReason: Int, CaseIterable, Sendable, Codable, CustomStringConvertible {
    // Malformed input (both engines).
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
    /// Longer than a buffer on the way: the receive buffer (cut by the socket), the TAP batch, or
    /// the supernode's relay buffer.
    case oversize
    // Header encryption (spec 4).
    /// A reply or relayed copy could not be header-encrypted (never sent in clear instead).
    case sealFailed
    /// Looked encrypted, but no key matched the magic (or the announced header length was impossible).
    case headerUndecryptable
    /// A key matched but the Pearson checksum did not.
    case headerChecksum
    /// Stamp outside ±16 s of the local clock.
    case headerStampWindow
    /// Stamp older than the sender's newest by more than 160 ms, or a repeat of a recent datagram.
    case headerReplay
    /// A plain header for a community whose edges use header encryption (no downgrade).
    case plainInEncryptedCommunity
    /// An encrypted header (other than REGISTER_SUPER) for a community whose edges are plain.
    case encryptedInPlainCommunity
    // Supernode policy.
    /// A non-REGISTER_SUPER packet naming a community the supernode does not have.
    case unknownCommunity
    /// REGISTER_SUPER for a community outside the `-c` list.
    case communityNotAllowed
    /// TTL 0 (spec 1.2.4).
    case ttlZero
    /// Unicast PACKET/REGISTER/QUERY_PEER target not registered in the community.
    case unknownDestination
    /// REGISTER addressed to a broadcast/multicast MAC (spec 6.3.2).
    case multicastRegister
    /// PACKET/REGISTER/QUERY_PEER whose srcMac is not registered from the datagram's source socket.
    case unregisteredSender
    /// REGISTER_SUPER trying to move a MAC whose registration from another address is still fresh.
    case rebindRefused
    /// Broadcast/multicast fan-out over the sender's rate limit.
    case broadcastRateLimited
    /// Community or edge table at its configured size limit.
    case tableFull
    /// A message type this side does not act on (PING, DEREGISTER, FEDERATION, a NAK, ...).
    case ignoredType
    /// Zero-byte datagram (supernode: ignored, not part of its `dropped` total).
    case empty
    // Edge receive path (network -> TAP).
    /// A community other than ours.
    case otherCommunity
    /// FROM_SUPERNODE or a supernode-only message from an address that is no supernode of ours.
    case spoofedSupernode
    /// Our own MAC (a loop) or a group address as the source.
    case badSourceMAC
    /// The PACKET's transform is not ours (a different `-A`).
    case wrongTransform
    /// The payload did not decrypt (a different key).
    case transformFailed
    case decompressFailed
    /// The decoded payload is shorter than an Ethernet header.
    case shortFrame
    /// RX multicast filter (no -E).
    case rxMulticast
    /// RX routing filter (no -r).
    case rxRouted
    case registerNotForUs
    /// REGISTER_ACK not answering one of our REGISTERs.
    case unmatchedAck
    /// REGISTER_SUPER_ACK with a wrong cookie or MAC.
    case unmatchedSuperAck
    // Edge transmit path (TAP -> network).
    /// Shorter than an Ethernet header or longer than 2048 bytes.
    case txBadLength
    /// TX multicast filter (no -E).
    case txMulticast
    /// TX routing filter (no -r), including IPv4 frames too short to check.
    case txRouted
    case txEncodeFailed
    /// Nothing resolved yet to relay through.
    case noSupernode
    // Hardening (issue 10); appended so existing raw values stay.
    /// Supernode: a PACKET/REGISTER already marked FROM_SUPERNODE (no 2.x supernode sends to another:
    /// relaying it again is how two supernodes are made to loop).
    case relayLoop
    /// Supernode: a registration over the per-socket MAC quota, the per-community edge quota, or the
    /// per-address quota of new communities.
    case quotaExceeded
    /// Supernode: a NAK not sent because its rate limit was reached (the REGISTER_SUPER is also
    /// counted as `community_not_allowed`).
    case nakRateLimited
    /// Edge: a direct packet moving a known peer to another socket while its current socket is live.
    case peerMoveRefused
    /// Edge TX: an n2n local-discovery datagram (UDP to 224.0.0.68:1968) routed into the TAP, ours or
    /// a stock edge's on this host: it belongs to the LAN, and in the overlay it makes edges learn
    /// each other at overlay addresses and loop (issue 9).
    case txLocalDiscovery
    /// Edge: a new pending or known peer refused because its table is full (`maxPendingPeers`,
    /// `maxKnownPeers`): strangers' packets cannot grow the edge's memory or its REGISTERs without bound.
    case peerTableFull
    // Hosts behind the edge and the overlay's MTU (issue 17 item 4).
    /// Edge TX: a frame from the TAP to a host learned behind the TAP (the bridge flooded it):
    /// sending it would bring it back through the supernode.
    case txLocalHost
    /// Edge TX: an IPv4 packet with DF larger than the overlay's MTU, answered with ICMP
    /// "fragmentation needed" into the TAP.
    case txFragmentationNeeded
    /// Edge TX: an IPv6 packet larger than the overlay's MTU, answered with ICMPv6 "packet too big".
    case txPacketTooBig
    /// Supernode: a REGISTER or QUERY_PEER between edges registered over different IP families
    /// (IPv4/IPv6): the target's socket is one the sender cannot use, so no P2P; their PACKETs are
    /// relayed. Edge: a supernode named a peer socket of a family our socket cannot reach.
    case otherFamily
    /// Edge (v3): REGISTER_SUPER_NAK, the supernode refused our registration (MAC or address in use).
    case registrationRefused
    // Two dialects on one supernode (issue 15); appended so existing raw values stay.
    /// Supernode: a 2.x datagram for a community registered as 3.x, or the reverse.
    case dialectMismatch
    /// Supernode: a 3.x REGISTER_SUPER for a known MAC with another simple-ID token (spoofing
    /// protection, answered with REGISTER_SUPER_NAK) or an auth scheme we do not support.
    case authRefused
    /// Supernode: a 3.x community name longer than the 15 bytes our community table keys.
    case communityNameTooLong

    /// The stable counter name.
    public var name: String {
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
        case .otherCommunity: "other_community"
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
        case .txBadLength: "tx_bad_length"
        case .txMulticast: "tx_multicast"
        case .txRouted: "tx_routed"
        case .txEncodeFailed: "tx_encode_failed"
        case .noSupernode: "no_supernode"
        case .relayLoop: "relay_loop"
        case .quotaExceeded: "quota_exceeded"
        case .nakRateLimited: "nak_rate_limited"
        case .peerMoveRefused: "peer_move_refused"
        case .txLocalDiscovery: "tx_local_discovery"
        case .peerTableFull: "peer_table_full"
        case .txLocalHost: "tx_local_host"
        case .txFragmentationNeeded: "tx_fragmentation_needed"
        case .txPacketTooBig: "tx_packet_too_big"
        case .otherFamily: "other_family"
        case .registrationRefused: "registration_refused"
        case .dialectMismatch: "dialect_mismatch"
        case .authRefused: "auth_refused"
        case .communityNameTooLong: "community_name_too_long"
        }
    }

    /// Same as `name` (kept for the supernode's callers).
    public var counterName: String { name }
    public var description: String { name }

    /// The counter for a codec error.
    public init(_ error: WireError) {
        switch error {
        case .truncated(.commonHeader, _, _): self = .tooShort
        case .truncated: self = .truncated
        case .badVersion: self = .badVersion
        case .authTokenTooLong: self = .authTokenTooLong
        case .communityNotTerminated: self = .communityUnterminated
        case .bufferTooSmall: self = .oversize
        }
    }

    /// The counter for a header-encryption failure.
    public init(_ error: HeaderCryptoError) {
        switch error {
        case .tooShort: self = .tooShort
        case .noMagic, .badHeaderLength: self = .headerUndecryptable
        case .invalidHeaderLength: self = .sealFailed
        case .badChecksum: self = .headerChecksum
        case .stampOutsideWindow: self = .headerStampWindow
        case .replayed: self = .headerReplay
        }
    }

    /// Codable as the name, so snapshots read the same in JSON as in the text reply.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let reason = DropReason.allCases.first(where: { $0.name == text }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown drop reason \(text)"))
        }
        self = reason
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }
}

