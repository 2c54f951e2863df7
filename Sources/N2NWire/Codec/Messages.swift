/// REGISTER (pc 1, spec 1.4.1). dstMac all-zero means a local-discovery registration.
public struct Register: Hashable, Sendable {
    /// 2.x edges always send 123456789.
    public static let standardCookie: UInt32 = 0x075B_CD15
    public var cookie: UInt32
    public var srcMac: MACAddress
    public var dstMac: MACAddress
    /// Present iff the SOCKET flag is set; only a supernode adds it.
    public var sock: PeerSocket?

    public init(cookie: UInt32 = Register.standardCookie, srcMac: MACAddress, dstMac: MACAddress, sock: PeerSocket? = nil) {
        self.cookie = cookie
        self.srcMac = srcMac
        self.dstMac = dstMac
        self.sock = sock
    }
}

/// REGISTER_ACK (pc 4, spec 1.4.2). On the wire dstMac comes before srcMac.
public struct RegisterAck: Hashable, Sendable {
    public var cookie: UInt32
    /// The edge that sent the REGISTER being acknowledged.
    public var dstMac: MACAddress
    /// The acknowledging edge.
    public var srcMac: MACAddress
    public var sock: PeerSocket?

    public init(cookie: UInt32, dstMac: MACAddress, srcMac: MACAddress, sock: PeerSocket? = nil) {
        self.cookie = cookie
        self.dstMac = dstMac
        self.srcMac = srcMac
        self.sock = sock
    }
}

/// The PACKET (pc 3) header up to and including the transform field (spec 1.4.3).
/// The payload is everything after `headerLength` bytes of the datagram.
public struct PacketHeader: Hashable, Sendable {
    public var srcMac: MACAddress
    public var dstMac: MACAddress
    public var sock: PeerSocket?
    public var transform: TransformField

    public init(srcMac: MACAddress, dstMac: MACAddress, sock: PeerSocket? = nil, transform: TransformField) {
        self.srcMac = srcMac
        self.dstMac = dstMac
        self.sock = sock
        self.transform = transform
    }

    /// Bytes from the start of the datagram to the first payload byte: 34, 42 (IPv4 sock) or 54.
    public var headerLength: Int { CommonHeader.size + 12 + (sock?.encodedLength ?? 0) + 2 }
}

/// REGISTER_SUPER (pc 5, spec 1.4.4).
public struct RegisterSuper: Hashable, Sendable {
    /// Longest auth token accepted (spec 10.1 item 1: the reference overflows a 32-byte buffer).
    public static let maxAuthTokenLength = 32

    public var cookie: UInt32
    public var edgeMac: MACAddress
    public var authScheme: UInt16
    /// Token length on the wire; the bytes themselves are skipped (no 2.x sender uses a token).
    public var authTokenLength: UInt16

    public init(cookie: UInt32, edgeMac: MACAddress, authScheme: UInt16 = 0, authTokenLength: UInt16 = 0) {
        self.cookie = cookie
        self.edgeMac = edgeMac
        self.authScheme = authScheme
        self.authTokenLength = authTokenLength
    }
}

/// REGISTER_SUPER_ACK (pc 6, spec 1.4.5). The sock is mandatory whatever the flags say.
public struct RegisterSuperAck: Hashable, Sendable {
    public static let defaultLifetime: UInt16 = 15

    public var cookie: UInt32
    public var edgeMac: MACAddress
    public var lifetime: UInt16
    /// The edge's public socket as the supernode saw it.
    public var sock: PeerSocket
    /// num_sn as sent; only the first backup supernode is parsed.
    public var backupCount: UInt8
    public var backupSupernode: PeerSocket?

    public init(cookie: UInt32, edgeMac: MACAddress, lifetime: UInt16 = RegisterSuperAck.defaultLifetime,
                sock: PeerSocket, backupCount: UInt8 = 0, backupSupernode: PeerSocket? = nil) {
        self.cookie = cookie
        self.edgeMac = edgeMac
        self.lifetime = lifetime
        self.sock = sock
        self.backupCount = backupCount
        self.backupSupernode = backupSupernode
    }
}

/// REGISTER_SUPER_NAK (pc 7, spec 1.4.6): the REGISTER_SUPER's cookie, echoed. No 2.x program sends
/// it and 2.x edges ignore it; our supernode sends it to edges of a community its `-c` list refuses,
/// so that our edges can say why they get no ACK.
public struct RegisterSuperNak: Hashable, Sendable {
    public var cookie: UInt32

    public init(cookie: UInt32) { self.cookie = cookie }
}

/// PEER_INFO (pc 9, spec 1.4.7). Sent with FROM_SUPERNODE only, although the sock is present.
public struct PeerInfo: Hashable, Sendable {
    public var aflags: UInt16
    public var mac: MACAddress
    public var sock: PeerSocket

    public init(aflags: UInt16 = 0, mac: MACAddress, sock: PeerSocket) {
        self.aflags = aflags
        self.mac = mac
        self.sock = sock
    }
}

/// QUERY_PEER (pc 10, spec 1.4.8).
public struct QueryPeer: Hashable, Sendable {
    public var srcMac: MACAddress
    public var targetMac: MACAddress

    public init(srcMac: MACAddress, targetMac: MACAddress) {
        self.srcMac = srcMac
        self.targetMac = targetMac
    }
}

/// Every message body a 2.x peer can send. PING, DEREGISTER, FEDERATION and unknown codes are
/// recognised and carried as `.ignored` (spec 1.2.2, 1.4.9).
public enum Message: Hashable, Sendable {
    case register(Register)
    case registerAck(RegisterAck)
    case packet(PacketHeader)
    case registerSuper(RegisterSuper)
    case registerSuperAck(RegisterSuperAck)
    case registerSuperNak(RegisterSuperNak)
    case peerInfo(PeerInfo)
    case queryPeer(QueryPeer)
    case ignored(PacketCode)

    public var code: PacketCode {
        switch self {
        case .register: .register
        case .registerAck: .registerAck
        case .packet: .packet
        case .registerSuper: .registerSuper
        case .registerSuperAck: .registerSuperAck
        case .registerSuperNak: .registerSuperNak
        case .peerInfo: .peerInfo
        case .queryPeer: .queryPeer
        case .ignored(let code): code
        }
    }
}

/// A decoded datagram: its common header, its body and, for PACKET, where the payload starts.
public struct DecodedPacket: Hashable, Sendable {
    public var header: CommonHeader
    public var message: Message
    /// Offset of the first byte after the decoded body (for PACKET: the payload).
    public var bodyEnd: Int

    public init(header: CommonHeader, message: Message, bodyEnd: Int) {
        self.header = header
        self.message = message
        self.bodyEnd = bodyEnd
    }
}
