import Glibc

/// A failed system call: the errno value and the name of the call that set it.
///
/// The call name is a `StaticString` so that creating and throwing one never allocates;
/// the text from `strerror` is only built when someone asks for `description`.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: Int32
    public var call: StaticString

    public init(code: Int32, call: StaticString) {
        self.code = code
        self.call = call
    }

    /// The calling thread's current `errno`, attributed to `call`.
    @inlinable
    public static func current(_ call: StaticString) -> Errno {
        Errno(code: errno, call: call)
    }

    /// EAGAIN / EWOULDBLOCK: a non-blocking descriptor has nothing to give or no room.
    @inlinable
    public var isWouldBlock: Bool { code == EAGAIN || code == EWOULDBLOCK }

    /// The C library's text for `code`, e.g. "Connection refused".
    public var message: String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    public var description: String { "\(call): \(message) (errno \(code))" }

    public static func == (a: Errno, b: Errno) -> Bool {
        a.code == b.code && a.call.description == b.call.description
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(call.description)
    }
}
