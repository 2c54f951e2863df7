import CN2NLinux
import Glibc

/// CLOCK_MONOTONIC: time since boot that never jumps with the wall clock. Deadlines in the
/// event loop are nanoseconds on this clock.
public enum MonotonicClock {
    @inlinable
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    @inlinable
    public static func milliseconds() -> UInt64 { nanoseconds() / 1_000_000 }
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
