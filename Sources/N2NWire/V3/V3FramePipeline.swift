/// The v3 data path for one edge (v3 spec 4.1 order): frame → compress → transform → PACKET
/// header → header encryption, and the payload half of the way back. The shape of v2's
/// `FramePipeline`: it owns its scratch buffer, belongs to one thread and allocates nothing per frame.
public final class V3FramePipeline {
    public let community: V3Community
    public let transform: any PayloadTransform
    public let compression: CompressionID
    /// The key set PACKETs are sealed with: the dynamic one (= static outside user/password communities).
    public let headerCipher: V3HeaderCipher?
    /// User/password communities also encrypt the payload's first 16 bytes (the IV, spec 5.6).
    public let hidesPayloadIV: Bool
    public let compressor: Compressor
    let random: any RandomSource
    let scratch: UnsafeMutableRawBufferPointer

    /// A relayed PACKET header with an IPv6 sock (58) plus the 16-byte random block or IV.
    public static let maxOverhead = 58 + 16

    public let frameCapacity: Int

    public init(community: V3Community, transform: any PayloadTransform, compression: CompressionID = .none,
                headerKeys: V3HeaderKeys? = nil, hidesPayloadIV: Bool = false, random: any RandomSource,
                frameCapacity: Int = maxFrameLength) {
        precondition(frameCapacity >= 14 && frameCapacity <= maxFrameLength, "frame capacity outside 14...\(maxFrameLength)")
        self.community = community
        self.transform = transform
        self.compression = compression
        self.headerCipher = headerKeys.map(V3HeaderCipher.init(keys:))
        self.hidesPayloadIV = hidesPayloadIV
        self.compressor = Compressor(frameCapacity: frameCapacity)
        self.random = random
        self.frameCapacity = frameCapacity
        scratch = .allocate(byteCount: frameCapacity + Self.maxOverhead, alignment: 16)
    }

    deinit { scratch.deallocate() }

    /// Seals an Ethernet frame as a PACKET from `srcMac` into `output`; returns the datagram length.
    /// `stamp` is the header-encryption stamp (`V3StampGenerator`; ignored without keys).
    public func seal(frame: UnsafeRawBufferPointer, srcMac: MACAddress, into output: UnsafeMutableRawBufferPointer,
                     stamp: UInt64 = 0, headerDstMac: MACAddress? = nil) throws(PipelineError) -> Int {
        guard frame.count >= 14, frame.count <= frameCapacity else { throw .badFrameLength(frame.count) }
        let (plaintext, compressionUsed) = compressor.compressIfShorter(frame, using: compression, scratch: scratch)
        let header = V3PacketHeader(srcMac: srcMac, dstMac: headerDstMac ?? MACAddress(loadingFrom: frame, at: 0),
                                    compression: compressionUsed.v3Byte, transform: UInt8(transform.id.rawValue))
        let headerLength: Int
        do {
            headerLength = try V3Codec.encode(V3CommonHeader(code: .packet, community: community), .packet(header), into: output)
        } catch { throw .wire(error) }
        let payloadLength: Int
        do {
            payloadLength = try transform.encode(plaintext, into: UnsafeMutableRawBufferPointer(rebasing: output[headerLength...]))
        } catch { throw .transform(error) }
        let total = headerLength + payloadLength
        if let headerCipher {
            let encrypted = headerLength + (hidesPayloadIV ? min(16, payloadLength) : 0)
            do {
                try headerCipher.encrypt(UnsafeMutableRawBufferPointer(rebasing: output[..<total]),
                                         headerLength: encrypted, stamp: stamp, random: random)
            } catch { throw .header(error) }
        }
        return total
    }

    /// Decrypts and decompresses a received PACKET payload into `output`; returns the frame length.
    /// The transform byte must be ours and the compression byte 1, 2 or 3 (spec 3.1, 4.2).
    public func open(payload: UnsafeRawBufferPointer, compression: UInt8, transform id: UInt8,
                     into output: UnsafeMutableRawBufferPointer) throws(PipelineError) -> Int {
        guard UInt16(id) == transform.id.rawValue else {
            throw .transform(.wrongTransform(received: UInt16(id), expected: transform.id.rawValue))
        }
        guard let compressionUsed = CompressionID(v3Byte: compression) else {
            throw .transform(.unsupportedCompression(compression))
        }
        return try compressor.openPayload(payload, transform: transform, compression: compressionUsed, scratch: scratch, into: output)
    }
}
