import CN2NLinux
import Glibc
import LinuxSystem
import Testing
@testable import TapDevice

/// TAP tests need root (CAP_NET_ADMIN) and /dev/net/tun; without them they are skipped, and
/// the skip reason says which is missing.
let canCreateTap = geteuid() == 0 && access("/dev/net/tun", F_OK) == 0

/// Runs `body` with the calling thread in a fresh network namespace, so the test's TAP
/// device, addresses and routes are invisible to the host and to other tests, and vanish
/// with it. Falls back to the host namespace (still with a unique device name and
/// documentation-only addresses) if the kernel refuses a new namespace. The body must be
/// synchronous: the thread returns to its own namespace when it ends.
func inPrivateNetworkNamespace<T>(_ body: (_ isolated: Bool) throws -> T) throws -> T {
    let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
    guard original >= 0 else { return try body(false) }
    defer { close(original) }
    guard cn2n_unshare(cn2n_CLONE_NEWNET) == 0 else { return try body(false) }
    defer { precondition(cn2n_setns(original, cn2n_CLONE_NEWNET) == 0, "could not return to the original network namespace") }
    return try body(true)
}

func uniqueName() -> String { "n2nt\(getpid() % 100_000)\(Int.random(in: 0..<1000))" }

func ipv4(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) -> UInt32 { a << 24 | b << 16 | c << 8 | d }

/// Ethernet + ARP request "who has `target`? tell `senderIP`" from `senderMAC` (42 bytes).
func arpRequest(senderMAC: UInt64, senderIP: UInt32, target: UInt32) -> [UInt8] {
    var frame: [UInt8] = Array(repeating: 0xFF, count: 6) + MAC.octets(senderMAC) + [0x08, 0x06]
    frame += [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]
    frame += MAC.octets(senderMAC) + bigEndianBytes(senderIP)
    frame += Array(repeating: 0, count: 6) + bigEndianBytes(target)
    return frame
}

func bigEndianBytes(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32($0))) } }

/// The local address the kernel would use to reach `destination` (UDP connect sends nothing),
/// or the errno of the failure (ENETUNREACH without a route).
func sourceAddress(toward destination: UInt32) -> Result<UInt32, Errno> {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(fd) }
    var remote = sockaddr_in()
    remote.sin_family = sa_family_t(AF_INET)
    remote.sin_port = UInt16(9).bigEndian
    remote.sin_addr.s_addr = destination.bigEndian
    let connected = withUnsafePointer(to: &remote) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if connected != 0 { return .failure(Errno.current("connect")) }
    var local = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &local) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return .success(UInt32(bigEndian: local.sin_addr.s_addr))
}

@Suite struct TapOfflineTests {
    @Test func frameBatchBookkeeping() {
        let batch = FrameBatch(capacity: 2, frameCapacity: 4, headroom: 2)
        #expect([1, 2, 3, 4, 5].withUnsafeBytes { batch.append($0) } == false)
        #expect(([1, 2, 3] as [UInt8]).withUnsafeBytes { batch.append($0) })
        batch.slot(0)[0] = 9
        batch.slot(0)[1] = 8
        batch.setFrame(0, offset: 0, length: 5)
        #expect(Array(batch[0]) == [9, 8, 1, 2, 3])
        #expect(batch.appendFrame { _ in 0 })
        #expect(batch.count == 1)
        #expect(batch.appendFrame { buffer in buffer[3] = 7; return 4 })
        #expect(batch.isFull)
        #expect(batch[1][3] == 7)
        #expect(batch.appendFrame { _ in 1 } == false)
        batch.removeAll()
        #expect(batch.count == 0)
    }

    @Test(arguments: ["", "sixteen-bytes-xx", "a/b", "a b", "a:b", ".", "..", "tab\tname"])
    func badNamesAreRejectedBeforeTouchingTheKernel(_ name: String) {
        #expect(throws: TapError.badName(name)) { try TapInterface.create(name: name) }
    }

    @Test(arguments: ["edge0", "n2n", "fifteen-bytes-x"])
    func goodNamesPassValidation(_ name: String) throws {
        try TapInterface.validate(name: name)
    }

    @Test func errorsDescribeThemselves() {
        #expect(TapError.noTunDevice.description.contains("/dev/net/tun"))
        #expect(TapError.nameInUse("edge0").description.contains("'edge0' is already in use"))
        #expect(TapError.badMTU(20).description.contains("68...65535"))
        #expect(TapError.permissionDenied(Errno(code: EPERM, call: "ioctl(TUNSETIFF)")).description.contains("root"))
    }

    @Test func macHelpers() {
        let mac = MAC.randomLocallyAdministered()
        #expect(mac >> 48 == 0)
        #expect((mac >> 40) & 0x03 == 0x02)  // locally administered, unicast
        #expect(MAC.format(0x0200_0000_00AB) == "02:00:00:00:00:ab")
        #expect(MAC.fromOctets(MAC.octets(mac)) == mac)
        #expect(IPv4Interface(address: ipv4(192, 0, 2, 1), netmask: 0xFFFF_FF00)?.prefixLength == 24)
        #expect(IPv4Interface(address: 1, netmask: 0xFF00_FF00) == nil)
        #expect(IPv4Interface(address: ipv4(10, 1, 2, 3), prefixLength: 8).description == "10.1.2.3/8")
    }

    @Test func routeMessageLayout() {
        let route = IPv4Route(destination: ipv4(198, 51, 100, 77), prefixLength: 24, gateway: ipv4(192, 0, 2, 254), metric: 5)
        let bytes = RouteNetlink.encode(route, interfaceIndex: 7, add: true, sequence: 0x0102_0304)
        // nlmsghdr(16) + rtmsg(12) + DST(8) + OIF(8) + GATEWAY(8) + PRIORITY(8)
        #expect(bytes.count == 60)
        #expect(bytes[0] == 60 && bytes[4] == UInt8(cn2n_RTM_NEWROUTE))
        #expect(Array(bytes[16..<20]) == [UInt8(AF_INET), 24, 0, 0])  // family, dst_len, src_len, tos
        #expect(Array(bytes[28..<36]) == [8, 0, UInt8(cn2n_RTA_DST), 0, 198, 51, 100, 0])  // host bits cleared
        #expect(Array(bytes[36..<44]) == [8, 0, UInt8(cn2n_RTA_OIF), 0, 7, 0, 0, 0])
        #expect(Array(bytes[44..<52]) == [8, 0, UInt8(cn2n_RTA_GATEWAY), 0, 192, 0, 2, 254])
    }

    @Test func systemRouteMessageHasNoInterface() {
        let route = IPv4Route(destination: ipv4(203, 0, 113, 9), prefixLength: 32, gateway: ipv4(192, 0, 2, 1))
        let bytes = RouteNetlink.encode(route, interfaceIndex: nil, add: false, sequence: 9)
        // nlmsghdr(16) + rtmsg(12) + DST(8) + GATEWAY(8): the kernel picks the device
        #expect(bytes.count == 44)
        #expect(bytes[0] == 44 && bytes[4] == UInt8(cn2n_RTM_DELROUTE))
        #expect(Array(bytes[16..<20]) == [UInt8(AF_INET), 32, 0, 0])
        #expect(Array(bytes[20..<24]) == [UInt8(cn2n_RT_TABLE_MAIN), UInt8(cn2n_RTPROT_STATIC), UInt8(cn2n_RT_SCOPE_UNIVERSE), UInt8(cn2n_RTN_UNICAST)])
        #expect(Array(bytes[28..<36]) == [8, 0, UInt8(cn2n_RTA_DST), 0, 203, 0, 113, 9])
        #expect(Array(bytes[36..<44]) == [8, 0, UInt8(cn2n_RTA_GATEWAY), 0, 192, 0, 2, 1])
    }
}

@Suite(.enabled(if: canCreateTap, "needs root and /dev/net/tun"))
struct TapDeviceTests {
    @Test func createConfigureReadBackAndAnswerARP() throws {
        try inPrivateNetworkNamespace { isolated in
            let name = uniqueName()
            let (tap, queue) = try TapInterface.create(name: name)
            defer { queue.close() }
            #expect(tap.name == name)
            #expect(queue.interfaceName == name)
            #expect(tap.interfaceIndex > 0)
            #expect(if_nametoindex(name) == UInt32(tap.interfaceIndex))
            #expect(fcntl(queue.descriptor.rawValue, F_GETFL) & O_NONBLOCK != 0)
            #expect(try tap.ipv4() == nil)  // nothing assigned yet

            // Creating the same name again is refused while the first holds it (IFF_TUN_EXCL),
            // although the interface is multi-queue and would accept another queue.
            #expect(throws: TapError.nameInUse(name)) { try TapInterface.create(name: name) }

            let mac: UInt64 = 0x02AA_BBCC_DD01
            try tap.setMACAddress(mac)
            #expect(try tap.macAddress() == mac)

            try tap.setMTU(1400)
            #expect(try tap.mtu() == 1400)
            #expect(throws: TapError.badMTU(67)) { try tap.setMTU(67) }
            #expect(throws: TapError.badMTU(70_000)) { try tap.setMTU(70_000) }
            #expect(try tap.mtu() == 1400)

            let address = IPv4Interface(address: ipv4(192, 0, 2, 1), prefixLength: 24)  // TEST-NET-1
            try tap.setIPv4(address)
            #expect(try tap.ipv4() == address)
            #expect(throws: TapError.badPrefixLength(33)) { try tap.setIPv4(IPv4Interface(address: 1, prefixLength: 33)) }

            #expect(try tap.isUp() == false)
            try tap.setUp()
            #expect(try tap.isUp())

            // Nothing written yet may still mean the kernel's own chatter (IPv6 router
            // solicitations...) is queued; an empty read must return 0, not throw.
            let batch = FrameBatch(capacity: 16, frameCapacity: 2048)
            while try queue.read(into: batch) > 0 {}
            #expect(try queue.read(into: batch) == 0)

            // Ask the kernel for the TAP's own address from a fake neighbour; the reply comes
            // back out of the TAP descriptor.
            let fakeMAC: UInt64 = 0x0200_0000_0099
            let fakeIP = ipv4(192, 0, 2, 99)
            let request = arpRequest(senderMAC: fakeMAC, senderIP: fakeIP, target: address.address)
            let out = FrameBatch(capacity: 2)
            #expect(request.withUnsafeBytes { out.append($0) })
            #expect(try queue.write(out) == 1)
            #expect(queue.writeDrops == 0)

            var reply: [UInt8]?
            var descriptor = pollfd(fd: queue.descriptor.rawValue, events: Int16(POLLIN), revents: 0)
            let deadline = MonotonicMilliseconds.now() + 3000
            search: while MonotonicMilliseconds.now() < deadline {
                guard poll(&descriptor, 1, 200) == 1 else { continue }
                let n = try queue.read(into: batch)
                for i in 0..<n {
                    let frame = Array(batch[i])
                    if frame.count >= 42, frame[12] == 0x08, frame[13] == 0x06, frame[20] == 0, frame[21] == 2 {
                        reply = frame
                        break search
                    }
                }
            }
            let arp = try #require(reply, "no ARP reply from the kernel within 3 s")
            #expect(Array(arp[0..<6]) == MAC.octets(fakeMAC))  // to the asker
            #expect(Array(arp[6..<12]) == MAC.octets(mac))  // from the TAP's MAC
            #expect(Array(arp[22..<28]) == MAC.octets(mac))  // sender hardware address
            #expect(Array(arp[28..<32]) == bigEndianBytes(address.address))
            #expect(Array(arp[32..<38]) == MAC.octets(fakeMAC))
            #expect(Array(arp[38..<42]) == bigEndianBytes(fakeIP))

            // Routes through the device, via a gateway on its subnet and directly.
            let viaGateway = IPv4Route(destination: ipv4(198, 51, 100, 0), prefixLength: 24, gateway: ipv4(192, 0, 2, 254))
            let direct = IPv4Route(destination: ipv4(203, 0, 113, 0), prefixLength: 24)
            try tap.addRoute(viaGateway)
            try tap.addRoute(direct)
            #expect(sourceAddress(toward: ipv4(198, 51, 100, 5)) == .success(address.address))
            #expect(sourceAddress(toward: ipv4(203, 0, 113, 9)) == .success(address.address))
            #expect(throws: TapError.system(Errno(code: EEXIST, call: "rtnetlink(RTM_NEWROUTE)"))) { try tap.addRoute(direct) }
            try tap.removeRoute(viaGateway)
            try tap.removeRoute(direct)
            #expect(throws: TapError.system(Errno(code: ESRCH, call: "rtnetlink(RTM_DELROUTE)"))) { try tap.removeRoute(direct) }
            // A route outside the device: the kernel picks the device that reaches the gateway.
            let pinned = IPv4Route(destination: ipv4(198, 51, 100, 77), prefixLength: 32, gateway: ipv4(192, 0, 2, 254))
            try SystemRoutes.add(pinned)
            #expect(sourceAddress(toward: ipv4(198, 51, 100, 77)) == .success(address.address))
            #expect(throws: TapError.system(Errno(code: EEXIST, call: "rtnetlink(RTM_NEWROUTE)"))) { try SystemRoutes.add(pinned) }
            try SystemRoutes.remove(pinned)
            #expect(throws: TapError.system(Errno(code: ESRCH, call: "rtnetlink(RTM_DELROUTE)"))) { try SystemRoutes.remove(pinned) }
            if isolated {  // a private namespace has no default route to fall back on
                #expect(sourceAddress(toward: ipv4(198, 51, 100, 5)) == .failure(Errno(code: ENETUNREACH, call: "connect")))
            }

            try tap.setUp(false)
            #expect(try tap.isUp() == false)

            // Closing its only queue removes the (non-persistent) interface.
            queue.close()
            tap.close()
            var gone = false
            for _ in 0..<50 {
                if if_nametoindex(name) == 0 { gone = true; break }
                usleep(20_000)
            }
            #expect(gone)
        }
    }
}

enum MonotonicMilliseconds {
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1000 + UInt64(spec.tv_nsec) / 1_000_000
    }
}
