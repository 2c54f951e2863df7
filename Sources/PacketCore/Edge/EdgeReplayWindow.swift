import LinuxSystem
import N2NWire

/// Header-encryption stamps (spec 4.3) from the engine's injected clock, and the replay check of
/// spec 4.6 on the engine's non-optional `prev` slots (`HeaderStamp` does the arithmetic).
public enum EdgeReplayWindow {
    /// A stamp for `time`; `random12` fills the low 12 bits.
    @inlinable
    public static func stamp(_ time: WallTime, random12: UInt16 = 0) -> UInt64 {
        HeaderStamp.make(unixSeconds: UInt64(truncatingIfNeeded: time.seconds),
                         microseconds: UInt64(UInt32(bitPattern: time.microseconds)), random12: random12)
    }

    /// Where a new table entry's "last valid stamp" starts: now - FRAME.
    @inlinable
    public static func initialStamp(now: UInt64) -> UInt64 { HeaderStamp.initialPrevious(now: now) }

    /// Window check only (senders without a table entry).
    @inlinable
    public static func isWithinFrame(_ stamp: UInt64, now: UInt64) -> Bool {
        HeaderStamp.isWithinFrame(stamp, now: now)
    }

    /// Window check plus monotonicity against `previous`, which advances on success.
    @inlinable
    public static func verify(_ stamp: UInt64, now: UInt64, previous: inout UInt64) -> Bool {
        var slot: UInt64? = previous
        guard HeaderStamp.verify(stamp, now: now, previous: &slot) else { return false }
        previous = slot ?? previous
        return true
    }
}
