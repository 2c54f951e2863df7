/// v3 header time stamps (v3 spec 5.3): `seconds << 32 | µs << 12 | counter << 4 | flags`, and the
/// replay rule that goes with them. The clock is the caller's (`now` values are passed in), the
/// window (±16 s) is v2's `HeaderStamp.frame` and the per-sender slot is the one `ReplayGuard`.
public struct V3StampGenerator: Sendable {
    /// Bit 0: the stamp carries a 28-bit counter instead of microseconds ("counter only").
    public static let counterOnlyFlag: UInt64 = 1

    private var previous: UInt64 = 0
    /// Set for good once the 8-bit counter overflowed within one microsecond.
    public private(set) var counterOnly = false

    public init() {}

    /// The next stamp for Unix time `seconds` and `microseconds` (0...999 999).
    public mutating func next(unixSeconds seconds: UInt64, microseconds: UInt64) -> UInt64 {
        let secondBits = seconds << 32
        var stamp: UInt64
        if counterOnly {
            // A 28-bit counter, reset each second.
            let sameSecond = previous & 0xFFFF_FFFF_0000_0000 == secondBits && previous & Self.counterOnlyFlag != 0
            let counter = sameSecond ? ((previous >> 4) &+ 1) & 0x0FFF_FFFF : 0
            stamp = secondBits | counter << 4 | Self.counterOnlyFlag
        } else {
            stamp = secondBits | (microseconds & 0xFFFFF) << 12
            if previous & ~0xFFF == stamp {
                let counter = (previous >> 4 & 0xFF) &+ 1
                if counter > 0xFF {
                    counterOnly = true
                    return next(unixSeconds: seconds, microseconds: microseconds)
                }
                stamp |= counter << 4
            }
        }
        previous = stamp
        return stamp
    }
}

public enum V3Stamp {
    /// The re-ordering a jitter-tolerant slot allows behind its newest stamp: 160 ms, or ×256
    /// (about 39 s) for counter-only stamps, as the reference computes it (spec 5.3, 13.3 item 20);
    /// 0 for the slots that allow none (spec 5.7).
    @inlinable
    public static func jitter(for stamp: UInt64, allowJitter: Bool) -> Int64 {
        guard allowJitter else { return 0 }
        return HeaderStamp.jitter << (stamp & V3StampGenerator.counterOnlyFlag == 0 ? 0 : 8)
    }

    /// Spec 5.3 `verify` for a known sender: within ±16 s of `now`, newer than the slot's newest
    /// stamp (less the jitter, if the slot allows it), not a repeat; recorded when accepted.
    public static func check(_ seal: HeaderSeal, now: UInt64, slot: inout ReplayGuard, allowJitter: Bool) throws(HeaderCryptoError) {
        guard HeaderStamp.isWithinFrame(seal.stamp, now: now) else {
            throw .stampOutsideWindow(stamp: seal.stamp, now: now)
        }
        guard slot.accept(seal.stamp, fingerprint: seal.fingerprint, jitter: jitter(for: seal.stamp, allowJitter: allowJitter)) else {
            throw .replayed(stamp: seal.stamp, previous: slot.newest)
        }
    }

    /// The local stamp `now` stands for (microsecond resolution, no counter), for window checks.
    @inlinable
    public static func now(unixSeconds: UInt64, microseconds: UInt64) -> UInt64 {
        unixSeconds << 32 | (microseconds & 0xFFFFF) << 12
    }
}
