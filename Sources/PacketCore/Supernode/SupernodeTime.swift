import Glibc

/// Wall-clock time as the supernode uses it: seconds for edge ages and statistics, microseconds for
/// header-encryption stamps (spec 4.3). Passed into every engine call so tests can inject any clock.
public struct SupernodeTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Microseconds since 1970-01-01 UTC.
    public var microseconds: Int64

    public init(microsecondsSince1970: Int64) { microseconds = microsecondsSince1970 }
    public init(seconds: Int64, microseconds: Int64 = 0) { self.microseconds = seconds * 1_000_000 + microseconds }

    public var seconds: Int64 { microseconds / 1_000_000 }

    /// The real-time clock (CLOCK_REALTIME: stamps must agree with the edges' wall clocks).
    public static func now() -> SupernodeTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return SupernodeTime(microsecondsSince1970: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }

    public func adding(seconds: Int64) -> SupernodeTime {
        SupernodeTime(microsecondsSince1970: microseconds + seconds * 1_000_000)
    }

    public static func < (a: SupernodeTime, b: SupernodeTime) -> Bool { a.microseconds < b.microseconds }

    public var description: String { "\(seconds).\(microseconds % 1_000_000)" }
}
