#if canImport(Glibc)
import Glibc
#endif
import CN2NLinux
import Logging
import N2NWire
import PacketCore

/// The `-n cidr:gateway` routes (spec 5.10). A route goes through the TAP; `0.0.0.0/0:gw` first
/// pins the (first) supernode to the current default gateway with a /32 route, then adds
/// 0.0.0.0/1 and 128.0.0.0/1 via `gw`, so the VPN's own packets keep their path. Failures are
/// logged and the edge carries on, as 2.8 does. The /32 route is removed at exit (which needs the
/// privileges the edge may have dropped: then the failure is logged).
final class EdgeRoutes {
    let tap: TapDevice
    let logger: Logger
    var supernodeRoute: (destination: UInt32, gateway: UInt32)?

    init(tap: TapDevice, logger: Logger) {
        self.tap = tap
        self.logger = logger
    }

    func add(_ routes: [EdgeRoute], supernodes: [EdgeEngine.Supernode]) {
        for route in routes {
            if route.isDefaultRoute {
                addDefault(via: route.gateway, supernode: supernodes.first)
            } else {
                addOnTap(IPv4Route(destination: route.network, prefixLength: route.prefixLength, gateway: route.gateway))
            }
        }
    }

    private func addOnTap(_ route: IPv4Route) {
        do {
            try tap.addRoute(route)
            logger.notice("route \(route) added on \(tap.name)")
        } catch {
            logger.error("cannot add route \(route) on \(tap.name): \(error)")
        }
    }

    private func addDefault(via gateway: UInt32, supernode: EdgeEngine.Supernode?) {
        // Startup only: a blocking lookup is acceptable before the loop runs.
        if let supernode, let address = supernode.literal ?? SupernodeResolver.lookup(host: supernode.host, port: supernode.port),
           case .v4(let snAddress) = address.address {
            if let systemGateway = EdgeRoutes.defaultGateway() {
                do {
                    try EdgeRoutes.hostRoute(add: true, destination: snAddress, gateway: systemGateway)
                    supernodeRoute = (snAddress, systemGateway)
                    logger.notice("route \(IPAddress.v4(snAddress))/32 via \(IPAddress.v4(systemGateway)) added for the supernode")
                } catch {
                    logger.error("cannot route the supernode \(IPAddress.v4(snAddress)) via \(IPAddress.v4(systemGateway)): \(error)")
                }
            } else {
                logger.error("no default gateway found: the supernode is not pinned to the current route")
            }
        } else {
            logger.error("cannot resolve the supernode for the default route")
        }
        addOnTap(IPv4Route(destination: 0, prefixLength: 1, gateway: gateway))
        addOnTap(IPv4Route(destination: 0x8000_0000, prefixLength: 1, gateway: gateway))
    }

    func removeAll() {
        guard let route = supernodeRoute else { return }
        supernodeRoute = nil
        do {
            try EdgeRoutes.hostRoute(add: false, destination: route.destination, gateway: route.gateway)
        } catch {
            logger.warning("cannot remove the supernode route \(IPAddress.v4(route.destination))/32: \(error)")
        }
    }

    /// The gateway of the main table's default route with the lowest metric, from /proc/net/route.
    static func defaultGateway(table: String? = nil) -> UInt32? {
        guard let text = table ?? (try? TextFile.read("/proc/net/route")) else { return nil }
        var best: (gateway: UInt32, metric: Int)?
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 8, let destination = UInt32(f[1], radix: 16), let gateway = UInt32(f[2], radix: 16),
                  let flags = UInt32(f[3], radix: 16), let metric = Int(f[6]), let mask = UInt32(f[7], radix: 16),
                  destination == 0, mask == 0, flags & 0x3 == 0x3 /* RTF_UP | RTF_GATEWAY */ else { continue }
            if best == nil || metric < best!.metric { best = (EdgeRoutes.fromProcHex(gateway), metric) }
        }
        return best?.gateway
    }

    /// /proc/net/route writes the 4 address bytes (network order) as a native-endian number.
    static func fromProcHex(_ n: UInt32) -> UInt32 {
        #if _endian(little)
        return n.byteSwapped
        #else
        return n
        #endif
    }

    /// Adds or removes `destination/32 via gateway` in the main table (the kernel picks the device).
    static func hostRoute(add: Bool, destination: UInt32, gateway: UInt32) throws(Errno) {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | cn2n_SOCK_CLOEXEC, NETLINK_ROUTE)
        guard fd >= 0 else { throw Errno.current("socket(AF_NETLINK)") }
        defer { close(fd) }
        var message: [UInt8] = []
        func append<T>(_ value: T) { withUnsafeBytes(of: value) { message.append(contentsOf: $0) } }
        let headerLength = MemoryLayout<nlmsghdr>.size + MemoryLayout<rtmsg>.size
        var header = nlmsghdr()
        header.nlmsg_len = UInt32(headerLength + 16)
        header.nlmsg_type = add ? cn2n_RTM_NEWROUTE : cn2n_RTM_DELROUTE
        header.nlmsg_flags = cn2n_NLM_F_REQUEST | cn2n_NLM_F_ACK | (add ? cn2n_NLM_F_CREATE | cn2n_NLM_F_EXCL : 0)
        header.nlmsg_seq = 1
        var body = rtmsg()
        body.rtm_family = UInt8(AF_INET)
        body.rtm_dst_len = 32
        body.rtm_table = cn2n_RT_TABLE_MAIN
        body.rtm_protocol = cn2n_RTPROT_STATIC
        body.rtm_scope = cn2n_RT_SCOPE_UNIVERSE
        body.rtm_type = cn2n_RTN_UNICAST
        append(header)
        append(body)
        for (type, address) in [(cn2n_RTA_DST, destination), (cn2n_RTA_GATEWAY, gateway)] {
            append(UInt16(8))
            append(type)
            append(address.bigEndian)
        }
        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        let sent = message.withUnsafeBytes { bytes in
            withUnsafePointer(to: &kernel) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                }
            }
        }
        guard sent == message.count else { throw Errno.current("sendto(netlink)") }
        var reply = [UInt8](repeating: 0, count: 4096)
        let n = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n >= MemoryLayout<nlmsghdr>.size + 4 else { throw Errno.current("recv(netlink)") }
        let code = reply.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: MemoryLayout<nlmsghdr>.size, as: Int32.self) }
        if code != 0 { throw Errno(code: -code, call: add ? "rtnetlink(RTM_NEWROUTE)" : "rtnetlink(RTM_DELROUTE)") }
    }
}
