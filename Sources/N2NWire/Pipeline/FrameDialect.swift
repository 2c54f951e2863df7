/// A PACKET opened by a dialect's pipeline: who sent it, through whom, and the frame's length.
public struct OpenedFrame: Hashable, Sendable {
    public var srcMac: MACAddress
    public var dstMac: MACAddress
    /// The originator's public socket, when a supernode relayed it.
    public var sock: PeerSocket?
    public var fromSupernode: Bool
    public var length: Int

    public init(srcMac: MACAddress, dstMac: MACAddress, sock: PeerSocket?, fromSupernode: Bool, length: Int) {
        self.srcMac = srcMac
        self.dstMac = dstMac
        self.sock = sock
        self.fromSupernode = fromSupernode
        self.length = length
    }
}

/// What the data plane asks of a protocol version without knowing which: seal a frame into a
/// PACKET datagram, open a PACKET datagram (its header already decrypted) into a frame. Both write
/// into the caller's buffer and allocate nothing. `FramePipeline` is v2, `V3FramePipeline` v3.
public protocol FrameDialect: AnyObject {
    /// The packet version byte this pipeline speaks.
    var packetVersion: UInt8 { get }
    var frameCapacity: Int { get }
    /// Whether sealed datagrams are header-encrypted (then `seal` needs a stamp).
    var sealsEncryptedHeaders: Bool { get }
    func seal(frame: UnsafeRawBufferPointer, srcMac: MACAddress, into output: UnsafeMutableRawBufferPointer,
              stamp: UInt64, headerDstMac: MACAddress?) throws(PipelineError) -> Int
    /// Decodes the plain PACKET `datagram` and opens its payload into `output`.
    func openPacket(_ datagram: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(PipelineError) -> OpenedFrame
}

extension FramePipeline: FrameDialect {
    public var packetVersion: UInt8 { CommonHeader.version }
    public var sealsEncryptedHeaders: Bool { headerCipher != nil }

    public func openPacket(_ datagram: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(PipelineError) -> OpenedFrame {
        let decoded: DecodedPacket
        do { decoded = try WireCodec.decode(datagram) } catch { throw .wire(error) }
        guard case .packet(let header) = decoded.message else { throw .notAPacket(decoded.header.code.rawValue) }
        let length = try open(payload: UnsafeRawBufferPointer(rebasing: datagram[decoded.bodyEnd...]),
                              transform: header.transform, into: output)
        return OpenedFrame(srcMac: header.srcMac, dstMac: header.dstMac, sock: header.sock,
                           fromSupernode: decoded.header.flags.contains(.fromSupernode), length: length)
    }
}

extension V3FramePipeline: FrameDialect {
    public var packetVersion: UInt8 { V3CommonHeader.version }
    public var sealsEncryptedHeaders: Bool { headerCipher != nil }

    public func openPacket(_ datagram: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(PipelineError) -> OpenedFrame {
        let decoded: V3DecodedPacket
        do { decoded = try V3Codec.decode(datagram) } catch { throw .wire(error) }
        guard case .packet(let header) = decoded.message else { throw .notAPacket(decoded.header.code.rawValue) }
        let length = try open(payload: UnsafeRawBufferPointer(rebasing: datagram[decoded.bodyEnd...]),
                              compression: header.compression, transform: header.transform, into: output)
        return OpenedFrame(srcMac: header.srcMac, dstMac: header.dstMac, sock: header.sock,
                           fromSupernode: decoded.header.flags.contains(.fromSupernode), length: length)
    }
}
