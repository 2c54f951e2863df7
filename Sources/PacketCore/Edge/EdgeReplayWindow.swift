import LinuxSystem
import N2NWire

/// Header-encryption stamps (spec 4.3) from the engine's injected clock, and the replay check of
/// spec 4.6 with N2NWire's `ReplayGuard` (the supernode's check too), per peer and per supernode.
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

    /// The full check against one sender's guard (window, jitter, exact replay); the guard
    /// records the datagram on success. The drop reason on failure.
    @inlinable
    public static func verify(_ seal: HeaderSeal, now: UInt64, guard replay: inout ReplayGuard) -> DropReason? {
        do throws(HeaderCryptoError) {
            try replay.check(seal, now: now)
            return nil
        } catch {
            return DropReason(error)
        }
    }
}
