import LinuxSystem

/// A manual clock whose wall time can jump without monotonic time moving (an NTP step, a manual
/// `date -s`): what a correct engine must survive. `advance` moves both, like `ManualClock`.
public final class SteppingClock: MonotonicClock {
    public private(set) var monotonicNanoseconds: Int64
    /// Wall time minus monotonic time, in microseconds.
    private var wallOffset: Int64

    public init(monotonicNanoseconds: Int64 = 1_000_000_000_000, wall: WallTime = WallTime(seconds: 1_700_000_000)) {
        self.monotonicNanoseconds = monotonicNanoseconds
        wallOffset = wall.seconds * 1_000_000 + Int64(wall.microseconds) - monotonicNanoseconds / 1000
    }

    public var wallTime: WallTime {
        let micros = monotonicNanoseconds / 1000 + wallOffset
        return WallTime(seconds: micros / 1_000_000, microseconds: Int32(micros % 1_000_000))
    }

    public func advance(seconds: Double) { monotonicNanoseconds += Int64(seconds * 1e9) }

    /// Moves the wall clock only (negative: backwards).
    public func stepWall(seconds: Int64) { wallOffset += seconds * 1_000_000 }
}
