import LinuxSystem
import N2NWire

/// A PACKET's header as the data plane needs it, whatever the wire version.
public struct EdgeInboundPacket {
    public var srcMac: MACAddress
    public var dstMac: MACAddress
    /// The originator's public socket, when a supernode relayed it.
    public var sock: PeerSocket?
    public var fromSupernode: Bool
    /// Where the payload starts in the datagram.
    public var payloadStart: Int
    /// The transform id and compression id as received (v2: from the 16-bit field, v3: two bytes).
    public var transform: UInt16
    public var compression: UInt8
    public var stamp: HeaderSeal?
}

/// What one receive did with a datagram.
public enum EdgeReceived {
    /// A PACKET of our community for the data plane.
    case packet(EdgeInboundPacket)
    /// Another message, handed to the control channel.
    case control
    case dropped(DropReason)
}

/// The stamp rules of one wire version's header encryption (v2 spec 4.3/4.6, v3 spec 5.3/5.7).
public protocol EdgeStampRules: AnyObject {
    /// A fresh header-encryption stamp (meaningful only with -H).
    func makeStamp(_ time: WallTime, random: any RandomSource) -> UInt64
    /// The replay check of one sender's slot; the drop reason on failure.
    func verify(_ seal: HeaderSeal, now: UInt64, guard replay: inout ReplayGuard) -> DropReason?
}

/// How the control plane puts its messages on the wire. The control plane's messages are v2's
/// `Message` values; a v3 wire translates them (adding what v3 carries beyond them).
public protocol EdgeControlWire: EdgeStampRules {
    /// Whether header encryption is on.
    var encryptsHeaders: Bool { get }
    /// Encodes (and with -H header-encrypts with `stamp`) a control message into `buffer`; its length.
    func encodeControl(_ message: Message, into buffer: UnsafeMutableRawBufferPointer, stamp: UInt64,
                       random: any RandomSource) throws -> Int
}

/// The wire version an edge's data plane speaks, chosen once at start-up (issue 15: a second
/// version is a second codec and control plane over the same data plane). Every worker holds an
/// instance of its own (cipher contexts and scratch are per thread). The data plane seals and
/// opens through `frames`, and leaves header decryption, decoding, community checks and the
/// control messages' hand-off to `receive`.
public protocol EdgeWireDialect: EdgeStampRules {
    var frames: any FrameDialect { get }
    /// Header-decrypts `datagram` in place (with -H) and decodes it: a PACKET of our community
    /// comes back; any other message of our community goes to `control`; the rest is a drop.
    func receive(_ datagram: UnsafeMutableRawBufferPointer, from source: PeerSocket, now: Int64,
                 control: any EdgeControlChannel) -> EdgeReceived
    /// Opens a received PACKET's payload into `output` (the frame length).
    func open(_ packet: EdgeInboundPacket, datagram: UnsafeRawBufferPointer,
              into output: UnsafeMutableRawBufferPointer) throws(PipelineError) -> Int
}

/// n2n 2.x (spec 2-5): the `FramePipeline` and `HeaderCipher` the edge has always used.
public final class EdgeV2Wire: EdgeWireDialect, EdgeV2StampRules {
    public let pipeline: FramePipeline
    let community: Community
    let headerCipher: HeaderCipher?

    public init(pipeline: FramePipeline) {
        self.pipeline = pipeline
        self.community = pipeline.community
        self.headerCipher = pipeline.headerCipher
    }

    public var frames: any FrameDialect { pipeline }

    public func receive(_ datagram: UnsafeMutableRawBufferPointer, from source: PeerSocket, now: Int64,
                        control: any EdgeControlChannel) -> EdgeReceived {
        var stamp: HeaderSeal?
        if let headerCipher {
            do {
                stamp = try headerCipher.decryptSealed(datagram).seal
            } catch {
                return .dropped(DropReason(error))
            }
        }
        let decoded: DecodedPacket
        do {
            decoded = try WireCodec.decode(UnsafeRawBufferPointer(datagram))
        } catch {
            return .dropped(DropReason(error))
        }
        guard decoded.header.community == community else { return .dropped(.otherCommunity) }
        let viaSupernode = decoded.header.flags.contains(.fromSupernode)
        guard case .packet(let header) = decoded.message else {
            control.controlMessage(decoded.message, viaSupernode: viaSupernode, source: source, stamp: stamp, now: now)
            return .control
        }
        return .packet(EdgeInboundPacket(srcMac: header.srcMac, dstMac: header.dstMac, sock: header.sock,
                                         fromSupernode: viaSupernode, payloadStart: decoded.bodyEnd,
                                         transform: header.transform.rawValue, compression: 0, stamp: stamp))
    }

    public func open(_ packet: EdgeInboundPacket, datagram: UnsafeRawBufferPointer,
                     into output: UnsafeMutableRawBufferPointer) throws(PipelineError) -> Int {
        try pipeline.open(payload: UnsafeRawBufferPointer(rebasing: datagram[packet.payloadStart...]),
                          transform: TransformField(rawValue: packet.transform), into: output)
    }
}

/// The v2 control plane's messages: `WireCodec` and the v2 `HeaderCipher` over the whole packet.
public final class EdgeV2ControlWire: EdgeControlWire, EdgeV2StampRules {
    let community: Community
    let headerCipher: HeaderCipher?

    public init(community: Community, headerEncryption: Bool) {
        self.community = community
        self.headerCipher = headerEncryption ? HeaderCipher(community: community) : nil
    }

    public var encryptsHeaders: Bool { headerCipher != nil }

    public func encodeControl(_ message: Message, into buffer: UnsafeMutableRawBufferPointer, stamp: UInt64,
                              random: any RandomSource) throws -> Int {
        let length = try WireCodec.encode(CommonHeader(code: message.code, community: community), message, into: buffer)
        if let headerCipher {
            try headerCipher.encrypt(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length]), headerLength: length,
                                     stamp: stamp, random: random)
        }
        return length
    }
}

/// v2's stamp rules (spec 4.3, 4.6), shared by the data plane's and the control plane's v2 wire.
public protocol EdgeV2StampRules: EdgeStampRules {}

extension EdgeV2StampRules {
    /// A fresh stamp for header encryption (spec 4.3), with 12 random bits.
    public func makeStamp(_ time: WallTime, random: any RandomSource) -> UInt64 {
        var r: UInt16 = 0
        withUnsafeMutableBytes(of: &r) { random.fill($0) }
        return EdgeReplayWindow.stamp(time, random12: r)
    }

    public func verify(_ seal: HeaderSeal, now: UInt64, guard replay: inout ReplayGuard) -> DropReason? {
        EdgeReplayWindow.verify(seal, now: now, guard: &replay)
    }
}
