import CN2NLinux
import Glibc

/// Wall-clock time: seconds and microseconds since 1970 (UTC).
public struct WallTime: Hashable, Sendable {
    public var seconds: Int64
    public var microseconds: Int32

    public init(seconds: Int64, microseconds: Int32 = 0) {
        self.seconds = seconds
        self.microseconds = microseconds
    }
}

/// The one clock of the process, shared by the event loop and both engines. Monotonic time
/// drives every timer, age and purge; wall time only feeds what is shown to people and the
/// header-encryption stamps, whose format is wall time (n2n spec 4.3).
public protocol MonotonicClock: AnyObject {
    /// Nanoseconds on a clock that never jumps (any origin).
    var monotonicNanoseconds: Int64 { get }
    var wallTime: WallTime { get }
}

/// CLOCK_MONOTONIC and CLOCK_REALTIME.
public final class SystemClock: MonotonicClock, Sendable {
    public init() {}

    @inlinable
    public var monotonicNanoseconds: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }

    @inlinable
    public var wallTime: WallTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return WallTime(seconds: Int64(ts.tv_sec), microseconds: Int32(ts.tv_nsec / 1000))
    }
}

/// A clock that moves only when told to (tests, fuzzers). Wall time advances with monotonic time.
public final class ManualClock: MonotonicClock {
    public private(set) var monotonicNanoseconds: Int64
    private let start: Int64
    private let wallOrigin: WallTime

    public init(monotonicNanoseconds: Int64 = 1_000_000_000_000, wall: WallTime = WallTime(seconds: 1_700_000_000)) {
        self.monotonicNanoseconds = monotonicNanoseconds
        self.start = monotonicNanoseconds
        self.wallOrigin = wall
    }

    public var wallTime: WallTime {
        let micros = Int64(wallOrigin.microseconds) + (monotonicNanoseconds - start) / 1000
        return WallTime(seconds: wallOrigin.seconds + micros / 1_000_000, microseconds: Int32(micros % 1_000_000))
    }

    public func advance(seconds: Double) { monotonicNanoseconds += Int64(seconds * 1e9) }
    public func advance(nanoseconds: Int64) { monotonicNanoseconds += nanoseconds }
}

extension Duration {
    /// Whole nanoseconds, clamped to 0 for negative durations.
    @inlinable
    var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
    }
}
