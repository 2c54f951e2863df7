/// Header-encryption time stamps and the replay check of spec 4.3 / 4.6, as the edge applies them.
public enum EdgeReplayWindow {
    /// Allowed deviation from the local clock: 16 s in stamp units.
    public static let frame: UInt64 = 0x0000_0010_0000_0000
    /// Allowed re-ordering against the newest stamp seen from a sender: 160 ms.
    public static let jitter: UInt64 = 0x0000_0000_2710_0000

    /// `(seconds << 32) + (microseconds << 12) | random12` (spec 4.3).
    @inlinable
    public static func stamp(_ time: WallTime, random12: UInt16 = 0) -> UInt64 {
        (UInt64(truncatingIfNeeded: time.seconds) << 32)
            &+ (UInt64(UInt32(bitPattern: time.microseconds)) << 12)
            | UInt64(random12 & 0x0FFF)
    }

    /// Where a new table entry's "last valid stamp" starts: now - FRAME.
    @inlinable
    public static func initialStamp(now: UInt64) -> UInt64 { now &- frame }

    /// Window check only (senders without a table entry).
    @inlinable
    public static func isWithinFrame(_ stamp: UInt64, now: UInt64) -> Bool {
        let diff = Int64(bitPattern: stamp &- now)
        // |diff| < FRAME, written without abs() so Int64.min cannot trap.
        return diff > -Int64(frame) && diff < Int64(frame)
    }

    /// Window check plus monotonicity against `previous`, which advances on success.
    @inlinable
    public static func verify(_ stamp: UInt64, now: UInt64, previous: inout UInt64) -> Bool {
        guard isWithinFrame(stamp, now: now) else { return false }
        let diff = Int64(bitPattern: stamp &- previous) &+ Int64(jitter)
        guard diff > 0 else { return false }
        if Int64(bitPattern: stamp &- previous) > 0 { previous = stamp }
        return true
    }
}
