/// `struct virtio_net_hdr` (10 bytes) or `virtio_net_hdr_mrg_rxbuf` (12 bytes, with num_buffers), as a
/// TAP opened with IFF_VNET_HDR prefixes every frame. Fields are little-endian (the TAP's default
/// virtio endianness on x86; TUNSETVNETBE is never used).
public struct VirtioNetHeader: Equatable, Sendable {
    public enum GSOType: UInt8, Sendable {
        case none = 0
        case tcpv4 = 1
        /// UFO (obsolete): parsed so it can be named in an error, never produced or segmented.
        case udp = 3
        case tcpv6 = 4
        /// USO (UDP_L4): UDP datagrams of gso_size each.
        case udpL4 = 5
    }

    public static let size = 10
    public static let sizeWithBuffers = 12

    /// VIRTIO_NET_HDR_F_NEEDS_CSUM: the L4 checksum holds only the pseudo-header sum.
    public static let needsChecksum: UInt8 = 1
    /// VIRTIO_NET_HDR_F_DATA_VALID: the checksums were verified.
    public static let dataValid: UInt8 = 2
    /// VIRTIO_NET_HDR_GSO_ECN, or-ed into gso_type.
    public static let ecnBit: UInt8 = 0x80

    public var flags: UInt8
    public var gsoType: GSOType
    /// The sender set CWR in the super-frame (TSO_ECN): it stays on the first segment only.
    public var ecn: Bool
    public var headerLength: UInt16
    public var gsoSize: UInt16
    public var checksumStart: UInt16
    public var checksumOffset: UInt16
    /// Only in the 12-byte form; 0 otherwise.
    public var numBuffers: UInt16

    public init(flags: UInt8 = 0, gsoType: GSOType = .none, ecn: Bool = false, headerLength: UInt16 = 0,
                gsoSize: UInt16 = 0, checksumStart: UInt16 = 0, checksumOffset: UInt16 = 0, numBuffers: UInt16 = 0) {
        self.flags = flags
        self.gsoType = gsoType
        self.ecn = ecn
        self.headerLength = headerLength
        self.gsoSize = gsoSize
        self.checksumStart = checksumStart
        self.checksumOffset = checksumOffset
        self.numBuffers = numBuffers
    }

    public var needsChecksum: Bool { flags & Self.needsChecksum != 0 }

    /// Parses the first `size` (10 or 12) bytes of `bytes`. Checks the header on its own; `validate(frameLength:)`
    /// checks it against the frame that follows.
    public init(parsing bytes: UnsafeRawBufferPointer, size: Int = VirtioNetHeader.size) throws(OffloadError) {
        guard size == Self.size || size == Self.sizeWithBuffers else { throw .badVirtioHeaderSize(size) }
        guard bytes.count >= size else { throw .truncatedVirtioHeader(length: bytes.count) }
        let flags = bytes[0]
        // RSC_INFO (4) and anything newer means a header layout we do not read.
        guard flags & ~(Self.needsChecksum | Self.dataValid) == 0 else { throw .unknownVirtioFlags(flags) }
        let rawType = bytes[1] & ~Self.ecnBit
        guard let type = GSOType(rawValue: rawType) else { throw .unknownGSOType(bytes[1]) }
        self.init(flags: flags, gsoType: type, ecn: bytes[1] & Self.ecnBit != 0,
                  headerLength: bytes.le16(2), gsoSize: bytes.le16(4),
                  checksumStart: bytes.le16(6), checksumOffset: bytes.le16(8),
                  numBuffers: size == Self.sizeWithBuffers ? bytes.le16(10) : 0)
        if type == .none && ecn { throw .unknownGSOType(bytes[1]) }
    }

    /// Checks the header against the `frameLength` bytes of frame after it: a GSO type needs a gso_size,
    /// a checksum request must point inside the frame.
    public func validate(frameLength: Int) throws(OffloadError) {
        if gsoType == .udp { throw .unsupportedGSOType(gsoType.rawValue) }
        if gsoType != .none {
            guard gsoSize > 0 else { throw .zeroGSOSize }
            guard Int(headerLength) <= frameLength else {
                throw .headerLengthMismatch(declared: Int(headerLength), actual: frameLength)
            }
        }
        if needsChecksum {
            let start = Int(checksumStart), offset = Int(checksumOffset)
            guard start + offset + 2 <= frameLength else {
                throw .checksumFieldOutsideFrame(start: start, offset: offset, frameLength: frameLength)
            }
        }
    }

    /// Writes the header into the first `size` bytes of `bytes` (which must hold them).
    public func write(to bytes: UnsafeMutableRawBufferPointer, size: Int = VirtioNetHeader.size) {
        precondition(size == Self.size || size == Self.sizeWithBuffers, "virtio-net header size is 10 or 12")
        precondition(bytes.count >= size, "buffer too small for a virtio-net header")
        bytes[0] = flags
        bytes[1] = gsoType.rawValue | (ecn ? Self.ecnBit : 0)
        bytes.storeLE16(headerLength, at: 2)
        bytes.storeLE16(gsoSize, at: 4)
        bytes.storeLE16(checksumStart, at: 6)
        bytes.storeLE16(checksumOffset, at: 8)
        if size == Self.sizeWithBuffers { bytes.storeLE16(numBuffers, at: 10) }
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always) func le16(_ offset: Int) -> UInt16 { UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 }
    @inline(__always) func be16(_ offset: Int) -> UInt16 { UInt16(self[offset]) << 8 | UInt16(self[offset + 1]) }
    @inline(__always) func be32(_ offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always) func storeLE16(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }
    @inline(__always) func storeBE16(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: value)
    }
    @inline(__always) func storeBE32(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 24)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
        self[offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 3] = UInt8(truncatingIfNeeded: value)
    }
    @inline(__always) func be16(_ offset: Int) -> UInt16 { UInt16(self[offset]) << 8 | UInt16(self[offset + 1]) }
    @inline(__always) func be32(_ offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }
}
