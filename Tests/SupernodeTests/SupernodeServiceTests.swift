import Logging
import N2NWire
import LinuxSystem
import PacketCore
import Testing
@testable import Supernode

/// The wired supernode on loopback sockets (127.0.0.1 only, ephemeral ports, a bounded number of loop
/// iterations): registration, relaying and the management socket through the real I/O path.
@Suite(.serialized) struct SupernodeServiceTests {
    static let loopback: UInt32 = 0x7F00_0001

    final class Rig {
        let service: SupernodeService
        var mainAddress: PeerSocket { PeerSocket(ipv4: SupernodeServiceTests.loopback, port: service.localPort) }
        var managementAddress: PeerSocket { PeerSocket(ipv4: SupernodeServiceTests.loopback, port: service.managementPort) }

        init(whitelist: [Community]? = nil, clock: any MonotonicClock = SystemClock()) throws {
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            service = try SupernodeService(port: 0, managementPort: 0, logger: logger)
            try service.prepare(options: SupernodeEngineOptions(whitelist: whitelist), logger: logger, handleSignals: false, clock: clock)
        }

        func client() throws -> UDPSocket {
            try UDPSocket(bindingTo: PeerSocket(ipv4: SupernodeServiceTests.loopback, port: 0))
        }

        func send(_ bytes: [UInt8], from socket: UDPSocket, to destination: PeerSocket? = nil) throws {
            let sent = try bytes.withUnsafeBytes { try socket.send($0, to: destination ?? mainAddress) }
            #expect(sent)
        }

        /// Lets the loop run until `socket` has `count` datagrams (or 40 iterations have passed).
        func collect(_ count: Int, on socket: UDPSocket) throws -> [[UInt8]] {
            var out: [[UInt8]] = []
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
            defer { buffer.deallocate() }
            for _ in 0..<40 where out.count < count {
                try service.loop.runOnce(maxWait: .milliseconds(25))
                while let (length, _) = try socket.receive(into: buffer) {
                    out.append(Array(UnsafeRawBufferPointer(rebasing: buffer[0..<length])))
                }
            }
            return out
        }
    }

    static func registerSuper(_ mac: MACAddress, community: Community = Community("mynet")) -> [UInt8] {
        try! WireCodec.encode(CommonHeader(code: .registerSuper, community: community),
                              .registerSuper(RegisterSuper(cookie: 0x0102_0304, edgeMac: mac)))
    }

    /// The purge must really run in the service (it did not: `periodic` was never called and the
    /// loop's purge timer used the wall clock). One clock for loop and engine, moved by hand.
    @Test func serviceRunsThePurgeAtTheEnginesDeadline() throws {
        let clock = ManualClock()
        let rig = try Rig(clock: clock)
        let a = try rig.client()
        try rig.send(Self.registerSuper(MACAddress(2, 0, 0, 0, 0, 1)), from: a)
        #expect(try rig.collect(1, on: a).count == 1)
        #expect(rig.service.engine.edgeCount == 1)
        clock.advance(seconds: 31)
        try rig.service.loop.runOnce(maxWait: .milliseconds(5))
        #expect(rig.service.engine.edgeCount == 1)      // purged at 30 s: 31 s old is kept
        clock.advance(seconds: 30)
        try rig.service.loop.runOnce(maxWait: .milliseconds(5))
        #expect(rig.service.engine.edgeCount == 0)      // purged at 61 s
    }

    @Test func registrationIsAckedWithTheClientsSocket() throws {
        let rig = try Rig()
        let a = try rig.client()
        try rig.send(Self.registerSuper(MACAddress(2, 0, 0, 0, 0, 1)), from: a)
        let replies = try rig.collect(1, on: a)
        #expect(replies.count == 1)
        let ack = try WireCodec.decode(replies[0])
        guard case .registerSuperAck(let m) = ack.message else {
            Issue.record("expected REGISTER_SUPER_ACK, got \(ack.message)")
            return
        }
        #expect(ack.header.flags == [.socket, .fromSupernode])
        #expect(m.sock == PeerSocket(ipv4: Self.loopback, port: try a.localPort))
        #expect(m.lifetime == 15)
        #expect(rig.service.engine.edgeCount == 1)
    }

    @Test func broadcastIsRelayedToTheOtherEdges() throws {
        let rig = try Rig()
        let clients = try (0..<3).map { _ in try rig.client() }
        for (i, c) in clients.enumerated() {
            try rig.send(Self.registerSuper(MACAddress(2, 0, 0, 0, 0, UInt8(i + 1))), from: c)
            #expect(try rig.collect(1, on: c).count == 1)
        }
        let frame = try WireCodec.encode(
            CommonHeader(code: .packet, community: Community("mynet")),
            .packet(PacketHeader(srcMac: MACAddress(2, 0, 0, 0, 0, 1), dstMac: .broadcast,
                                 transform: TransformField(transform: .null)))) + Array(repeating: 0x5A, count: 60)
        try rig.send(frame, from: clients[0])
        for receiver in clients[1...] {
            let got = try rig.collect(1, on: receiver)
            #expect(got.count == 1)
            #expect(got.first?.count == frame.count + 8)
            #expect(got.first.map { Array($0.suffix(60)) } == Array(repeating: 0x5A, count: 60))
        }
        #expect(try rig.collect(1, on: clients[0]).isEmpty)
        #expect(rig.service.engine.statistics.broadcast == 2)
    }

    /// UDP GSO/GRO on the supernode's socket: a segmented burst from one edge arrives as one
    /// coalesced message, is cut into its datagrams, relayed one by one, and leaves segmented again.
    @Test func aCoalescedBurstIsRelayedDatagramByDatagram() throws {
        let rig = try Rig()
        guard rig.service.offloads.contains("gro") else { try Test.cancel("no UDP GRO here: \(rig.service.offloads)") }
        let a = try rig.client(), b = try rig.client()
        let macA = MACAddress(2, 0, 0, 0, 0, 1), macB = MACAddress(2, 0, 0, 0, 0, 2)
        for (mac, c) in [(macA, a), (macB, b)] {
            try rig.send(Self.registerSuper(mac), from: c)
            #expect(try rig.collect(1, on: c).count == 1)
        }
        guard a.supportsSegmentationOffload else { try Test.cancel("the kernel has no UDP_SEGMENT") }
        a.segmentsSends = true
        let burst = SendBatch(socket: a, capacity: 16, datagramCapacity: 2048)
        var sent: [[UInt8]] = []
        for i in 0..<10 {
            let packet = try WireCodec.encode(
                CommonHeader(code: .packet, community: Community("mynet")),
                .packet(PacketHeader(srcMac: macA, dstMac: macB, transform: TransformField(transform: .null))))
                + Array(repeating: UInt8(i), count: 1000)
            sent.append(packet)
            _ = try packet.withUnsafeBytes { try burst.enqueue($0, to: rig.mainAddress) }
        }
        #expect(try burst.flush() == 10)
        #expect(a.statistics.segmentedSends == 1)
        let relayed = try rig.collect(10, on: b)
        #expect(relayed.count == 10)
        // Each relayed datagram carries its own payload, in order (the supernode inserts the sender's socket).
        #expect(relayed.map { $0.last } == sent.map { $0.last })
        #expect(rig.service.engine.statistics.forwarded == 10)
        #expect(rig.service.coalescedReceives >= 1, "the burst did not arrive coalesced")
    }

    @Test func managementReportAndEmptyRequest() throws {
        let rig = try Rig()
        let a = try rig.client()
        try rig.send(Self.registerSuper(MACAddress(2, 0, 0, 0, 0, 1)), from: a)
        _ = try rig.collect(1, on: a)

        let console = try rig.client()
        try rig.send([], from: console, to: rig.managementAddress)
        #expect(try rig.collect(1, on: console).isEmpty)
        try rig.send(Array("\n".utf8), from: console, to: rig.managementAddress)
        let report = try rig.collect(3, on: console).map { String(decoding: $0, as: UTF8.self) }
        #expect(report.count == 3)
        #expect(report.first?.hasPrefix("----------------\nuptime    ") == true)
        #expect(report.first?.contains("\nedges     1\n") == true)
        #expect(report.first?.hasSuffix("community: mynet\n") == true)
        #expect(report.dropFirst().first?.hasPrefix("\t[id: 1][MAC: 02:00:00:00:00:01][edge: 127.0.0.1:") == true)
        #expect(report.last == "\n")
    }

    @Test func whitelistLocksTheService() throws {
        let rig = try Rig(whitelist: [Community("mynet")])
        let a = try rig.client()
        try rig.send(Self.registerSuper(MACAddress(2, 0, 0, 0, 0, 1), community: Community("other")), from: a)
        let refused = try rig.collect(1, on: a)
        #expect(refused.count == 1)
        #expect(try refused.first.map { try WireCodec.decode($0).header.code } == .registerSuperNak)
        try rig.send(Self.registerSuper(MACAddress(2, 0, 0, 0, 0, 1)), from: a)
        let accepted = try rig.collect(1, on: a)
        #expect(accepted.count == 1)
        #expect(try accepted.first.map { try WireCodec.decode($0).header.code } == .registerSuperAck)
    }
}
