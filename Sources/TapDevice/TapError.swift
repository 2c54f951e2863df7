import LinuxSystem
import Glibc

/// Why opening or configuring a TAP interface or one of its queues failed.
public enum TapError: Error, Equatable, Sendable, CustomStringConvertible {
    /// /dev/net/tun does not exist (no tun module, or a container without the device node).
    case noTunDevice
    /// The kernel refused: creating or configuring interfaces needs root (CAP_NET_ADMIN).
    case permissionDenied(Errno)
    /// An interface with this name exists and is attached elsewhere or is not a TAP device.
    case nameInUse(String)
    /// The name is empty, longer than 15 bytes, or holds '/', ':' or white space.
    case badName(String)
    /// The MTU is outside 68...65535 or the kernel rejected it.
    case badMTU(Int)
    /// A prefix length outside 0...32.
    case badPrefixLength(Int)
    /// The interface disappeared (its last queue closed, or it was deleted from outside), so no
    /// queue can be attached to it any more.
    case interfaceGone(String)
    /// Any other failed call.
    case system(Errno)

    public var description: String {
        switch self {
        case .noTunDevice:
            return "/dev/net/tun is missing: load the tun module or give the container the device"
        case .permissionDenied(let e):
            return "permission denied (\(e.call)): run as root or with CAP_NET_ADMIN"
        case .nameInUse(let name):
            return "interface name '\(name)' is already in use (by another program or a non-TAP interface)"
        case .badName(let name):
            return "bad interface name '\(name)': 1 to \(TapInterface.maxNameLength) bytes, no '/', ':' or spaces"
        case .badMTU(let mtu):
            return "bad MTU \(mtu): must be \(TapInterface.mtuRange.lowerBound)...\(TapInterface.mtuRange.upperBound)"
        case .badPrefixLength(let length):
            return "bad IPv4 prefix length \(length): must be 0...32"
        case .interfaceGone(let name):
            return "interface '\(name)' no longer exists"
        case .system(let e):
            return e.description
        }
    }

    /// Configuration failures: EPERM/EACCES become `.permissionDenied`, the rest `.system`.
    static func configuring(_ e: Errno) -> TapError {
        if e.code == EPERM || e.code == EACCES { return .permissionDenied(e) }
        return .system(e)
    }
}
