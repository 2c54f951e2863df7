import LinuxSystem
import CN2NLinux
import Glibc

/// A Linux TAP interface: an Ethernet device whose "wire" is a file descriptor.
///
/// Opened with IFF_TAP | IFF_NO_PI, so each read or write is exactly one Ethernet frame with
/// no extra header. The descriptor is non-blocking; register `descriptor.rawValue` with an
/// epoll loop and call `read(into:)` when it is readable. Configuration uses interface ioctls
/// and rtnetlink, never external programs. The device is not persistent: it disappears
/// when this object closes its descriptor (on `close()` or deinit).
public final class TapDevice {
    public static let defaultName = "edge0"
    /// IFNAMSIZ - 1.
    public static let maxNameLength = 15
    public static let mtuRange = 68...65535

    /// The name the kernel gave the device (equals the requested name unless it held "%d").
    public let name: String
    public let descriptor: FileDescriptor
    public let interfaceIndex: Int32
    let control: InterfaceControl
    let routeSocket: FileDescriptor

    /// Frames dropped by `write` because the kernel refused them one by one.
    public private(set) var writeDrops: Int = 0
    /// The last such refusal, for logging.
    public private(set) var lastWriteError: Errno?

    /// Creates the TAP interface `name` (default "edge0") and opens it non-blocking, in the
    /// calling thread's network namespace (its configuration sockets are opened here too).
    public init(name: String = TapDevice.defaultName) throws(TapError) {
        try TapDevice.validate(name: name)

        let fd: FileDescriptor
        do {
            fd = try FileDescriptor("open(/dev/net/tun)") { open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK) }
        } catch {
            switch error.code {
            case ENOENT, ENODEV, ENXIO: throw .noTunDevice
            case EPERM, EACCES: throw .permissionDenied(error)
            default: throw .system(error)
            }
        }

        var req = ifreq()
        withUnsafeMutableBytes(of: &req.ifr_ifrn.ifrn_name) { $0.copyBytes(from: Array(name.utf8)) }
        req.ifr_ifru.ifru_flags = cn2n_IFF_TAP | cn2n_IFF_NO_PI
        let raw = fd.rawValue
        do {
            _ = try systemCall("ioctl(TUNSETIFF)") {
                withUnsafeMutablePointer(to: &req) { ioctl(raw, cn2n_TUNSETIFF, UnsafeMutableRawPointer($0)) }
            }
        } catch {
            switch error.code {
            case EPERM, EACCES: throw .permissionDenied(error)
            // EBUSY: attached elsewhere; EINVAL: the name belongs to another kind of interface.
            case EBUSY, EINVAL, EEXIST: throw .nameInUse(name)
            default: throw .system(error)
            }
        }
        let actualName = withUnsafeBytes(of: &req.ifr_ifrn.ifrn_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }

        self.name = actualName
        self.descriptor = fd
        do {
            control = try InterfaceControl(name: actualName)
            interfaceIndex = try control.interfaceIndex()
            routeSocket = try RouteNetlink.open()
        } catch {
            throw .system(error)
        }
    }

    /// Checks a name the way the kernel does (dev_valid_name), so mistakes get a clear error.
    public static func validate(name: String) throws(TapError) {
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= maxNameLength, name != ".", name != ".." else {
            throw .badName(name)
        }
        for byte in bytes where byte == UInt8(ascii: "/") || byte == UInt8(ascii: ":") || byte == 0
            || byte == 0x20 || (0x09...0x0D).contains(byte) {
            throw .badName(name)
        }
    }

    /// Closes the descriptor, which removes the interface.
    public func close() {
        try? descriptor.close()
        try? control.socket.close()
        try? routeSocket.close()
    }

    // MARK: configuration

    public func setMACAddress(_ mac: UInt64) throws(TapError) {
        do { try control.setHardwareAddress(mac) } catch { throw .configuring(error) }
    }

    public func macAddress() throws(TapError) -> UInt64 {
        do { return try control.hardwareAddress() } catch { throw .configuring(error) }
    }

    public func setMTU(_ mtu: Int) throws(TapError) {
        guard TapDevice.mtuRange.contains(mtu) else { throw .badMTU(mtu) }
        do { try control.setMTU(mtu) } catch {
            if error.code == EINVAL { throw .badMTU(mtu) }
            throw .configuring(error)
        }
    }

    public func mtu() throws(TapError) -> Int {
        do { return try control.mtu() } catch { throw .configuring(error) }
    }

    /// Sets the interface's (primary) IPv4 address and netmask.
    public func setIPv4(_ assignment: IPv4Interface) throws(TapError) {
        guard (0...32).contains(assignment.prefixLength) else { throw .badPrefixLength(assignment.prefixLength) }
        do {
            try control.setIPv4(assignment.address, cn2n_SIOCSIFADDR, "ioctl(SIOCSIFADDR)")
            try control.setIPv4(assignment.netmask, cn2n_SIOCSIFNETMASK, "ioctl(SIOCSIFNETMASK)")
        } catch {
            throw .configuring(error)
        }
    }

    /// The current IPv4 address and prefix, or nil when none is set (e.g. DHCP has not
    /// answered yet).
    public func ipv4() throws(TapError) -> IPv4Interface? {
        do {
            guard let address = try control.ipv4(cn2n_SIOCGIFADDR, "ioctl(SIOCGIFADDR)") else { return nil }
            let mask = try control.ipv4(cn2n_SIOCGIFNETMASK, "ioctl(SIOCGIFNETMASK)") ?? .max
            return IPv4Interface(address: address, netmask: mask) ?? IPv4Interface(address: address, prefixLength: 32)
        } catch {
            throw .configuring(error)
        }
    }

    /// Brings the interface up (or down).
    public func setUp(_ up: Bool = true) throws(TapError) {
        do {
            let flags = try control.flags()
            let upFlag = Int16(IFF_UP)
            let wanted = up ? flags | upFlag : flags & ~upFlag
            if wanted != flags { try control.setFlags(wanted) }
        } catch {
            throw .configuring(error)
        }
    }

    public func isUp() throws(TapError) -> Bool {
        do { return try control.flags() & Int16(IFF_UP) != 0 } catch { throw .configuring(error) }
    }

    /// Adds a route through this device (fails with EEXIST if the same route exists).
    public func addRoute(_ route: IPv4Route) throws(TapError) {
        try RouteNetlink.apply(route, interfaceIndex: interfaceIndex, add: true, socket: routeSocket)
    }

    /// Removes a route added by `addRoute` (fails with ESRCH if there is none).
    public func removeRoute(_ route: IPv4Route) throws(TapError) {
        try RouteNetlink.apply(route, interfaceIndex: interfaceIndex, add: false, socket: routeSocket)
    }

    // MARK: frames

    /// Replaces the batch's contents with as many frames as are ready (up to its capacity),
    /// stopping at EAGAIN. Returns the number read; 0 when nothing was waiting.
    /// A frame longer than `frameCapacity` arrives truncated; size the batch for the MTU.
    public func read(into batch: FrameBatch) throws(Errno) -> Int {
        batch.removeAll()
        let fd = descriptor.rawValue
        while !batch.isFull {
            let buffer = batch.nextFreeBuffer()
            guard let n = try systemCallUnlessWouldBlock("read(tap)", { Glibc.read(fd, buffer.baseAddress, buffer.count) }),
                n > 0
            else { break }
            batch.commitNext(length: n)
        }
        return batch.count
    }

    /// Reads one frame into `buffer`; nil when none is waiting.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int? {
        let fd = descriptor.rawValue
        return try systemCallUnlessWouldBlock("read(tap)") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// Writes frames 0..<count of `batch`. Frames the kernel refuses (EINVAL for a malformed
    /// frame, EIO while the interface is down, EAGAIN, ENOBUFS) are dropped and counted in
    /// `writeDrops`; only a broken descriptor throws. Returns the number written.
    @discardableResult
    public func write(_ batch: FrameBatch) throws(Errno) -> Int {
        var written = 0
        for i in 0..<batch.count where try write(frame: UnsafeRawBufferPointer(batch[i])) {
            written += 1
        }
        return written
    }

    /// Writes one frame; false if the kernel refused it (counted in `writeDrops`).
    @discardableResult
    public func write(frame: UnsafeRawBufferPointer) throws(Errno) -> Bool {
        let fd = descriptor.rawValue
        do {
            let n = try systemCall("write(tap)") { Glibc.write(fd, frame.baseAddress, frame.count) }
            return n == frame.count
        } catch {
            switch error.code {
            case EBADF, EFAULT, ENOTTY: throw error
            default:
                writeDrops += 1
                lastWriteError = error
                return false
            }
        }
    }
}
