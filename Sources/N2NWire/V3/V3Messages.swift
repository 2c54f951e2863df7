/// A TAP address and prefix length as v3 registrations carry it (spec 1.1 `ip_subnet`).
public struct V3DeviceAddress: Hashable, Sendable {
    /// a.b.c.d as (a << 24 | b << 16 | c << 8 | d); 0 = none yet / "please assign one".
    public var address: UInt32
    public var prefixLength: UInt8

    public init(address: UInt32 = 0, prefixLength: UInt8 = 0) {
        self.address = address
        self.prefixLength = prefixLength
    }

    public static let none = V3DeviceAddress()
}

/// An auth block: u16 scheme, u16 token size, token (spec 1.1, 6.1).
public struct V3Auth: Hashable, Sendable {
    public static let schemeNone: UInt16 = 0
    public static let schemeSimpleID: UInt16 = 1
    public static let schemeUserPassword: UInt16 = 2

    public var scheme: UInt16
    /// At most 48 bytes by construction (stock receivers copy into 48).
    public var token: WireBytes

    public init(scheme: UInt16, token: WireBytes) {
        self.scheme = scheme
        self.token = token
    }

    /// Scheme 0, no token: the answer to a simple-ID registration.
    public static let none = V3Auth(scheme: 0, token: WireBytes())

    var encodedLength: Int { 4 + token.count }
}

/// The width of v3's fixed text fields.
public enum V3FieldWidth {
    public static let description = 16
    public static let version = 20
}

/// REGISTER (pc 1, spec 1.4.1).
public struct V3Register: Hashable, Sendable {
    /// Cookies are path indicators: the larger, the more local (spec 1.4.1).
    public static let forwardedCookie: UInt32 = 0x0000_1000
    public static let portCookie: UInt32 = 0x0000_4000
    public static let regularCookie: UInt32 = 0x0001_0000
    public static let multicastCookie: UInt32 = 0x0040_0000
    public static let localCookie: UInt32 = 0x0100_0000

    public var cookie: UInt32
    public var srcMac: MACAddress
    /// All-zero: multicast discovery.
    public var dstMac: MACAddress
    /// Present iff SOCKET; only a supernode adds it.
    public var sock: PeerSocket?
    public var deviceAddress: V3DeviceAddress
    /// 16 bytes, NUL-padded.
    public var deviceDescription: WireBytes

    public init(cookie: UInt32 = V3Register.regularCookie, srcMac: MACAddress, dstMac: MACAddress, sock: PeerSocket? = nil,
                deviceAddress: V3DeviceAddress = .none, deviceDescription: String = "") {
        self.cookie = cookie
        self.srcMac = srcMac
        self.dstMac = dstMac
        self.sock = sock
        self.deviceAddress = deviceAddress
        self.deviceDescription = WireBytes(padding: deviceDescription, to: V3FieldWidth.description)
    }
}

/// REGISTER_ACK (pc 4, spec 1.4.2): destination MAC first.
public struct V3RegisterAck: Hashable, Sendable {
    public var cookie: UInt32
    public var dstMac: MACAddress
    public var srcMac: MACAddress
    public var sock: PeerSocket?

    public init(cookie: UInt32, dstMac: MACAddress, srcMac: MACAddress, sock: PeerSocket? = nil) {
        self.cookie = cookie
        self.dstMac = dstMac
        self.srcMac = srcMac
        self.sock = sock
    }
}

/// PACKET (pc 3, spec 1.4.3) up to the transform byte; the payload follows `headerLength` bytes.
public struct V3PacketHeader: Hashable, Sendable {
    public var srcMac: MACAddress
    public var dstMac: MACAddress
    /// Added by a supernode: the originator's public socket.
    public var sock: PeerSocket?
    /// 1 none, 2 LZO1X, 3 ZSTD; anything else is dropped by receivers (spec 4).
    public var compression: UInt8
    /// 1 null, 2 Twofish, 3 AES, 4 ChaCha20, 5 Speck.
    public var transform: UInt8

    public init(srcMac: MACAddress, dstMac: MACAddress, sock: PeerSocket? = nil, compression: UInt8 = 1, transform: UInt8) {
        self.srcMac = srcMac
        self.dstMac = dstMac
        self.sock = sock
        self.compression = compression
        self.transform = transform
    }

    /// 38, 46 (IPv4 sock) or 58 (IPv6 sock).
    public var headerLength: Int { V3CommonHeader.size + 12 + (sock?.encodedLength ?? 0) + 2 }
}

/// REGISTER_SUPER (pc 5, spec 1.4.4).
public struct V3RegisterSuper: Hashable, Sendable {
    public var cookie: UInt32
    /// All-zero during IP bootstrap; a supernode's own MAC in SN→SN registrations.
    public var edgeMac: MACAddress
    /// From an edge: its preferred local socket; from a forwarding supernode: the edge's public one.
    public var sock: PeerSocket?
    public var deviceAddress: V3DeviceAddress
    public var deviceDescription: WireBytes
    public var auth: V3Auth
    /// 0 from edges; the dynamic-key time between supernodes.
    public var keyTime: UInt32

    public init(cookie: UInt32, edgeMac: MACAddress, sock: PeerSocket? = nil, deviceAddress: V3DeviceAddress = .none,
                deviceDescription: String = "", auth: V3Auth, keyTime: UInt32 = 0) {
        self.cookie = cookie
        self.edgeMac = edgeMac
        self.sock = sock
        self.deviceAddress = deviceAddress
        self.deviceDescription = WireBytes(padding: deviceDescription, to: V3FieldWidth.description)
        self.auth = auth
        self.keyTime = keyTime
    }
}

/// UNREGISTER_SUPER (pc 6, spec 1.4.5): the auth block comes before the MAC.
public struct V3UnregisterSuper: Hashable, Sendable {
    public var auth: V3Auth
    public var srcMac: MACAddress

    public init(auth: V3Auth, srcMac: MACAddress) {
        self.auth = auth
        self.srcMac = srcMac
    }
}

/// One entry of REGISTER_SUPER_ACK's supernode list (spec 1.4.6): a raw 26-byte memory dump of
/// the C structs, with the address family in the sender's OS numbering and the port in
/// little-endian order (spec 0.1).
public struct V3SupernodeEntry: Hashable, Sendable {
    public static let size = 26
    /// AF_INET everywhere; AF_INET6 as Linux numbers it (macOS: 30, Windows: 23).
    public static let familyIPv4: UInt8 = 2
    public static let familyIPv6: UInt8 = 10

    public var sock: PeerSocket
    public var mac: MACAddress

    public init(sock: PeerSocket, mac: MACAddress) {
        self.sock = sock
        self.mac = mac
    }
}

/// REGISTER_SUPER_ACK (pc 7, spec 1.4.6).
public struct V3RegisterSuperAck: Hashable, Sendable {
    public static let defaultLifetime: UInt16 = 15
    /// What the stock sender puts at most, and what its receivers can hold (spec 13.1 item 2).
    public static let maxSupernodes = 44

    public var cookie: UInt32
    /// The supernode's MAC.
    public var srcMac: MACAddress
    /// The TAP address assigned to the edge, or none.
    public var deviceAddress: V3DeviceAddress
    public var lifetime: UInt16
    /// The registrant's public socket (unconditional).
    public var sock: PeerSocket
    public var auth: V3Auth
    /// At most `maxSupernodes`; the encoder refuses more.
    public var supernodes: [V3SupernodeEntry]
    public var keyTime: UInt32

    public init(cookie: UInt32, srcMac: MACAddress, deviceAddress: V3DeviceAddress = .none,
                lifetime: UInt16 = V3RegisterSuperAck.defaultLifetime, sock: PeerSocket, auth: V3Auth = .none,
                supernodes: [V3SupernodeEntry] = [], keyTime: UInt32 = 0) {
        self.cookie = cookie
        self.srcMac = srcMac
        self.deviceAddress = deviceAddress
        self.lifetime = lifetime
        self.sock = sock
        self.auth = auth
        self.supernodes = supernodes
        self.keyTime = keyTime
    }
}

/// REGISTER_SUPER_NAK (pc 8, spec 1.4.7): flagged SOCKET by supernodes, yet without a sock.
public struct V3RegisterSuperNak: Hashable, Sendable {
    public var cookie: UInt32
    /// The refused edge.
    public var srcMac: MACAddress
    public var auth: V3Auth

    public init(cookie: UInt32, srcMac: MACAddress, auth: V3Auth = .none) {
        self.cookie = cookie
        self.srcMac = srcMac
        self.auth = auth
    }
}

/// PEER_INFO (pc 10, spec 1.4.8); a PONG when `mac` is all-zero.
public struct V3PeerInfo: Hashable, Sendable {
    public var aflags: UInt16
    /// The asking edge (answer) or the supernode (PONG).
    public var srcMac: MACAddress
    /// The edge asked about; all-zero in a PONG.
    public var mac: MACAddress
    public var sock: PeerSocket
    /// Present iff SOCKET: `mac`'s advertised local socket.
    public var preferredSock: PeerSocket?
    /// Read and written little-endian, as stock edges read it (spec 0.1); 3.1.1 supernodes send 0.
    public var load: UInt32
    public var uptime: UInt32
    /// 20 bytes, NUL-padded.
    public var version: WireBytes

    public init(aflags: UInt16 = 0, srcMac: MACAddress, mac: MACAddress, sock: PeerSocket, preferredSock: PeerSocket? = nil,
                load: UInt32 = 0, uptime: UInt32 = 0, version: String = "") {
        self.aflags = aflags
        self.srcMac = srcMac
        self.mac = mac
        self.sock = sock
        self.preferredSock = preferredSock
        self.load = load
        self.uptime = uptime
        self.version = WireBytes(padding: version, to: V3FieldWidth.version)
    }

    public var isPong: Bool { mac.isZero }
}

/// QUERY_PEER (pc 11, spec 1.4.9); a PING when `targetMac` is all-zero.
public struct V3QueryPeer: Hashable, Sendable {
    public var srcMac: MACAddress
    public var targetMac: MACAddress
    public var aflags: UInt16

    public init(srcMac: MACAddress, targetMac: MACAddress, aflags: UInt16 = 0) {
        self.srcMac = srcMac
        self.targetMac = targetMac
        self.aflags = aflags
    }

    public var isPing: Bool { targetMac.isZero }
}

/// Every v3 message. PING, DEREGISTER, FEDERATION and unknown codes are carried as `.ignored`.
public enum V3Message: Hashable, Sendable {
    case register(V3Register)
    case registerAck(V3RegisterAck)
    case packet(V3PacketHeader)
    case registerSuper(V3RegisterSuper)
    case unregisterSuper(V3UnregisterSuper)
    case registerSuperAck(V3RegisterSuperAck)
    case registerSuperNak(V3RegisterSuperNak)
    case peerInfo(V3PeerInfo)
    case queryPeer(V3QueryPeer)
    /// Header only (spec 1.4.10).
    case reRegisterSuper
    case ignored(V3PacketCode)

    public var code: V3PacketCode {
        switch self {
        case .register: .register
        case .registerAck: .registerAck
        case .packet: .packet
        case .registerSuper: .registerSuper
        case .unregisterSuper: .unregisterSuper
        case .registerSuperAck: .registerSuperAck
        case .registerSuperNak: .registerSuperNak
        case .peerInfo: .peerInfo
        case .queryPeer: .queryPeer
        case .reRegisterSuper: .reRegisterSuper
        case .ignored(let code): code
        }
    }
}

/// A decoded v3 datagram; for PACKET `bodyEnd` is where the payload starts.
public struct V3DecodedPacket: Hashable, Sendable {
    public var header: V3CommonHeader
    public var message: V3Message
    public var bodyEnd: Int

    public init(header: V3CommonHeader, message: V3Message, bodyEnd: Int) {
        self.header = header
        self.message = message
        self.bodyEnd = bodyEnd
    }
}
