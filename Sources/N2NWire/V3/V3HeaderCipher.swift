/// v3 header encryption of one key set (v3 spec 5.4, 5.5), in place on a datagram buffer.
///
/// Wire layout: bytes 0...15 IV = Speck128/128(Kiv, pre-IV) with pre-IV = BE32(chk >> 32) ‖
/// BE32(chk mod 2³² ⊕ stamp >> 32) ‖ BE32(stamp mod 2³²) ‖ 4 random bytes, chk = H64 of the whole
/// plain datagram; bytes 16...H−1 Speck128/128-CTR(Kh, counter = IV) over `"n2" ‖ BE16(H) ‖
/// version, TTL, flags ‖ rest of header`; the payload from H on is untouched.
public final class V3HeaderCipher: Sendable {
    public let keys: V3HeaderKeys

    /// The common header: the smallest H accepted (the reference has no lower bound, spec 13.1 item 3).
    public static let minimumHeaderLength = 24
    /// "n2" in the top half of the word at bytes 16...19.
    static let magic: UInt32 = 0x6E32_0000

    public init(keys: V3HeaderKeys) { self.keys = keys }
    public convenience init(community: V3Community) { self.init(keys: V3HeaderKeys(community: community)) }

    public var community: V3Community { keys.community }

    /// Encrypts the plain datagram `packet` (N = packet.count) whose first `headerLength` bytes are
    /// encrypted. `random` supplies the four pre-IV bytes. Bytes 4...23 must hold the community:
    /// the receiver restores them before checking the checksum, which covers them.
    public func encrypt(_ packet: UnsafeMutableRawBufferPointer, headerLength h: Int, stamp: UInt64,
                        random: RandomSource) throws(HeaderCryptoError) {
        let n = packet.count
        guard h >= Self.minimumHeaderLength, h <= n, n <= 0xFFFF, let p = packet.baseAddress else {
            throw .invalidHeaderLength(h, packetLength: n)
        }
        let chk = PearsonB.hash64(UnsafeRawBufferPointer(packet))
        p.storeBytes(of: p.loadUnaligned(as: UInt32.self), toByteOffset: 20, as: UInt32.self)
        p.storeBytes(of: UInt32(truncatingIfNeeded: chk >> 32).bigEndian, as: UInt32.self)
        p.storeBytes(of: (UInt32(truncatingIfNeeded: chk) ^ UInt32(truncatingIfNeeded: stamp >> 32)).bigEndian,
                     toByteOffset: 4, as: UInt32.self)
        p.storeBytes(of: UInt32(truncatingIfNeeded: stamp).bigEndian, toByteOffset: 8, as: UInt32.self)
        random.fill(UnsafeMutableRawBufferPointer(start: p + 12, count: 4))
        keys.ivCipher.encryptBlock(UnsafeMutableRawBufferPointer(start: p, count: 16))
        p.storeBytes(of: (Self.magic &+ UInt32(h)).bigEndian, toByteOffset: 16, as: UInt32.self)
        keys.headerCipher.ctr(iv: p, input: p + 16, output: p + 16, count: h - 16)
    }

    /// Step 1 of spec 5.5 without touching the packet: H if bytes 16...19 decrypt to `n2` and a
    /// length within 24...N under this key.
    public func headerLength(_ packet: UnsafeRawBufferPointer) -> Int? {
        guard packet.count >= Self.minimumHeaderLength, let p = packet.baseAddress else { return nil }
        let y = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        let x = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let ks = keys.headerCipher.encrypt(y: y, x: x)
        let word = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
            ^ UInt32(bigEndian: UInt32(truncatingIfNeeded: ks.y))
        let h = Int(word &- Self.magic)
        guard word >= Self.magic, h >= Self.minimumHeaderLength, h <= packet.count else { return nil }
        return h
    }

    /// Spec 5.5 in place: decrypts the header, restores bytes 0...23 to the plain layout and checks
    /// the 32-bit checksum. Returns the sender's stamp (to be checked once the sender is known,
    /// `V3Stamp`) and H. On any error the packet is left exactly as it arrived, so the next key
    /// can be tried (the reference garbles it, spec 13.1 item 4).
    ///
    /// `.badChecksum` carries the high 16 bits of the two 32-bit values compared.
    public func decrypt(_ packet: UnsafeMutableRawBufferPointer) throws(HeaderCryptoError) -> (stamp: UInt64, headerLength: Int) {
        let n = packet.count
        guard n >= Self.minimumHeaderLength, let p = packet.baseAddress else { throw .tooShort(n) }
        guard let h = headerLength(UnsafeRawBufferPointer(packet)) else { throw .noMagic }
        // The IV as it arrived: the keystream's counter and the way back on failure.
        let iv0 = p.loadUnaligned(as: UInt64.self), iv1 = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        keys.headerCipher.ctr(iv: p, input: p + 16, output: p + 16, count: h - 16)
        let plainTail = p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)  // "n2", H, version, TTL, flags
        // The pre-IV's bytes are LE64(d.y) ‖ LE64(d.x): BE32 of bytes 0...3, BE64 of bytes 4...11.
        // Computed on values, not through a closure over a stack buffer (boxed in debug builds).
        let d = keys.ivCipher.decrypt(y: UInt64(littleEndian: iv0), x: UInt64(littleEndian: iv1))
        let chkHigh = UInt32(truncatingIfNeeded: d.y).byteSwapped
        let s = UInt64(UInt32(truncatingIfNeeded: d.y >> 32).byteSwapped) << 32
            | UInt64(UInt32(truncatingIfNeeded: d.x).byteSwapped)
        p.storeBytes(of: p.loadUnaligned(fromByteOffset: 20, as: UInt32.self), as: UInt32.self)
        keys.community.store(to: packet, at: 4)
        let chk = PearsonB.hash64(UnsafeRawBufferPointer(packet))
        guard UInt32(truncatingIfNeeded: chk >> 32) == chkHigh else {
            // CTR is its own inverse: put back the decrypted bytes 16...23, re-encrypt, restore the IV.
            p.storeBytes(of: plainTail, toByteOffset: 16, as: UInt64.self)
            p.storeBytes(of: iv0, as: UInt64.self)
            p.storeBytes(of: iv1, toByteOffset: 8, as: UInt64.self)
            keys.headerCipher.ctr(iv: p, input: p + 16, output: p + 16, count: h - 16)
            throw .badChecksum(expected: UInt16(truncatingIfNeeded: chkHigh >> 16),
                               computed: UInt16(truncatingIfNeeded: chk >> 48))
        }
        return (s ^ (chk << 32), h)
    }

    /// `decrypt` plus the replay fingerprint of the IV as it arrived.
    public func decryptSealed(_ packet: UnsafeMutableRawBufferPointer) throws(HeaderCryptoError) -> (seal: HeaderSeal, headerLength: Int) {
        let fingerprint = ReplayGuard.fingerprint(UnsafeRawBufferPointer(packet))
        let (stamp, headerLength) = try decrypt(packet)
        return (HeaderSeal(stamp: stamp, fingerprint: fingerprint), headerLength)
    }
}

/// The supernode's plain-header test of v3 (spec 5.8): at least 24 bytes, community NUL-terminated
/// at byte 23, version 3, a code up to 11 (RE_REGISTER_SUPER excluded) and no flag bits from
/// OPTIONS up.
@inlinable
public func v3HeaderLooksPlain(_ datagram: UnsafeRawBufferPointer) -> Bool {
    guard datagram.count >= V3CommonHeader.size else { return false }
    let word = UInt16(datagram[2]) << 8 | UInt16(datagram[3])
    return datagram[23] == 0 && datagram[0] == V3CommonHeader.version
        && UInt8(word & 0x1F) <= V3PacketCode.supernodeMaximum && word < 0x0080
}
