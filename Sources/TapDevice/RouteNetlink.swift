import LinuxSystem
import CN2NLinux
import Glibc

/// IPv4 route changes through rtnetlink (RTM_NEWROUTE / RTM_DELROUTE), waiting for the
/// kernel's acknowledgement so failures (EEXIST, ENETUNREACH, ESRCH...) come back as errors.
enum RouteNetlink {
    /// A route socket. Opened with the device so that it belongs to the same network
    /// namespace whichever thread configures the device later.
    static func open() throws(Errno) -> FileDescriptor {
        try FileDescriptor("socket(AF_NETLINK, NETLINK_ROUTE)") {
            Glibc.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | cn2n_SOCK_CLOEXEC, NETLINK_ROUTE)
        }
    }

    /// Adds or removes `route`; a prefix length outside 0...32 is refused before anything is sent.
    static func apply(_ route: IPv4Route, interfaceIndex: Int32?, add: Bool, socket: FileDescriptor) throws(TapError) {
        guard (0...32).contains(route.prefixLength) else { throw .badPrefixLength(route.prefixLength) }
        do { try change(route, interfaceIndex: interfaceIndex, add: add, socket: socket) } catch {
            throw .configuring(error)
        }
    }

    static func change(_ route: IPv4Route, interfaceIndex: Int32?, add: Bool, socket: FileDescriptor) throws(Errno) {
        let call: StaticString = add ? "rtnetlink(RTM_NEWROUTE)" : "rtnetlink(RTM_DELROUTE)"
        let sequence = UInt32.random(in: 1...UInt32.max)
        let message = encode(route, interfaceIndex: interfaceIndex, add: add, sequence: sequence)

        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        let fd = socket.rawValue
        _ = try systemCall("sendto(netlink)") {
            message.withUnsafeBytes { bytes in
                withUnsafePointer(to: &kernel) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                    }
                }
            }
        }
        try awaitAcknowledgement(fd, sequence: sequence, call: call)
    }

    /// nlmsghdr + rtmsg + attributes, each attribute padded to 4 bytes. Without an interface index
    /// there is no RTA_OIF and the kernel picks the device that reaches the gateway.
    static func encode(_ route: IPv4Route, interfaceIndex: Int32?, add: Bool, sequence: UInt32) -> [UInt8] {
        var attributes: [UInt8] = []
        func attribute(_ type: UInt16, _ value: UInt32, bigEndian: Bool) {
            let payload = bigEndian ? value.bigEndian : value
            appendLittle(&attributes, UInt16(8))
            appendLittle(&attributes, type)
            withUnsafeBytes(of: payload) { attributes.append(contentsOf: $0) }
        }
        if route.prefixLength > 0 {
            attribute(cn2n_RTA_DST, route.destination & IPv4Interface.netmask(prefixLength: route.prefixLength), bigEndian: true)
        }
        if let interfaceIndex { attribute(cn2n_RTA_OIF, UInt32(bitPattern: interfaceIndex), bigEndian: false) }
        if let gateway = route.gateway { attribute(cn2n_RTA_GATEWAY, gateway, bigEndian: true) }
        if let metric = route.metric { attribute(cn2n_RTA_PRIORITY, metric, bigEndian: false) }

        let headerLength = MemoryLayout<nlmsghdr>.size + MemoryLayout<rtmsg>.size
        var header = nlmsghdr()
        header.nlmsg_len = UInt32(headerLength + attributes.count)
        header.nlmsg_type = add ? cn2n_RTM_NEWROUTE : cn2n_RTM_DELROUTE
        header.nlmsg_flags = cn2n_NLM_F_REQUEST | cn2n_NLM_F_ACK | (add ? cn2n_NLM_F_CREATE | cn2n_NLM_F_EXCL : 0)
        header.nlmsg_seq = sequence

        var body = rtmsg()
        body.rtm_family = UInt8(AF_INET)
        body.rtm_dst_len = UInt8(route.prefixLength)
        body.rtm_table = cn2n_RT_TABLE_MAIN
        body.rtm_protocol = cn2n_RTPROT_STATIC
        body.rtm_scope = route.gateway == nil ? cn2n_RT_SCOPE_LINK : cn2n_RT_SCOPE_UNIVERSE
        body.rtm_type = cn2n_RTN_UNICAST

        var message: [UInt8] = []
        message.reserveCapacity(Int(header.nlmsg_len))
        withUnsafeBytes(of: &header) { message.append(contentsOf: $0) }
        withUnsafeBytes(of: &body) { message.append(contentsOf: $0) }
        message.append(contentsOf: attributes)
        return message
    }

    private static func appendLittle(_ bytes: inout [UInt8], _ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    /// Reads replies until the NLMSG_ERROR for our sequence number (error 0 is the ACK).
    private static func awaitAcknowledgement(_ fd: Int32, sequence: UInt32, call: StaticString) throws(Errno) {
        var buffer = [UInt8](repeating: 0, count: 8192)
        let headerSize = MemoryLayout<nlmsghdr>.size
        for _ in 0..<16 {
            let received = try systemCall("recv(netlink)") {
                buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            }
            var offset = 0
            while offset + headerSize <= received {
                let header = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: nlmsghdr.self) }
                let length = Int(header.nlmsg_len)
                guard length >= headerSize, offset + length <= received else { break }
                if header.nlmsg_seq == sequence && header.nlmsg_type == cn2n_NLMSG_ERROR {
                    let code = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + headerSize, as: Int32.self) }
                    if code == 0 { return }
                    throw Errno(code: -code, call: call)
                }
                offset += (length + 3) & ~3
            }
        }
        throw Errno(code: EPROTO, call: call)
    }
}

/// IPv4 routes in the main table that do not go through a TAP device, e.g. a /32 that keeps a peer
/// on the system's gateway while the default route points into the VPN.
public enum SystemRoutes {
    /// Adds `route` (fails with EEXIST if it exists). Without `interfaceIndex` the kernel picks the
    /// device that reaches the gateway.
    public static func add(_ route: IPv4Route, interfaceIndex: Int32? = nil) throws(TapError) {
        try change(route, interfaceIndex: interfaceIndex, add: true)
    }

    /// Removes a route added by `add` (fails with ESRCH if there is none).
    public static func remove(_ route: IPv4Route, interfaceIndex: Int32? = nil) throws(TapError) {
        try change(route, interfaceIndex: interfaceIndex, add: false)
    }

    private static func change(_ route: IPv4Route, interfaceIndex: Int32?, add: Bool) throws(TapError) {
        let socket: FileDescriptor
        do { socket = try RouteNetlink.open() } catch { throw .configuring(error) }
        try RouteNetlink.apply(route, interfaceIndex: interfaceIndex, add: add, socket: socket)
    }
}
