import Testing
@testable import Edge

@Test func defaultGatewayFromProcNetRoute() {
    // Two default routes (metrics 100 and 50), a link route and a non-gateway default.
    let table = """
        Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
        eth0\t00000000\t0100FA0A\t0003\t0\t0\t100\t00000000\t0\t0\t0
        eth1\t00000000\t0101A8C0\t0003\t0\t0\t50\t00000000\t0\t0\t0
        eth0\t0000FA0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
        tun0\t00000000\t00000000\t0001\t0\t0\t10\t00000000\t0\t0\t0

        """
    #expect(EdgeRoutes.defaultGateway(table: table) == 0xC0A8_0101) // 192.168.1.1, the lower metric
    #expect(EdgeRoutes.defaultGateway(table: "Iface\tDestination\n") == nil)
    #expect(EdgeRoutes.defaultGateway(table: "garbage\nx y z\n\t\t\n") == nil)
}

// MARK: - the TAP queue reopen path of the runtime (root and /dev/net/tun)

import Glibc
import Logging
import CN2NLinux
import LinuxSystem
import N2NWire
import PacketCore
import TapDevice

/// Runs `body` with the calling thread in a fresh network namespace with its loopback up (the
/// runtime binds 127.0.0.1), so the TAP, its routes and the sockets vanish with it. The body is
/// synchronous: the thread returns to its own namespace when it ends.
private func inFreshNetworkNamespace(_ body: () throws -> Void) throws {
    let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
    guard original >= 0 else { try Test.cancel("cannot open /proc/thread-self/ns/net") }
    defer { close(original) }
    guard cn2n_unshare(cn2n_CLONE_NEWNET) == 0 else { try Test.cancel("the kernel refused a new network namespace") }
    defer { precondition(cn2n_setns(original, cn2n_CLONE_NEWNET) == 0, "could not return to the original network namespace") }
    let control = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(control) }
    var request = ifreq()
    withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { $0.copyBytes(from: Array("lo".utf8)) }
    _ = ioctl(control, cn2n_SIOCGIFFLAGS, &request)
    request.ifr_ifru.ifru_flags |= Int16(IFF_UP)
    guard ioctl(control, cn2n_SIOCSIFFLAGS, &request) == 0 else { try Test.cancel("cannot bring lo up") }
    try body()
}

private func routeIsPresent(_ route: IPv4Route, on interface: TapInterface) -> Bool {
    // The kernel refuses an exact duplicate: EEXIST means the route is there.
    do { try interface.addRoute(route) } catch { return error == .system(Errno(code: EEXIST, call: "rtnetlink(RTM_NEWROUTE)")) }
    try? interface.removeRoute(route)
    return false
}

@Suite(.enabled(if: geteuid() == 0 && access("/dev/net/tun", F_OK) == 0, "needs root and /dev/net/tun"))
struct EdgeTapReopenTests {
    @Test func aFailedQueueIsReplacedWithoutLosingTheInterfaceOrItsRoutes() throws {
        try inFreshNetworkNamespace {
            var config = EdgeConfiguration()
            config.community = Community("reopen")
            config.supernodes = [SupernodeAddress(host: "192.0.2.200", port: 7654)]
            config.tapName = "n2nr\(getpid() % 100_000)\(Int.random(in: 0..<1000))"
            config.tapAddress = TapAddress(mode: .static, ipv4: 0xC000_0201)  // 192.0.2.1/24
            config.managementPort = 0
            // One queue: the second half closes the runtime's only queue to make the interface go.
            config.workers = 1
            config.routes = [EdgeRoute(network: 0xC633_6400, prefixLength: 24, gateway: 0xC000_02FE)]
            let route = IPv4Route(destination: 0xC633_6400, prefixLength: 24, gateway: 0xC000_02FE)
            let runtime = try EdgeRuntime(config: config, logger: Logger(label: "test"))
            defer { runtime.shutdown() }

            let interface = try #require(runtime.tapInterface)
            let firstQueue = try #require(runtime.tap)
            #expect(routeIsPresent(route, on: interface))

            // A read error, then the reopen the runtime schedules 3 s later.
            runtime.tapFailed(Errno(code: EIO, call: "read(tap)"))
            #expect(runtime.tap == nil && runtime.failedTap === firstQueue && firstQueue.isOpen)
            try runtime.replaceTapQueue()
            let secondQueue = try #require(runtime.tap)
            #expect(secondQueue !== firstQueue && !firstQueue.isOpen && runtime.failedTap == nil)
            #expect(runtime.tapInterface === interface && interface.exists)
            #expect(if_nametoindex(config.tapName) == UInt32(interface.interfaceIndex))
            #expect(try interface.ipv4() == IPv4Interface(address: 0xC000_0201, prefixLength: 24))
            #expect(routeIsPresent(route, on: interface))
            #expect(runtime.routes?.interface === interface)

            // The interface deleted from outside (here: its last queue closed): the reopen
            // creates and configures it again and puts the -n routes back on it.
            secondQueue.close()
            for _ in 0..<50 where if_nametoindex(config.tapName) != 0 { usleep(20_000) }
            #expect(!interface.exists)
            runtime.tapFailed(Errno(code: EBADFD, call: "read(tap)"))
            try runtime.replaceTapQueue()
            let recreated = try #require(runtime.tapInterface)
            #expect(recreated !== interface && recreated.exists && runtime.tap != nil)
            #expect(try recreated.macAddress() == runtime.mac.rawValue)
            #expect(try recreated.ipv4() == IPv4Interface(address: 0xC000_0201, prefixLength: 24))
            #expect(runtime.routes?.interface === recreated)
            #expect(routeIsPresent(route, on: recreated))
        }
    }
}
