import LinuxSystem
import CN2NLinux
import Glibc

/// A Linux TAP interface as the rest of the system sees it: name, index, MAC, MTU, IPv4 address,
/// up/down and routes, configured through interface ioctls and rtnetlink (never external
/// programs). It is opened once and lives for the whole process; its frames flow through
/// `TapQueue`s, which can be replaced or multiplied without touching this configuration.
///
/// The kernel keeps the interface while at least one queue is attached: closing the last
/// `TapQueue` removes it (the interface is not persistent), after which the calls here fail.
/// To replace a failed queue, attach the new one first and then close the old one.
public final class TapInterface {
    public static let defaultName = "edge0"
    /// IFNAMSIZ - 1.
    public static let maxNameLength = 15
    public static let mtuRange = 68...65535

    /// The name the kernel gave the device (equals the requested name unless it held "%d").
    public let name: String
    public let interfaceIndex: Int32
    /// The flags every queue of this interface is opened with.
    public let options: TapOptions
    let control: InterfaceControl
    let routeSocket: FileDescriptor

    /// Creates the TAP interface `name` (default "edge0") with its first queue, in the calling
    /// thread's network namespace (its configuration sockets are opened here too, so later
    /// configuration from any thread acts in that namespace). Fails with `.nameInUse` if an
    /// interface of that name exists.
    public static func create(
        name: String = TapInterface.defaultName, options: TapOptions = TapOptions()
    ) throws(TapError) -> (interface: TapInterface, queue: TapQueue) {
        try validate(name: name)
        let queue = try TapQueue(name: name, options: options, exclusive: true)
        do {
            let interface = try TapInterface(name: queue.interfaceName, options: options)
            return (interface, queue)
        } catch {
            queue.close()  // removes the half-made interface
            throw .system(error)
        }
    }

    private init(name: String, options: TapOptions) throws(Errno) {
        self.name = name
        self.options = options
        control = try InterfaceControl(name: name)
        interfaceIndex = try control.interfaceIndex()
        routeSocket = try RouteNetlink.open()
    }

    /// Attaches one more queue, with the interface's flags (the kernel refuses other flags).
    /// Throws `.interfaceGone` if the interface vanished (its last queue closed, or it was
    /// deleted from outside): attaching by name would then create a new, unconfigured one.
    public func attachQueue() throws(TapError) -> TapQueue {
        let queue = try TapQueue(name: name, options: options, exclusive: false)
        let index = try? control.interfaceIndex()
        guard index == interfaceIndex else {
            queue.close()
            throw .interfaceGone(name)
        }
        return queue
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

    /// Closes the configuration sockets. The interface itself stays while any queue is open.
    public func close() {
        try? control.socket.close()
        try? routeSocket.close()
    }

    /// True while the kernel still has an interface with this name and index.
    public var exists: Bool {
        (try? control.interfaceIndex()) == interfaceIndex
    }

    // MARK: configuration

    public func setMACAddress(_ mac: UInt64) throws(TapError) {
        do { try control.setHardwareAddress(mac) } catch { throw .configuring(error) }
    }

    public func macAddress() throws(TapError) -> UInt64 {
        do { return try control.hardwareAddress() } catch { throw .configuring(error) }
    }

    public func setMTU(_ mtu: Int) throws(TapError) {
        guard TapInterface.mtuRange.contains(mtu) else { throw .badMTU(mtu) }
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

    /// Adds a route through this interface (fails with EEXIST if the same route exists).
    public func addRoute(_ route: IPv4Route) throws(TapError) {
        try RouteNetlink.apply(route, interfaceIndex: interfaceIndex, add: true, socket: routeSocket)
    }

    /// Removes a route added by `addRoute` (fails with ESRCH if there is none).
    public func removeRoute(_ route: IPv4Route) throws(TapError) {
        try RouteNetlink.apply(route, interfaceIndex: interfaceIndex, add: false, socket: routeSocket)
    }
}
