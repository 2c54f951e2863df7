/// A bounds-checked cursor over a received datagram. Every read names its field, so a short
/// datagram becomes `WireError.truncated(field, …)` instead of a silently zeroed value (spec 1.5, 10.1).
@usableFromInline
struct WireReader {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline var offset: Int

    @inlinable
    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    @inlinable
    mutating func need(_ count: Int, _ field: WireField) throws(WireError) {
        if bytes.count - offset < count {
            throw .truncated(field, needed: offset + count, available: bytes.count)
        }
    }

    @inlinable
    mutating func u8(_ field: WireField) throws(WireError) -> UInt8 {
        try need(1, field)
        defer { offset += 1 }
        return bytes[offset]
    }

    @inlinable
    mutating func u16(_ field: WireField) throws(WireError) -> UInt16 {
        try need(2, field)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    @inlinable
    mutating func u32(_ field: WireField) throws(WireError) -> UInt32 {
        try need(4, field)
        defer { offset += 4 }
        return UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable
    mutating func mac(_ field: WireField) throws(WireError) -> MACAddress {
        try need(6, field)
        defer { offset += 6 }
        return MACAddress(loadingFrom: bytes, at: offset)
    }

    @inlinable
    mutating func skip(_ count: Int, _ field: WireField) throws(WireError) {
        try need(count, field)
        offset += count
    }

    /// A sock field (spec 1.3): the family word's bit 15 selects IPv6 (20 bytes) over IPv4 (8 bytes).
    @inlinable
    mutating func sock(_ field: WireField = .sock) throws(WireError) -> PeerSocket {
        // Without the family word the shorter (IPv4) form is what is reported missing.
        if bytes.count - offset < 2 { try need(8, field) }
        let isV6 = bytes[offset] & 0x80 != 0
        try need(isV6 ? 20 : 8, field)
        let port = UInt16(bytes[offset + 2]) << 8 | UInt16(bytes[offset + 3])
        let base = offset + 4
        let address: IPAddress
        if isV6 {
            address = .v6(UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: base, as: UInt64.self)),
                          UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: base + 8, as: UInt64.self)))
            offset += 20
        } else {
            address = .v4(UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: base, as: UInt32.self)))
            offset += 8
        }
        return PeerSocket(address: address, port: port)
    }
}

/// A bounds-checked cursor for encoding into a caller's buffer.
@usableFromInline
struct WireWriter {
    @usableFromInline let bytes: UnsafeMutableRawBufferPointer
    @usableFromInline var offset: Int

    @inlinable
    init(_ bytes: UnsafeMutableRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    @inlinable
    func ensure(_ total: Int) throws(WireError) {
        if bytes.count < total { throw .bufferTooSmall(needed: total, available: bytes.count) }
    }

    @inlinable
    mutating func u8(_ v: UInt8) {
        bytes[offset] = v
        offset += 1
    }

    @inlinable
    mutating func u16(_ v: UInt16) {
        bytes[offset] = UInt8(v >> 8)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: v)
        offset += 2
    }

    @inlinable
    mutating func u32(_ v: UInt32) {
        bytes.storeBytes(of: v.bigEndian, toByteOffset: offset, as: UInt32.self)
        offset += 4
    }

    @inlinable
    mutating func mac(_ m: MACAddress) {
        m.store(to: bytes, at: offset)
        offset += 6
    }

    @inlinable
    mutating func sock(_ s: PeerSocket) {
        switch s.address {
        case .v4(let a):
            u16(0x0000)
            u16(s.port)
            u32(a)
        case .v6(let hi, let lo):
            u16(0x8000)
            u16(s.port)
            bytes.storeBytes(of: hi.bigEndian, toByteOffset: offset, as: UInt64.self)
            bytes.storeBytes(of: lo.bigEndian, toByteOffset: offset + 8, as: UInt64.self)
            offset += 16
        }
    }
}
