import N2NWire

/// What trial decryption of one datagram with one community's header key found (spec 4.5).
public enum HeaderOpenResult: Sendable, Equatable {
    /// The magic did not match: not this community's key. The datagram must be left untouched.
    case notThisCommunity
    /// The magic matched but the checksum did not (spec 4.7: drop, try no further community).
    /// The datagram's contents are then unspecified.
    case checksumMismatch
    /// Decrypted in place into the plain layout (spec 4.5 step 4); `stamp` is the sender's time stamp,
    /// `headerLength` the H the sender encrypted over.
    case opened(stamp: UInt64, headerLength: Int)
}

/// One community's header-encryption keys as the supernode needs them (spec 4.4, 4.5). Implementations
/// must not allocate per call and must reject a header length outside 20...N (spec 10.1 item 2).
public protocol SupernodeHeaderCipher: AnyObject {
    /// Tries this community's key on a received datagram and, on a magic match, decrypts it in place.
    func open(_ datagram: UnsafeMutableRawBufferPointer) -> HeaderOpenResult

    /// Encrypts a plain datagram in place over its first `headerLength` bytes with `stamp` (spec 4.4).
    /// False if it cannot (header length outside 20...min(N, 255)); the datagram must then not be sent.
    func seal(_ datagram: UnsafeMutableRawBufferPointer, headerLength: Int, stamp: UInt64) -> Bool
}

/// Builds the header cipher of a whitelisted community (spec 4.2: keys derive from the 16 name bytes).
public typealias SupernodeHeaderCipherFactory = (Community) -> any SupernodeHeaderCipher

/// Time stamps and the replay check of spec 4.3/4.6, on the raw 64-bit values.
public enum SupernodeStamp {
    /// Allowed deviation from the local clock: 16 s.
    public static let frame: UInt64 = 0x0000_0010_0000_0000
    /// Allowed re-ordering behind the newest stamp seen: 160 ms.
    public static let jitter: UInt64 = 0x0000_0000_2710_0000

    /// `(seconds << 32) + (microseconds << 12) | random12` (spec 4.3).
    @inlinable
    public static func make(_ now: SupernodeTime, random12: UInt16) -> UInt64 {
        let seconds = UInt64(truncatingIfNeeded: now.seconds) & 0xFFFF_FFFF
        let micros = UInt64(truncatingIfNeeded: now.microseconds % 1_000_000)
        return (seconds << 32) &+ (micros << 12) | UInt64(random12 & 0x0FFF)
    }

    /// True when `stamp` is within ±16 s of the local clock (spec 4.6 step 1).
    @inlinable
    public static func inWindow(_ stamp: UInt64, now: SupernodeTime) -> Bool {
        let diff = Int64(bitPattern: stamp &- make(now, random12: 0))
        return diff.magnitude < frame
    }

    /// Spec 4.6 step 2: not more than 160 ms older than the newest stamp seen from this sender.
    @inlinable
    public static func notTooOld(_ stamp: UInt64, previous: UInt64) -> Bool {
        Int64(bitPattern: stamp &- previous &+ jitter) > 0
    }

    /// The starting "last stamp" of a new table entry: now − FRAME (spec 4.6).
    @inlinable
    public static func initial(_ now: SupernodeTime) -> UInt64 {
        make(now, random12: 0) &- frame
    }
}

/// Per-sender replay state kept in each edge entry. Beyond spec 4.6 (which lets any stamp up to 160 ms
/// behind the newest one through, so an exact replay inside that jitter passes, spec 10.2 item 13), it
/// remembers the last eight accepted datagrams by a fingerprint of their 12 clear IV bytes (stamp,
/// 16 random bits and checksum, encrypted) and rejects a repeat. Two genuine datagrams practically never
/// share those bytes, even when they share a stamp.
public struct ReplayGuard: Sendable, Equatable {
    public private(set) var newest: UInt64
    private var recent: SIMD8<UInt64>
    private var next: Int = 0

    public init(start: UInt64) {
        newest = start
        recent = SIMD8(repeating: 0)
    }

    /// The fingerprint of a received header-encrypted datagram: its bytes 0...11 folded to 64 bits.
    /// Read before decryption.
    @inlinable
    public static func fingerprint(_ datagram: UnsafeRawBufferPointer) -> UInt64 {
        let a = datagram.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        let b = UInt64(datagram.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        return a ^ (b &* 0x9E37_79B9_7F4A_7C15) | 1    // never 0, the empty slot value
    }

    /// Checks `stamp` against this sender's history and records it when accepted. The window check
    /// against the local clock is done separately (it applies to unknown senders too).
    public mutating func accept(_ stamp: UInt64, fingerprint: UInt64) -> Bool {
        guard SupernodeStamp.notTooOld(stamp, previous: newest) else { return false }
        if any(recent .== SIMD8(repeating: fingerprint)) { return false }
        recent[next] = fingerprint
        next = (next + 1) & 7
        if Int64(bitPattern: stamp &- newest) > 0 { newest = stamp }
        return true
    }
}
