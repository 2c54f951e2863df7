#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Header time stamps (spec 4.3) and the replay check (spec 4.6).
///
/// Layout: bits 63...32 Unix seconds (low 32 bits), 31...12 microseconds, 11...0 random.
/// All comparisons are on the raw 64-bit values, differences taken as signed 64-bit.
public enum HeaderStamp {
    /// Allowed deviation from the local clock: 16 s.
    public static let frame: Int64 = 0x0000_0010_0000_0000
    /// Allowed re-ordering behind the newest stamp seen: 160 000 µs.
    public static let jitter: Int64 = 0x0000_0000_2710_0000

    @inlinable
    public static func make(unixSeconds: UInt64, microseconds: UInt64, random12: UInt16) -> UInt64 {
        (unixSeconds &<< 32) &+ (microseconds &<< 12) | UInt64(random12 & 0x0FFF)
    }

    /// A stamp for the current wall-clock time with 12 fresh random bits.
    public static func now(random: RandomSource) -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var bits: UInt16 = 0
        withUnsafeMutableBytes(of: &bits) { random.fill($0) }
        return make(unixSeconds: UInt64(truncatingIfNeeded: ts.tv_sec),
                    microseconds: UInt64(truncatingIfNeeded: ts.tv_nsec / 1000),
                    random12: bits)
    }

    /// The `previous` a new peer or edge table entry starts with: `now − FRAME`.
    @inlinable
    public static func initialPrevious(now: UInt64) -> UInt64 {
        now &- UInt64(bitPattern: frame)
    }

    /// Spec 4.6: the stamp must lie less than FRAME from `now`; if a previous stamp is known it
    /// must not be more than JITTER older than it, and `previous` then advances to the newer of
    /// the two. A nil `previous` stays nil (the sender is not known).
    public static func verify(_ stamp: UInt64, now: UInt64, previous: inout UInt64?) -> Bool {
        do throws(HeaderCryptoError) {
            try check(stamp, now: now, previous: &previous)
            return true
        } catch {
            return false
        }
    }

    /// `verify` with the reason for a rejection.
    public static func check(_ stamp: UInt64, now: UInt64, previous: inout UInt64?) throws(HeaderCryptoError) {
        guard isWithinFrame(stamp, now: now) else {
            throw .stampOutsideWindow(stamp: stamp, now: now)
        }
        guard let prev = previous else { return }
        guard isWithinJitter(stamp, previous: prev) else {
            throw .replayed(stamp: stamp, previous: prev)
        }
        previous = max(prev, stamp)
    }

    /// Spec 4.6 step 1 alone: `stamp` lies less than FRAME from `now` (either side).
    @inlinable
    public static func isWithinFrame(_ stamp: UInt64, now: UInt64) -> Bool {
        Int64(bitPattern: stamp &- now).magnitude < UInt64(frame)
    }

    /// Spec 4.6 step 2 alone: `stamp` is not more than JITTER older than `previous`.
    @inlinable
    public static func isWithinJitter(_ stamp: UInt64, previous: UInt64, jitter: Int64 = HeaderStamp.jitter) -> Bool {
        Int64(bitPattern: stamp &- previous) &+ jitter > 0
    }
}
