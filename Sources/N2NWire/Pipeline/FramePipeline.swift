/// Why a frame could not be sealed or a PACKET payload opened.
public enum PipelineError: Error, Hashable, Sendable, CustomStringConvertible {
    case wire(WireError)
    case transform(TransformError)
    case header(HeaderCryptoError)
    /// The frame is shorter than an Ethernet header or longer than the frame limit.
    case badFrameLength(Int)
    /// `FrameDialect.openPacket` was given a datagram of another packet code.
    case notAPacket(UInt8)

    public var description: String {
        switch self {
        case .wire(let e): e.description
        case .transform(let e): e.description
        case .header(let e): e.description
        case .badFrameLength(let n): "invalid Ethernet frame length \(n)"
        case .notAPacket(let code): "packet code \(code) is not PACKET"
        }
    }

    public var counterName: String {
        switch self {
        case .wire(let e): e.counterName
        case .transform(let e): e.counterName
        case .header(let e): e.counterName
        case .badFrameLength: "bad_frame_length"
        case .notAPacket: "not_a_packet"
        }
    }
}

/// The data path of spec 3.2 for one edge: frame → compress → transform → PACKET header →
/// header encryption, and the payload half of the way back. Owns its scratch buffers, so one
/// instance belongs to one thread; nothing is allocated per frame.
public final class FramePipeline {
    public let community: Community
    public let transform: any PayloadTransform
    public let compression: CompressionID
    public let headerCipher: HeaderCipher?
    public let compressor: Compressor
    let random: any RandomSource
    /// Compressed frame (on send) or decrypted, still compressed payload (on receive).
    let scratch: UnsafeMutableRawBufferPointer

    /// Room a sealed datagram can need beyond the frame itself: the relayed PACKET header
    /// with an IPv6 sock plus the largest transform overhead (Twofish/AES block padding).
    public static let maxOverhead = 54 + 64

    /// The longest frame this pipeline seals or opens (at most the protocol's `maxFrameLength`).
    public let frameCapacity: Int

    public init(community: Community, transform: any PayloadTransform, compression: CompressionID = .none,
                headerEncryption: Bool = false, random: any RandomSource, frameCapacity: Int = maxFrameLength) {
        precondition(frameCapacity >= 14 && frameCapacity <= maxFrameLength, "frame capacity outside 14...\(maxFrameLength)")
        self.frameCapacity = frameCapacity
        self.community = community
        self.transform = transform
        self.compression = compression
        self.headerCipher = headerEncryption ? HeaderCipher(community: community) : nil
        self.compressor = Compressor(frameCapacity: frameCapacity)
        self.random = random
        scratch = .allocate(byteCount: frameCapacity + Self.maxOverhead, alignment: 16)
    }

    deinit { scratch.deallocate() }

    /// Seals an Ethernet frame as a PACKET from `srcMac` into `output`; returns the datagram length.
    /// `stamp` is the header-encryption time stamp (ignored without `-H`). `headerDstMac` overrides
    /// the header's destination (default: the frame's), e.g. to send a multicast frame to one peer.
    public func seal(frame: UnsafeRawBufferPointer, srcMac: MACAddress, into output: UnsafeMutableRawBufferPointer,
                     stamp: UInt64 = 0, headerDstMac: MACAddress? = nil) throws(PipelineError) -> Int {
        guard frame.count >= 14, frame.count <= frameCapacity else { throw .badFrameLength(frame.count) }
        let (plaintext, compressionUsed) = compressor.compressIfShorter(frame, using: compression, scratch: scratch)
        let header = PacketHeader(srcMac: srcMac, dstMac: headerDstMac ?? MACAddress(loadingFrom: frame, at: 0),
                                  transform: TransformField(transform: transform.id, compression: compressionUsed))
        let headerLength: Int
        do {
            headerLength = try WireCodec.encode(CommonHeader(code: .packet, community: community), .packet(header), into: output)
        } catch { throw .wire(error) }
        let payloadLength: Int
        do {
            payloadLength = try transform.encode(plaintext, into: UnsafeMutableRawBufferPointer(rebasing: output[headerLength...]))
        } catch { throw .transform(error) }
        let total = headerLength + payloadLength
        if let headerCipher {
            do {
                try headerCipher.encrypt(UnsafeMutableRawBufferPointer(rebasing: output[..<total]),
                                         headerLength: headerLength, stamp: stamp, random: random)
            } catch { throw .header(error) }
        }
        return total
    }

    /// Decrypts and decompresses a received PACKET payload into `output`; returns the frame length.
    /// The transform id must be ours (spec 2.1), the compression id known (spec 3.3); a failure is a
    /// drop, never a frame (spec 10.1 item 7).
    public func open(payload: UnsafeRawBufferPointer, transform field: TransformField,
                     into output: UnsafeMutableRawBufferPointer) throws(PipelineError) -> Int {
        guard field.transformID == transform.id.rawValue else {
            throw .transform(.wrongTransform(received: field.transformID, expected: transform.id.rawValue))
        }
        guard let compressionUsed = CompressionID(rawValue: field.compressionID) else {
            throw .transform(.unsupportedCompression(field.compressionID))
        }
        return try compressor.openPayload(payload, transform: transform, compression: compressionUsed, scratch: scratch, into: output)
    }
}

extension Compressor {
    /// The sender's rule (spec 3.2, v3 spec 4.1): the frame compressed into `scratch` when that is
    /// strictly shorter, else the frame itself with `.none`.
    func compressIfShorter(_ frame: UnsafeRawBufferPointer, using compression: CompressionID,
                           scratch: UnsafeMutableRawBufferPointer) -> (UnsafeRawBufferPointer, CompressionID) {
        guard compression != .none, let n = compress(frame, into: scratch, using: compression) else { return (frame, .none) }
        return (UnsafeRawBufferPointer(rebasing: scratch[..<n]), compression)
    }

    /// The receiver's half: the transform undone (through `scratch` when compressed), then
    /// decompression into `output`; anything shorter than an Ethernet header is a drop.
    func openPayload(_ payload: UnsafeRawBufferPointer, transform: any PayloadTransform, compression: CompressionID,
                     scratch: UnsafeMutableRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(PipelineError) -> Int {
        let length: Int
        do {
            if compression == .none {
                length = try transform.decode(payload, into: output)
            } else {
                let n = try transform.decode(payload, into: scratch)
                length = try decompress(UnsafeRawBufferPointer(rebasing: scratch[..<n]), into: output, id: compression.rawValue)
            }
        } catch { throw .transform(error) }
        guard length >= 14 else { throw .badFrameLength(length) }
        return length
    }
}
