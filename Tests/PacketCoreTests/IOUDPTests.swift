import Glibc
import N2NWire
import Testing
import LinuxSystem
@testable import PacketCore

/// Byte `j` of test datagram `i`: depends on both, so a swapped or shifted payload shows.
func testByte(_ i: Int, _ j: Int) -> UInt8 { UInt8(truncatingIfNeeded: i &* 31 &+ j &* 7 &+ 1) }

func testSize(_ i: Int) -> Int { [1, 17, 64, 200, 511, 999, 1400, 1472, 2000, 2048][i % 10] + (i / 10) % 3 - ((i % 10 == 9) ? 2 : 0) }

/// Waits (bounded) until `socket` is readable.
func waitReadable(_ socket: UDPSocket, milliseconds: Int32 = 2000) -> Bool {
    var descriptor = pollfd(fd: socket.descriptor.rawValue, events: Int16(POLLIN), revents: 0)
    return poll(&descriptor, 1, milliseconds) == 1
}

let loopback = PeerSocket.ipv4(127, 0, 0, 1, port: 0)

@Suite struct IOUDPTests {
    @Test func hundredDatagramsOfDifferentSizesRoundTripInBatches() throws {
        let receiver = try UDPSocket(bindingTo: loopback)
        let sender = try UDPSocket(bindingTo: loopback)
        let receiverEndpoint = try receiver.localEndpoint
        let senderEndpoint = try sender.localEndpoint
        #expect(receiverEndpoint.address == .v4(0x7F00_0001))
        #expect(receiverEndpoint.port != 0)
        #expect(try receiver.localPort == receiverEndpoint.port)

        let outgoing = SendBatch(socket: sender, capacity: 16)
        let incoming = DatagramBatch(capacity: 32)
        var scratch = [UInt8](repeating: 0, count: 2048)
        var received: [(length: Int, bytesOK: Bool, peer: PeerSocket?)] = []

        func drain() throws {
            while received.count < 100, waitReadable(receiver, milliseconds: received.isEmpty ? 2000 : 200) {
                let n = try receiver.receive(into: incoming)
                if n == 0 { break }
                for k in 0..<n {
                    let index = received.count
                    let data = incoming[k]
                    let ok = data.count == testSize(index) && data.indices.allSatisfy { data[$0] == testByte(index, $0) }
                    received.append((data.count, ok, incoming.peer(k)))
                    #expect(!incoming.isTruncated(k))
                }
                if received.count >= outgoing.socket.statistics.datagramsSent { break }
            }
        }

        for i in 0..<100 {
            let size = testSize(i)
            for j in 0..<size { scratch[j] = testByte(i, j) }
            // Half copied in, half written in place.
            if i % 2 == 0 {
                let queued = try scratch.withUnsafeBytes { try outgoing.enqueue(UnsafeRawBufferPointer(rebasing: $0[..<size]), to: receiverEndpoint) }
                #expect(queued)
            } else {
                try outgoing.enqueue(to: receiverEndpoint) { (buffer: UnsafeMutableRawBufferPointer) -> Int in
                    for j in 0..<size { buffer[j] = testByte(i, j) }
                    return size
                }
            }
            if i % 20 == 19 {  // flush in groups of 20: a full batch of 16 went out by itself
                try outgoing.flush()
                try drain()
            }
        }
        #expect(outgoing.pending == 0)
        #expect(sender.statistics.datagramsSent == 100)
        #expect(sender.statistics.sendErrors == 0)
        #expect(received.count == 100)
        for (index, datagram) in received.enumerated() {
            #expect(datagram.length == testSize(index), "datagram \(index)")
            #expect(datagram.bytesOK, "datagram \(index) contents")
            #expect(datagram.peer == senderEndpoint, "datagram \(index) source")
        }
        #expect(receiver.statistics.datagramsReceived == 100)
    }

    @Test func emptySocketReturnsZeroNotAnError() throws {
        let socket = try UDPSocket(bindingTo: loopback)
        let batch = DatagramBatch(capacity: 8)
        #expect(try socket.receive(into: batch) == 0)
        #expect(batch.count == 0)
        var buffer = [UInt8](repeating: 0, count: 64)
        let single = try buffer.withUnsafeMutableBytes { try socket.receive(into: $0) }
        #expect(single == nil)
    }

    @Test func singleSendAndReceiveWithTruncation() throws {
        let receiver = try UDPSocket(bindingTo: loopback)
        let sender = try UDPSocket(bindingTo: loopback)
        let target = try receiver.localEndpoint
        let big = [UInt8](repeating: 0xAB, count: 3000)
        #expect(try big.withUnsafeBytes { try sender.send($0, to: target) })
        #expect(try ([1, 2, 3] as [UInt8]).withUnsafeBytes { try sender.send($0, to: target) })

        #expect(waitReadable(receiver))
        let batch = DatagramBatch(capacity: 4, datagramCapacity: 2048)
        var got = try receiver.receive(into: batch)
        if got < 2, waitReadable(receiver) { got += try receiver.receive(into: batch) }
        #expect(batch.count >= 1)
        #expect(batch.isTruncated(0))
        #expect(batch[0].count == 2048)
        #expect(batch[0].allSatisfy { $0 == 0xAB })
        if batch.count == 2 {
            #expect(!batch.isTruncated(1))
            #expect(Array(batch[1]) == [1, 2, 3])
        } else {
            var small = [UInt8](repeating: 0, count: 16)
            #expect(waitReadable(receiver))
            let one = try small.withUnsafeMutableBytes { try receiver.receive(into: $0) }
            #expect(one?.length == 3)
            #expect(one?.source.map(PeerSocket.init) == (try sender.localEndpoint))
        }
    }

    @Test func perDatagramErrorIsCountedAndTheRestStillGoOut() throws {
        let receiver = try UDPSocket(bindingTo: loopback)
        let sender = try UDPSocket(bindingTo: loopback)
        let target = try receiver.localEndpoint
        let batch = DatagramBatch(capacity: 4)
        let payload: [UInt8] = [7, 7, 7]
        payload.withUnsafeBytes { bytes in
            _ = batch.append(bytes, to: target)
            // An IPv6 destination on an IPv4 socket: the kernel refuses this one datagram.
            _ = batch.append(bytes, to: PeerSocket(address: .v6(0, 1), port: target.port))
            _ = batch.append(bytes, to: target)
        }
        let sent = try sender.send(batch)
        #expect(sent == 2)
        #expect(sender.statistics.sendErrors == 1)
        #expect(sender.statistics.lastSendError != nil)
        #expect(sender.statistics.datagramsSent == 2)

        var total = 0
        let incoming = DatagramBatch(capacity: 4)
        while total < 2, waitReadable(receiver) { total += try receiver.receive(into: incoming) }
        #expect(total == 2)
    }

    @Test func brokenSocketThrows() throws {
        let socket = try UDPSocket(bindingTo: loopback)
        try socket.close()
        let batch = DatagramBatch(capacity: 2)
        #expect(throws: Errno(code: EBADF, call: "recvmmsg")) { try socket.receive(into: batch) }
    }

    @Test func optionsRoundTrip() throws {
        let socket = try UDPSocket(bindingTo: loopback, reuseAddress: true)
        #expect(try socket.option(SOL_SOCKET, SO_REUSEADDR) == 1)
        let flags = fcntl(socket.descriptor.rawValue, F_GETFL)
        #expect(flags != -1, "the descriptor is not open")
        #expect(flags & O_NONBLOCK != 0)

        try socket.setTimeToLive(3)
        #expect(try socket.timeToLive() == 3)
        try socket.setTimeToLive(64)
        #expect(try socket.timeToLive() == 64)

        try socket.setTypeOfService(0x10)
        #expect(try socket.option(Int32(IPPROTO_IP), IP_TOS) == 0x10)

        #expect(try socket.option(Int32(IPPROTO_IP), IP_MTU_DISCOVER) == IP_PMTUDISC_DONT)  // the default
        try socket.setPathMTUDiscovery(.do)
        #expect(try socket.option(Int32(IPPROTO_IP), IP_MTU_DISCOVER) == IP_PMTUDISC_DO)
        try socket.setPathMTUDiscovery(.dont)
        #expect(try socket.option(Int32(IPPROTO_IP), IP_MTU_DISCOVER) == IP_PMTUDISC_DONT)

        try socket.setMulticastLoop(false)
        #expect(try socket.option(Int32(IPPROTO_IP), IP_MULTICAST_LOOP) == 0)
        try socket.setMulticastTimeToLive(2)
        #expect(try socket.option(Int32(IPPROTO_IP), IP_MULTICAST_TTL) == 2)

        try socket.setReusePort(true)
        #expect(try socket.option(SOL_SOCKET, SO_REUSEPORT) == 1)
    }

    @Test func multicastJoinAndLeaveOnLoopback() throws {
        let socket = try UDPSocket(bindingTo: PeerSocket(ipv4: 0, port: 0), reuseAddress: true)
        let group: UInt32 = 0xE000_0044  // 224.0.0.68, n2n's local discovery group
        try socket.joinMulticastGroup(group, localAddress: 0x7F00_0001)
        #expect(throws: Errno(code: EADDRINUSE, call: "setsockopt(IP_ADD_MEMBERSHIP)")) {
            try socket.joinMulticastGroup(group, localAddress: 0x7F00_0001)
        }
        try socket.leaveMulticastGroup(group, localAddress: 0x7F00_0001)
        #expect(throws: Errno(code: EADDRNOTAVAIL, call: "setsockopt(IP_DROP_MEMBERSHIP)")) {
            try socket.leaveMulticastGroup(group, localAddress: 0x7F00_0001)
        }
    }

    @Test func dualStackSocketSeesIPv4PeersAsIPv4() throws {
        // No IPv6 in this kernel or namespace: nothing to test.
        guard let receiver = try dualStackSocket() else { return }
        let sender = try UDPSocket(bindingTo: loopback)
        let port = try receiver.localPort
        let target = PeerSocket.ipv4(127, 0, 0, 1, port: port)
        #expect(try ([9, 8] as [UInt8]).withUnsafeBytes { try sender.send($0, to: target) })
        #expect(waitReadable(receiver))
        let batch = DatagramBatch(capacity: 2)
        #expect(try receiver.receive(into: batch) == 1)
        #expect(batch.peer(0) == (try sender.localEndpoint))

        // And back: an IPv4 destination from the IPv6 socket goes out IPv4-mapped.
        #expect(try receiver.send(batch) == 1)
        #expect(waitReadable(sender))
        let reply = DatagramBatch(capacity: 2)
        #expect(try sender.receive(into: reply) == 1)
        #expect(Array(reply[0]) == [9, 8])
        #expect(reply.peer(0) == target)
    }

    func dualStackSocket() throws(Errno) -> UDPSocket? {
        do {
            let socket = try UDPSocket(family: .ipv6)
            try socket.bind(to: PeerSocket(address: .v6(0, 0), port: 0).socketAddress)
            return socket
        } catch {
            if error.code == EAFNOSUPPORT || error.code == EADDRNOTAVAIL { return nil }
            throw error
        }
    }

    @Test func socketAddressConversions() {
        var raw = sockaddr_in6()
        let v4 = PeerSocket.ipv4(192, 0, 2, 7, port: 7654)
        #expect(v4 == PeerSocket(ipv4: 0xC000_0207, port: 7654))
        #expect(v4.socketAddress.store(into: &raw) == socklen_t(MemoryLayout<sockaddr_in>.size))
        #expect(SocketAddress(raw: &raw, length: MemoryLayout<sockaddr_in>.size).map(PeerSocket.init) == v4)
        #expect(withUnsafeBytes(of: &raw) { Array($0[2..<8]) } == [0x1D, 0xE6, 192, 0, 2, 7])

        let mapped = v4.socketAddress.addressing(socketFamily: AF_INET6)!
        #expect(mapped.store(into: &raw) == socklen_t(MemoryLayout<sockaddr_in6>.size))
        #expect(withUnsafeBytes(of: &raw) { Array($0[8..<24]) } == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 7])
        #expect(SocketAddress(raw: &raw, length: MemoryLayout<sockaddr_in6>.size).map(PeerSocket.init) == v4)

        let v6 = PeerSocket(address: .v6(0x2001_0DB8_0000_0000, 0x0000_0000_0000_0001), port: 1)
        #expect(v6.socketAddress.addressing(socketFamily: AF_INET) == nil)
        #expect(v6.socketAddress.store(into: &raw) == socklen_t(MemoryLayout<sockaddr_in6>.size))
        #expect(SocketAddress(raw: &raw, length: MemoryLayout<sockaddr_in6>.size).map(PeerSocket.init) == v6)
        #expect(SocketAddress(raw: &raw, length: 4) == nil)
    }

    @Test func batchBookkeeping() {
        let batch = DatagramBatch(capacity: 2, datagramCapacity: 8, headroom: 4)
        let peer = PeerSocket.ipv4(127, 0, 0, 1, port: 9)
        #expect([UInt8](repeating: 1, count: 9).withUnsafeBytes { batch.append($0, to: peer) } == false)
        #expect([UInt8](repeating: 1, count: 8).withUnsafeBytes { batch.append($0, to: peer) })
        // Prepend a 4-byte header into the headroom.
        let slot = batch.slot(0)
        for j in 0..<4 { slot[j] = 0xEE }
        batch.setDatagram(0, offset: 0, length: 12)
        #expect(Array(batch[0]) == [0xEE, 0xEE, 0xEE, 0xEE, 1, 1, 1, 1, 1, 1, 1, 1])
        #expect(batch.appendDatagram(to: peer) { _ in 0 })  // declined: slot stays free
        #expect(batch.count == 1)
        #expect(batch.appendDatagram(to: peer) { buffer in buffer[0] = 5; return 1 })
        #expect(batch.isFull)
        #expect(batch.appendDatagram(to: peer) { _ in 1 } == false)
        #expect(batch.peer(1) == peer)
        batch.removeAll()
        #expect(batch.isEmpty)
    }
}
