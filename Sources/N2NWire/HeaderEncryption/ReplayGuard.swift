/// What the replay check needs from one header-encrypted datagram: the sender's stamp and a
/// fingerprint of the 12 IV bytes as they arrived (taken before decryption rewrites them).
public struct HeaderSeal: Sendable, Equatable {
    public var stamp: UInt64
    public var fingerprint: UInt64

    public init(stamp: UInt64, fingerprint: UInt64) {
        self.stamp = stamp
        self.fingerprint = fingerprint
    }
}

/// Per-sender replay state, the one replay check of both engines (spec 4.6 and beyond it).
///
/// Spec 4.6 lets any stamp up to 160 ms behind the newest one through, so an exact replay inside
/// that jitter passes (spec 10.2 item 13). This guard also remembers the last eight accepted
/// datagrams by fingerprint and rejects a repeat. Two genuine datagrams practically never share
/// those bytes (stamp, 16 random bits and checksum, encrypted), even when they share a stamp.
/// Fixed size (one SIMD8 and two words): no allocation, whatever a sender does.
public struct ReplayGuard: Sendable, Equatable {
    public private(set) var newest: UInt64
    private var recent: SIMD8<UInt64>
    private var next: Int = 0

    /// A guard whose newest stamp is `start` (usually `HeaderStamp.initialPrevious(now:)`).
    public init(start: UInt64) {
        newest = start
        recent = SIMD8(repeating: 0)
    }

    /// A guard for a sender first seen at header time `now`: accepts stamps back to now − FRAME.
    public init(now: UInt64) {
        self.init(start: HeaderStamp.initialPrevious(now: now))
    }

    /// The fingerprint of a received header-encrypted datagram: its bytes 0...11 folded to 64 bits.
    /// Read before decryption; a datagram shorter than 12 bytes has fingerprint 1 (it cannot
    /// decrypt anyway).
    @inlinable
    public static func fingerprint(_ datagram: UnsafeRawBufferPointer) -> UInt64 {
        guard datagram.count >= 12 else { return 1 }
        let a = datagram.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        let b = UInt64(datagram.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        return a ^ (b &* 0x9E37_79B9_7F4A_7C15) | 1    // never 0, the empty slot value
    }

    /// Checks `stamp` against this sender's history and records it when accepted. The window check
    /// against the local clock is separate (`check(_:now:)`; it applies to unknown senders too).
    public mutating func accept(_ stamp: UInt64, fingerprint: UInt64) -> Bool {
        accept(stamp, fingerprint: fingerprint, jitter: HeaderStamp.jitter)
    }

    /// `accept` with the re-ordering allowance given: v3 slots allow none, 160 ms, or 256 times
    /// that for counter-only stamps (`V3Stamp.jitter`).
    public mutating func accept(_ stamp: UInt64, fingerprint: UInt64, jitter: Int64) -> Bool {
        guard HeaderStamp.isWithinJitter(stamp, previous: newest, jitter: jitter) else { return false }
        if any(recent .== SIMD8(repeating: fingerprint)) { return false }
        remember(stamp, fingerprint: fingerprint)
        return true
    }

    @inlinable
    public mutating func accept(_ seal: HeaderSeal) -> Bool { accept(seal.stamp, fingerprint: seal.fingerprint) }

    /// Spec 4.6 in full for a known sender: the stamp lies within ±16 s of `now`, is not more
    /// than 160 ms older than the newest accepted one and is not a repeat. Records it when it passes.
    public mutating func check(_ seal: HeaderSeal, now: UInt64) throws(HeaderCryptoError) {
        guard HeaderStamp.isWithinFrame(seal.stamp, now: now) else {
            throw .stampOutsideWindow(stamp: seal.stamp, now: now)
        }
        guard accept(seal) else { throw .replayed(stamp: seal.stamp, previous: newest) }
    }

    /// Records a datagram accepted elsewhere (e.g. the one that created this sender's entry), so
    /// that its replay is refused; a no-op if it is already known.
    public mutating func record(_ seal: HeaderSeal) {
        if any(recent .== SIMD8(repeating: seal.fingerprint)) { return }
        remember(seal.stamp, fingerprint: seal.fingerprint)
    }

    private mutating func remember(_ stamp: UInt64, fingerprint: UInt64) {
        recent[next] = fingerprint
        next = (next + 1) & 7
        if Int64(bitPattern: stamp &- newest) > 0 { newest = stamp }
    }
}

extension HeaderCipher {
    /// `decrypt` plus the fingerprint the replay guard needs, taken before the bytes change.
    public func decryptSealed(_ packet: UnsafeMutableRawBufferPointer) throws(HeaderCryptoError) -> (seal: HeaderSeal, headerLength: Int) {
        let fingerprint = ReplayGuard.fingerprint(UnsafeRawBufferPointer(packet))
        let (stamp, headerLength) = try decrypt(packet)
        return (HeaderSeal(stamp: stamp, fingerprint: fingerprint), headerLength)
    }
}
