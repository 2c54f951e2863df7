import LinuxSystem
import N2NWire

/// What a v3 edge says about itself in REGISTER_SUPER and REGISTER (v3 spec 1.4, 6.2, 8.3).
public struct EdgeV3Identity: Sendable {
    /// `-I`: up to 16 bytes, NUL-padded on the wire.
    public var description: String = ""
    /// The simple-ID token: 16 random bytes drawn once, sent unchanged for the edge's life (spec 6.2).
    public var token: [UInt8]
    /// `-a` address/prefix; 0/0 asks the supernode to assign one (spec 9.5).
    public var deviceAddress: V3DeviceAddress = .none
    /// `-e`: the preferred local socket, sent in REGISTER_SUPER (spec 7.1).
    public var preferredSocket: PeerSocket?

    public init(token: [UInt8]) { self.token = token }

    /// A fresh identity with a random token.
    public static func random(_ random: any RandomSource) -> EdgeV3Identity {
        var token = [UInt8](repeating: 0, count: 16)
        token.withUnsafeMutableBytes { random.fill($0) }
        return EdgeV3Identity(token: token)
    }
}

/// What a v3 supernode told us about itself (PONG, ACK), for selection and management.
public struct EdgeV3SupernodeInfo: Sendable, Equatable {
    public var mac: MACAddress?
    public var version: String = ""
    public var uptime: UInt32 = 0
    /// The load as stock edges read it (little-endian in effect, spec 8.4).
    public var load: UInt32 = 0
    /// Selection criterion (spec 8.4): lower is better; `defaultCriterion` until a PONG.
    public var criterion: UInt64 = EdgeV3SupernodeInfo.defaultCriterion
    public var lastPong: Int64?
    /// The time stamp (low 32 bits of a v3 stamp) our last PING left with, for --select-rtt.
    public var pingStamp: UInt64 = 0

    public static let defaultCriterion: UInt64 = (1 << 63) - 2
    public init() {}
}

/// The v3 control plane's messages (v3 spec 1.4, 5, 6, 8.3): v2's `Message` values translated,
/// with our identity added, plus the v3-only ones (UNREGISTER_SUPER, PING). Also the v3 session
/// state the control plane keeps beside its shared tables.
public final class EdgeV3ControlWire: EdgeControlWire {
    public let community: V3Community
    let headerCipher: V3HeaderCipher?
    var stamps = V3StampGenerator()
    public var identity: EdgeV3Identity
    /// `--select-rtt` / `--select-mac` / load (default).
    public let selection: EdgeV3Selection

    // Session state, owned by the control plane's thread.
    /// Per configured (and learned) supernode, in slot order.
    public internal(set) var supernodeInfo: [EdgeV3SupernodeInfo] = []
    /// REGISTER_SUPERs sent to the current supernode without an ACK (3 → switch, spec 8.3).
    var unansweredRounds = 0
    var lastSweep: Int64?
    /// The address the supernode assigned (no `-a`), as last applied.
    public internal(set) var assignedAddress: V3DeviceAddress?
    public internal(set) var naks = 0

    public init(community: V3Community, headerEncryption: Bool, identity: EdgeV3Identity,
                selection: EdgeV3Selection = .load) {
        self.community = community
        self.headerCipher = headerEncryption ? V3HeaderCipher(community: community) : nil
        self.identity = identity
        self.selection = selection
    }

    public var encryptsHeaders: Bool { headerCipher != nil }

    public func makeStamp(_ time: WallTime, random: any RandomSource) -> UInt64 { EdgeV3Stamps.next(&stamps, time) }

    public func verify(_ seal: HeaderSeal, now: UInt64, guard replay: inout ReplayGuard) -> DropReason? {
        EdgeV3Stamps.verify(seal, now: now, guard: &replay)
    }

    var auth: V3Auth { V3Auth(scheme: V3Auth.schemeSimpleID, token: WireBytes(identity.token)) }

    /// v2's control messages in their v3 form.
    func translate(_ message: Message) -> V3Message? {
        switch message {
        case .registerSuper(let m):
            return .registerSuper(V3RegisterSuper(cookie: m.cookie, edgeMac: m.edgeMac, sock: identity.preferredSocket,
                                                  deviceAddress: identity.deviceAddress,
                                                  deviceDescription: identity.description, auth: auth))
        case .register(let m):
            return .register(V3Register(cookie: m.cookie, srcMac: m.srcMac, dstMac: m.dstMac, sock: m.sock,
                                        deviceAddress: identity.deviceAddress, deviceDescription: identity.description))
        case .registerAck(let m):
            return .registerAck(V3RegisterAck(cookie: m.cookie, dstMac: m.dstMac, srcMac: m.srcMac, sock: m.sock))
        case .queryPeer(let m):
            return .queryPeer(V3QueryPeer(srcMac: m.srcMac, targetMac: m.targetMac))
        case .packet, .registerSuperAck, .registerSuperNak, .peerInfo, .ignored:
            return nil
        }
    }

    public func encodeControl(_ message: Message, into buffer: UnsafeMutableRawBufferPointer, stamp: UInt64,
                              random: any RandomSource) throws -> Int {
        guard let v3 = translate(message) else { throw WireError.badVersion(CommonHeader.version) }
        return try encode(v3, into: buffer, stamp: stamp, random: random)
    }

    /// Encodes and (with -H) header-encrypts a v3 message (TTL 2, flags 0, our community).
    func encode(_ message: V3Message, into buffer: UnsafeMutableRawBufferPointer, stamp: UInt64,
                random: any RandomSource) throws -> Int {
        let length = try V3Codec.encode(V3CommonHeader(code: message.code, community: community), message, into: buffer)
        if let headerCipher {
            try headerCipher.encrypt(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length]), headerLength: length,
                                     stamp: stamp, random: random)
        }
        return length
    }
}

/// How a v3 edge picks its supernode among those that answered a PING (v3 spec 8.4).
public enum EdgeV3Selection: String, Sendable {
    case load, rtt, mac
}
