import LinuxSystem
import N2NWire

/// The v3 data plane's wire (v3 spec 8.6, 8.7): `V3FramePipeline` for PACKETs, `V3HeaderCipher`
/// for -H, and every other message handed to the control channel as a `V3Message`.
public final class EdgeV3Wire: EdgeWireDialect {
    public let pipeline: V3FramePipeline
    let community: V3Community
    let headerCipher: V3HeaderCipher?
    var stamps = V3StampGenerator()

    public init(pipeline: V3FramePipeline) {
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
        let decoded: V3DecodedPacket
        do {
            decoded = try V3Codec.decode(UnsafeRawBufferPointer(datagram))
        } catch {
            return .dropped(DropReason(error))
        }
        guard decoded.header.community == community else { return .dropped(.otherCommunity) }
        let viaSupernode = decoded.header.flags.contains(.fromSupernode)
        guard case .packet(let header) = decoded.message else {
            control.controlMessageV3(decoded.message, viaSupernode: viaSupernode, source: source, stamp: stamp, now: now)
            return .control
        }
        return .packet(EdgeInboundPacket(srcMac: header.srcMac, dstMac: header.dstMac, sock: header.sock,
                                         fromSupernode: viaSupernode, payloadStart: decoded.bodyEnd,
                                         transform: UInt16(header.transform), compression: header.compression, stamp: stamp))
    }

    public func open(_ packet: EdgeInboundPacket, datagram: UnsafeRawBufferPointer,
                     into output: UnsafeMutableRawBufferPointer) throws(PipelineError) -> Int {
        try pipeline.open(payload: UnsafeRawBufferPointer(rebasing: datagram[packet.payloadStart...]),
                          compression: packet.compression, transform: UInt8(truncatingIfNeeded: packet.transform), into: output)
    }

    public func makeStamp(_ time: WallTime, random: any RandomSource) -> UInt64 { EdgeV3Stamps.next(&stamps, time) }

    public func verify(_ seal: HeaderSeal, now: UInt64, guard replay: inout ReplayGuard) -> DropReason? {
        EdgeV3Stamps.verify(seal, now: now, guard: &replay)
    }
}

/// v3 stamps (spec 5.3): microseconds plus a counter, ±16 s, 160 ms of re-ordering.
enum EdgeV3Stamps {
    static func next(_ generator: inout V3StampGenerator, _ time: WallTime) -> UInt64 {
        generator.next(unixSeconds: UInt64(truncatingIfNeeded: time.seconds),
                       microseconds: UInt64(UInt32(bitPattern: time.microseconds)))
    }

    static func verify(_ seal: HeaderSeal, now: UInt64, guard replay: inout ReplayGuard) -> DropReason? {
        do throws(HeaderCryptoError) {
            try V3Stamp.check(seal, now: now, slot: &replay, allowJitter: true)
            return nil
        } catch {
            return DropReason(error)
        }
    }
}
