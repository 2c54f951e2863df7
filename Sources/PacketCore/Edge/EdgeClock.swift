#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real clocks: CLOCK_MONOTONIC for timers, CLOCK_REALTIME for wall time.
public final class SystemEdgeClock: EdgeClock {
    public init() {}

    public var monotonicNanoseconds: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    public var wallTime: WallTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return WallTime(seconds: Int64(ts.tv_sec), microseconds: Int32(ts.tv_nsec / 1000))
    }
}

/// A clock that moves only when told to (tests). Wall time advances together with monotonic time.
public final class ManualEdgeClock: EdgeClock {
    public private(set) var monotonicNanoseconds: Int64
    private var wallOrigin: WallTime

    public init(monotonicNanoseconds: Int64 = 1_000_000_000_000, wall: WallTime = WallTime(seconds: 1_700_000_000)) {
        self.monotonicNanoseconds = monotonicNanoseconds
        self.wallOrigin = wall
        self.start = monotonicNanoseconds
    }

    private let start: Int64

    public var wallTime: WallTime {
        let elapsed = monotonicNanoseconds - start
        let micros = Int64(wallOrigin.microseconds) + elapsed / 1000
        return WallTime(seconds: wallOrigin.seconds + micros / 1_000_000, microseconds: Int32(micros % 1_000_000))
    }

    public func advance(seconds: Double) {
        monotonicNanoseconds += Int64(seconds * 1e9)
    }

    public func advance(nanoseconds: Int64) {
        monotonicNanoseconds += nanoseconds
    }
}

/// Nanosecond helpers for the engine's timers.
enum Nanos {
    static let second: Int64 = 1_000_000_000
    static func seconds(_ s: Int) -> Int64 { Int64(s) * second }
}
