#if canImport(Glibc)
import Glibc
#endif
import Logging
import N2NWire
import LinuxSystem
import PacketCore
import TapDevice
import ProgramSupport

/// The `-n cidr:gateway` routes (spec 5.10). A route goes through the TAP; `0.0.0.0/0:gw` first
/// pins the (first) supernode to the current default gateway with a /32 route, then adds
/// 0.0.0.0/1 and 128.0.0.0/1 via `gw`, so the VPN's own packets keep their path. Failures are
/// logged and the edge carries on, as 2.8 does. The /32 route is removed at exit (which needs the
/// privileges the edge may have dropped: then the failure is logged).
///
/// Routes belong to the TAP interface, which outlives its queues: replacing a failed queue keeps
/// them. The routes added on the TAP are remembered so that, if the interface itself had to be
/// created again, `readd(on:)` puts them on the new one.
final class EdgeRoutes {
    private(set) var interface: TapInterface
    let logger: Logger
    var supernodeRoute: IPv4Route?
    /// The routes added through the TAP interface (not the supernode's /32).
    private(set) var tapRoutes: [IPv4Route] = []

    init(interface: TapInterface, logger: Logger) {
        self.interface = interface
        self.logger = logger
    }

    func add(_ routes: [EdgeRoute], supernodes: [SupernodeAddress]) {
        for route in routes {
            if route.isDefaultRoute {
                addDefault(via: route.gateway, supernode: supernodes.first)
            } else {
                addOnTap(IPv4Route(destination: route.network, prefixLength: route.prefixLength, gateway: route.gateway))
            }
        }
    }

    private func addOnTap(_ route: IPv4Route) {
        if !tapRoutes.contains(route) { tapRoutes.append(route) }
        do {
            try interface.addRoute(route)
            logger.notice("route \(route) added on \(interface.name)")
        } catch {
            logger.error("cannot add route \(route) on \(interface.name): \(error)")
        }
    }

    /// Moves to a re-created interface and adds the TAP routes again (no name lookups).
    func readd(on newInterface: TapInterface) {
        interface = newInterface
        for route in tapRoutes { addOnTap(route) }
    }

    private func addDefault(via gateway: UInt32, supernode: SupernodeAddress?) {
        // Startup only: a blocking lookup is acceptable before the loop runs.
        let address = supernode.flatMap { $0.literal ?? SupernodeResolver.lookup(host: $0.host, port: $0.port, ipv6: true) }
        if case .v6? = address?.address {
            // The two /1 routes are IPv4 only: the supernode's IPv6 route is not affected.
            logger.notice("supernode \(address!) is reached over IPv6: no route to pin")
        } else if case .v4(let snAddress)? = address?.address {
            if let systemGateway = EdgeRoutes.defaultGateway() {
                do {
                    // The kernel picks the device that reaches the system gateway.
                    let route = IPv4Route(destination: snAddress, prefixLength: 32, gateway: systemGateway)
                    try SystemRoutes.add(route)
                    supernodeRoute = route
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
            try SystemRoutes.remove(route)
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
}
