/// Header encryption of one community (spec 4.4, 4.5), in place on a datagram buffer.
///
/// Wire layout after encryption: bytes 0...11 IVenc = Speck96/96(Kiv, stamp ‖ 16 random bits ‖
/// checksum); bytes 12...H−1 Speck128/128-CTR(Khdr, IV = IVenc ‖ "n2n!") over
/// `"n2n" ‖ H ‖ version, TTL, flags ‖ rest of header`; the payload from H on is untouched.
public final class HeaderCipher: Sendable {
    public let keys: HeaderKeys

    public static let minimumHeaderLength = 20
    /// "n2n" read as a little-endian 24-bit value.
    static let magic: UInt32 = 0x6E_32_6E
    /// The last four CTR IV bytes, "n2n!", as a little-endian word.
    static let ivTail: UInt64 = 0x21_6E_32_6E

    public init(community: Community) {
        keys = HeaderKeys(community: community)
    }

    public init(keys: HeaderKeys) {
        self.keys = keys
    }

    public var community: Community { keys.community }

    /// Encrypts the plain datagram `packet` (N = packet.count) whose first `headerLength` bytes are
    /// the header. `random` supplies the 16 random pre-IV bits. Bytes 4...19 must hold this
    /// community's field: the receiver restores them from its own key before checking the
    /// checksum, which covers them.
    public func encrypt(_ packet: UnsafeMutableRawBufferPointer, headerLength h: Int, stamp: UInt64,
                        random: RandomSource) throws(HeaderCryptoError) {
        let n = packet.count
        guard h >= HeaderCipher.minimumHeaderLength, h <= n, h <= 255, let p = packet.baseAddress else {
            throw .invalidHeaderLength(h, packetLength: n)
        }
        let checksum = Pearson.hash16(UnsafeRawBufferPointer(packet))
        // Version, TTL and flags take the place of the last four community bytes.
        let front = p.loadUnaligned(as: UInt32.self)
        p.storeBytes(of: front, toByteOffset: 16, as: UInt32.self)
        p.storeBytes(of: stamp.bigEndian, toByteOffset: 0, as: UInt64.self)
        random.fill(UnsafeMutableRawBufferPointer(start: p + 8, count: 2))
        p.storeBytes(of: checksum.bigEndian, toByteOffset: 10, as: UInt16.self)
        keys.ivCipher.encryptBlock(p)
        p.storeBytes(of: (HeaderCipher.magic | UInt32(h) << 24).littleEndian, toByteOffset: 12, as: UInt32.self)
        let iv = HeaderCipher.counterIV(p)
        keys.headerCipher.ctr(ivLow: iv.low, ivHigh: iv.high, input: p + 12, output: p + 12, count: h - 12)
    }

    /// Spec 4.5 steps 1–2 without touching the packet: does the header decrypt to the magic with
    /// this community's key, announcing a header length within 20...N?
    public func matches(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard packet.count >= HeaderCipher.minimumHeaderLength, let p = packet.baseAddress,
              let h = magicHeaderLength(p)
        else { return false }
        return h >= HeaderCipher.minimumHeaderLength && h <= packet.count
    }

    /// Spec 4.5 steps 1–6 in place: decrypts the header, restores bytes 0...19 to the plain
    /// layout (version, TTL, flags, community) and verifies the checksum. Returns the sender's
    /// time stamp (to be checked with `HeaderStamp.verify` once the sender is known) and H.
    ///
    /// On `.tooShort`, `.noMagic` and `.badHeaderLength` the packet is unchanged; after a
    /// `.badChecksum` its header bytes are garbage and the datagram must be dropped.
    public func decrypt(_ packet: UnsafeMutableRawBufferPointer) throws(HeaderCryptoError) -> (stamp: UInt64, headerLength: Int) {
        let n = packet.count
        guard n >= HeaderCipher.minimumHeaderLength, let p = packet.baseAddress else { throw .tooShort(n) }
        guard let h = magicHeaderLength(UnsafeRawPointer(p)) else { throw .noMagic }
        guard h >= HeaderCipher.minimumHeaderLength, h <= n else {
            throw .badHeaderLength(h, packetLength: n)
        }
        let iv = HeaderCipher.counterIV(UnsafeRawPointer(p))
        keys.headerCipher.ctr(ivLow: iv.low, ivHigh: iv.high, input: p + 12, output: p + 12, count: h - 12)
        keys.ivCipher.decryptBlock(p)
        let stamp = UInt64(bigEndian: p.loadUnaligned(as: UInt64.self))
        let expected = UInt16(bigEndian: p.loadUnaligned(fromByteOffset: 10, as: UInt16.self))
        let front = p.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
        p.storeBytes(of: front, as: UInt32.self)
        keys.community.store(to: packet, at: 4)
        let computed = Pearson.hash16(UnsafeRawBufferPointer(packet))
        guard computed == expected else { throw .badChecksum(expected: expected, computed: computed) }
        return (stamp, h)
    }

    /// The CTR IV `bytes 0...11 ‖ "n2n!"` as two little-endian words.
    @inline(__always)
    static func counterIV(_ p: UnsafeRawPointer) -> (low: UInt64, high: UInt64) {
        let low = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        let mid = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        return (low, UInt64(mid) | ivTail << 32)
    }

    /// Decrypts bytes 12...15 with the first keystream block; H if they start with "n2n".
    @inline(__always)
    private func magicHeaderLength(_ p: UnsafeRawPointer) -> Int? {
        let iv = HeaderCipher.counterIV(p)
        let ks = keys.headerCipher.encrypt(y: iv.low, x: iv.high)
        let word = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
            ^ UInt32(truncatingIfNeeded: ks.y)
        guard word & 0x00FF_FFFF == HeaderCipher.magic else { return nil }
        return Int(word >> 24)
    }
}
