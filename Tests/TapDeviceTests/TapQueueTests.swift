import CN2NLinux
import Glibc
import LinuxSystem
import Testing
@testable import TapDevice

/// A TAP interface with an address and a route, for the multi-queue tests.
struct ConfiguredTap {
    let interface: TapInterface
    let queue: TapQueue
    let address = IPv4Interface(address: ipv4(192, 0, 2, 1), prefixLength: 24)  // TEST-NET-1
    let route = IPv4Route(destination: ipv4(198, 51, 100, 0), prefixLength: 24, gateway: ipv4(192, 0, 2, 254))

    init(name: String) throws {
        (interface, queue) = try TapInterface.create(name: name)
        try interface.setMACAddress(0x02AA_BBCC_DD02)
        try interface.setIPv4(address)
        try interface.setUp()
        try interface.addRoute(route)
    }
}

/// Writes an ARP request for the TAP's own address into `writer` and waits up to 3 s for the
/// kernel's reply on any of `readers`. Returns the index of the reader it came out of.
func arpRoundTrip(tapMAC: UInt64, tapIP: UInt32, writer: TapQueue, readers: [TapQueue], fakeIP: UInt32) throws -> Int? {
    let fakeMAC: UInt64 = 0x0200_0000_0000 | UInt64(fakeIP & 0xFFFF)
    let out = FrameBatch(capacity: 1)
    #expect(arpRequest(senderMAC: fakeMAC, senderIP: fakeIP, target: tapIP).withUnsafeBytes { out.append($0) })
    #expect(try writer.write(out) == 1)
    let batch = FrameBatch(capacity: 16, frameCapacity: 2048)
    var descriptors = readers.map { pollfd(fd: $0.descriptor.rawValue, events: Int16(POLLIN), revents: 0) }
    let deadline = MonotonicMilliseconds.now() + 3000
    while MonotonicMilliseconds.now() < deadline {
        guard poll(&descriptors, nfds_t(descriptors.count), 200) > 0 else { continue }
        for (index, reader) in readers.enumerated() where descriptors[index].revents != 0 {
            let n = try reader.read(into: batch)
            for i in 0..<n {
                let frame = Array(batch[i])
                // An ARP reply (opcode 2) to our fake neighbour, from the TAP's MAC.
                if frame.count >= 42, frame[12] == 0x08, frame[13] == 0x06, frame[21] == 2,
                   Array(frame[0..<6]) == MAC.octets(fakeMAC), Array(frame[6..<12]) == MAC.octets(tapMAC) {
                    return index
                }
            }
        }
    }
    return nil
}

/// The output of a program run in the calling thread's network namespace (posix_spawn from this
/// thread inherits it); nil if it cannot be started.
func programOutput(_ arguments: [String]) -> String? {
    var pipeEnds: [Int32] = [-1, -1]
    guard pipe(&pipeEnds) == 0 else { return nil }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
    posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var child: pid_t = 0
    let spawned = posix_spawn(&child, arguments[0], &actions, nil, &argv, environ)
    close(pipeEnds[1])
    defer { close(pipeEnds[0]) }
    guard spawned == 0 else { return nil }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, $0.count) }
        if n <= 0 { break }
        output += chunk[0..<n]
    }
    var status: Int32 = 0
    waitpid(child, &status, 0)
    return String(decoding: output, as: UTF8.self)
}

/// The kernel's IPv4 routes through `name`, as `ip -4 route show dev NAME` prints them.
func routeTable(dev name: String) -> String? {
    for path in ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"] where access(path, X_OK) == 0 {
        return programOutput([path, "-4", "route", "show", "dev", name])
    }
    return nil
}

func interfaceVanishes(_ name: String) -> Bool {
    for _ in 0..<50 {
        if if_nametoindex(name) == 0 { return true }
        usleep(20_000)
    }
    return false
}

@Suite(.enabled(if: canCreateTap, "needs root and /dev/net/tun"))
struct TapQueueTests {
    @Test func aSecondQueueAttachesAndBothCarryFrames() throws {
        try inPrivateNetworkNamespace { _ in
            let tap = try ConfiguredTap(name: uniqueName())
            defer { tap.queue.close() }
            let second = try tap.interface.attachQueue()
            defer { second.close() }
            #expect(second.interfaceName == tap.interface.name)
            #expect(second.descriptor.rawValue != tap.queue.descriptor.rawValue)
            #expect(fcntl(second.descriptor.rawValue, F_GETFL) & O_NONBLOCK != 0)

            // Frames written on either queue enter the stack (the kernel answers both); the
            // replies leave through whichever queue the kernel picks, so read both.
            let mac = try tap.interface.macAddress()
            let first = try arpRoundTrip(tapMAC: mac, tapIP: tap.address.address, writer: tap.queue,
                                         readers: [tap.queue, second], fakeIP: ipv4(192, 0, 2, 10))
            #expect(first != nil, "no ARP reply to a frame written on the first queue")
            let other = try arpRoundTrip(tapMAC: mac, tapIP: tap.address.address, writer: second,
                                         readers: [tap.queue, second], fakeIP: ipv4(192, 0, 2, 11))
            #expect(other != nil, "no ARP reply to a frame written on the second queue")
        }
    }

    @Test func closingOneOfTwoQueuesKeepsTheInterfaceItsAddressAndRoute() throws {
        try inPrivateNetworkNamespace { isolated in
            let name = uniqueName()
            let tap = try ConfiguredTap(name: name)
            defer { tap.queue.close() }
            let index = tap.interface.interfaceIndex
            let second = try tap.interface.attachQueue()
            second.close()

            #expect(if_nametoindex(name) == UInt32(index))
            #expect(tap.interface.exists)
            #expect(try tap.interface.ipv4() == tap.address)
            #expect(try tap.interface.isUp())
            let routes = try #require(routeTable(dev: name), "cannot run ip(8)")
            #expect(routes.contains("198.51.100.0/24 via 192.0.2.254"), "routes on \(name): \(routes)")
            if isolated { #expect(sourceAddress(toward: ipv4(198, 51, 100, 5)) == .success(tap.address.address)) }
            // The remaining queue still carries frames both ways.
            let mac = try tap.interface.macAddress()
            #expect(try arpRoundTrip(tapMAC: mac, tapIP: tap.address.address, writer: tap.queue,
                                     readers: [tap.queue], fakeIP: ipv4(192, 0, 2, 12)) == 0)
        }
    }

    /// What the edge does when a TAP read fails: attach a new queue, then close the failed one.
    @Test func reopeningAQueueKeepsRoutesAndFramesFlowOnTheNewOne() throws {
        try inPrivateNetworkNamespace { isolated in
            let name = uniqueName()
            let tap = try ConfiguredTap(name: name)
            var closedOld = false
            defer { if !closedOld { tap.queue.close() } }
            let replacement = try tap.interface.attachQueue()
            defer { replacement.close() }
            tap.queue.close()
            closedOld = true

            #expect(tap.interface.exists)
            #expect(try tap.interface.ipv4() == tap.address)
            let routes = try #require(routeTable(dev: name), "cannot run ip(8)")
            #expect(routes.contains("198.51.100.0/24 via 192.0.2.254"), "routes on \(name): \(routes)")
            #expect(routes.contains("192.0.2.0/24"), "the subnet route went away: \(routes)")
            if isolated { #expect(sourceAddress(toward: ipv4(198, 51, 100, 5)) == .success(tap.address.address)) }
            // The route is the same one: adding it again is refused as a duplicate.
            #expect(throws: TapError.system(Errno(code: EEXIST, call: "rtnetlink(RTM_NEWROUTE)"))) {
                try tap.interface.addRoute(tap.route)
            }
            let mac = try tap.interface.macAddress()
            #expect(try arpRoundTrip(tapMAC: mac, tapIP: tap.address.address, writer: replacement,
                                     readers: [replacement], fakeIP: ipv4(192, 0, 2, 13)) == 0)
            // A second replacement works the same way.
            let third = try tap.interface.attachQueue()
            defer { third.close() }
            replacement.close()
            #expect(try arpRoundTrip(tapMAC: mac, tapIP: tap.address.address, writer: third,
                                     readers: [third], fakeIP: ipv4(192, 0, 2, 14)) == 0)
        }
    }

    @Test func closingTheLastQueueRemovesTheInterface() throws {
        try inPrivateNetworkNamespace { _ in
            let name = uniqueName()
            let (interface, first) = try TapInterface.create(name: name)
            var openQueues = [first]
            defer { for queue in openQueues { queue.close() } }
            let second = try interface.attachQueue()
            openQueues.append(second)

            // close(2) detaches the queue before it returns, so the state is final here.
            first.close()
            #expect(if_nametoindex(name) == UInt32(interface.interfaceIndex), "closing one of two queues removed the interface")
            #expect(interface.exists)
            // The interface still takes new queues, and closing that one leaves it too.
            let third = try interface.attachQueue()
            third.close()
            #expect(if_nametoindex(name) == UInt32(interface.interfaceIndex))
            second.close()
            #expect(interfaceVanishes(name))
            #expect(!interface.exists)
            // Attaching by name now would create a new, unconfigured interface: refused instead,
            // and nothing is left behind.
            #expect(throws: TapError.interfaceGone(name)) { try interface.attachQueue() }
            #expect(interfaceVanishes(name))
            interface.close()
        }
    }

    @Test func queuesOfAVirtioHeaderInterfaceShareItsFlags() throws {
        try inPrivateNetworkNamespace { _ in
            let options = TapOptions(vnetHeader: true)
            let (interface, first) = try TapInterface.create(name: uniqueName(), options: options)
            defer { first.close() }
            #expect(interface.options == options)
            let second = try interface.attachQueue()
            defer { second.close() }
            #expect(second.options == options)
            #expect(TapOptions().flags & cn2n_IFF_VNET_HDR == 0)
            #expect(options.flags & cn2n_IFF_MULTI_QUEUE != 0)
        }
    }
}
