import LinuxSystem
import N2NWire
import Testing
@testable import PacketCore

/// The worker on its own: a routing table set by hand, a control channel that records what it is
/// told. Nothing here goes through the control plane.
@Suite struct EdgeDataPlaneTests {
    final class RecordingChannel: EdgeControlChannel {
        var seen: [(MACAddress, PeerSocket, Bool)] = []
        var wanted: [MACAddress] = []
        var probes: [MACAddress] = []
        var messages: [PacketCode] = []
        func peerSeen(_ mac: MACAddress, sock: PeerSocket, viaSupernode: Bool, now: Int64) { seen.append((mac, sock, viaSupernode)) }
        func peerWanted(_ mac: MACAddress, now: Int64) { wanted.append(mac) }
        func probeDue(_ mac: MACAddress, now: Int64) { probes.append(mac) }
        var localHosts: [MACAddress] = []
        func localHostSeen(_ mac: MACAddress, now: Int64) { localHosts.append(mac) }
        func controlMessage(_ message: Message, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64) {
            messages.append(message.code)
        }
    }

    let clock = ManualClock()
    let channel = RecordingChannel()
    let sink = EdgeRecordingSink()
    var table = EdgeRoutingTable(relay: sn1Socket, supernodes: [sn1Socket])
    let bPub = PeerSocket(ipv4: 0xCB00_7107, port: 50000)

    func worker(routing: @escaping () -> EdgeRoutingTable, configure: (inout EdgeEngine.Configuration) -> Void = { _ in })
        -> EdgeDataPlane {
        var config = EdgeEngine.Configuration(community: testCommunity, mac: macA,
                                              supernodes: [SupernodeAddress(host: "198.51.100.1", port: 7654)])
        config.tapIPv4 = ipA
        configure(&config)
        let random = FakeRandom(seed: 3)
        let pipeline = FramePipeline(community: testCommunity, transform: TestTransform(), random: random)
        return EdgeDataPlane(configuration: config, pipeline: pipeline, clock: clock, random: random, datagrams: sink,
                             frames: sink, control: channel, routing: routing, logger: .init(label: "test"))
    }

    func frameToB() -> [UInt8] { Frames.ipv4(dst: macB, src: macA, srcIP: ipA, dstIP: ipB) }

    @Test func aFreshDirectRouteSendsToThePeerAndAStaleOneViaTheRelay() {
        let now = clock.monotonicNanoseconds
        var current = EdgeRoutingTable(peers: [macB: .init(sock: bPub, directUntil: now + 10_000_000_000, probeFrom: now + 5_000_000_000)],
                                       relay: sn1Socket, supernodes: [sn1Socket], generation: 1)
        let w = worker(routing: { current })
        frameToB().withUnsafeBytes { w.handleFrame($0) }
        #expect(sink.datagrams.last?.to == bPub)
        #expect(w.statistics.txP2P == 1)
        #expect(channel.wanted.isEmpty && channel.probes.isEmpty)

        // Old enough to probe: still direct, and the control plane hears it once per spacing.
        clock.advance(seconds: 6)
        for _ in 0..<5 { frameToB().withUnsafeBytes { w.handleFrame($0) } }
        #expect(sink.datagrams.last?.to == bPub)
        #expect(channel.probes == [macB])

        // Past its direct deadline: via the relay, and wanted (once per spacing).
        clock.advance(seconds: 5)
        for _ in 0..<5 { frameToB().withUnsafeBytes { w.handleFrame($0) } }
        #expect(sink.datagrams.last?.to == sn1Socket)
        #expect(w.statistics.txSupernode == 5)
        #expect(channel.wanted == [macB])

        // A newly published table is picked up on the next frame.
        current = EdgeRoutingTable(peers: [macB: .init(sock: bPub, directUntil: clock.monotonicNanoseconds + 1, probeFrom: .max)],
                                   relay: sn1Socket, supernodes: [sn1Socket], generation: 2)
        frameToB().withUnsafeBytes { w.handleFrame($0) }
        #expect(sink.datagrams.last?.to == bPub)
    }

    @Test func aHostBehindTheTapIsReportedOncePerSpacing() {
        let w = worker(routing: { self.table }) { $0.allowRouting = true }   // -r: the host's IP is not ours
        let host = MACAddress(0x02, 0, 0, 0, 0, 0x11)
        let fromHost = Frames.ipv4(dst: macB, src: host, srcIP: 0x0A00_000B, dstIP: ipB)
        for _ in 0..<5 { fromHost.withUnsafeBytes { w.handleFrame($0) } }
        frameToB().withUnsafeBytes { w.handleFrame($0) }   // the edge's own MAC is never reported
        #expect(channel.localHosts == [host])
        clock.advance(seconds: 0.3)
        fromHost.withUnsafeBytes { w.handleFrame($0) }
        #expect(channel.localHosts == [host, host])
    }

    @Test func groupDestinationsAreNeverWanted() {
        let w = worker(routing: { EdgeRoutingTable(relay: sn1Socket, supernodes: [sn1Socket]) }) { $0.dropMulticast = false }
        Frames.ipv4(dst: MACAddress(0x01, 0, 0x5E, 1, 1, 1), src: macA, srcIP: ipA, dstIP: 0xEF01_0101).withUnsafeBytes { w.handleFrame($0) }
        Frames.arpRequest(from: macA, senderIP: ipA, targetIP: ipB).withUnsafeBytes { w.handleFrame($0) }
        #expect(channel.wanted.isEmpty)
        #expect(sink.datagrams.count == 2)
        #expect(sink.datagrams.allSatisfy { $0.to == sn1Socket })
    }

    @Test func noRelayYetIsACountedDrop() {
        let w = worker(routing: { EdgeRoutingTable() })
        frameToB().withUnsafeBytes { w.handleFrame($0) }
        #expect(sink.datagrams.isEmpty)
        #expect(w.statistics.drops(.noSupernode) == 1)
    }

    @Test func aPeerIsSeenOnlyWhenItsPacketOpensAndReportsAreSpaced() {
        let w = worker(routing: { EdgeRoutingTable(relay: sn1Socket, supernodes: [sn1Socket]) })
        let frame = Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA)
        // A PACKET whose payload does not open (another transform) is no evidence of the peer.
        var bad = packetDatagram(src: macB, dst: macA, frame: frame, transform: TransformID.aesCBC.rawValue)
        bad.withUnsafeMutableBytes { w.handleDatagram($0, from: bPub) }
        #expect(channel.seen.isEmpty)
        #expect(w.statistics.drops(.wrongTransform) == 1)

        for _ in 0..<3 {
            var good = packetDatagram(src: macB, dst: macA, frame: frame)
            good.withUnsafeMutableBytes { w.handleDatagram($0, from: bPub) }
        }
        #expect(sink.frames.count == 3)
        #expect(channel.seen.count == 1)
        #expect(channel.seen.first?.0 == macB && channel.seen.first?.1 == bPub && channel.seen.first?.2 == false)
        // A new socket is news at once; the same socket again only after the spacing.
        let moved = PeerSocket(ipv4: 0xCB00_7108, port: 50001)
        var fromMoved = packetDatagram(src: macB, dst: macA, frame: frame)
        fromMoved.withUnsafeMutableBytes { w.handleDatagram($0, from: moved) }
        #expect(channel.seen.count == 2)
        clock.advance(nanoseconds: EdgeDataPlane.reportSpacing)
        var again = packetDatagram(src: macB, dst: macA, frame: frame)
        again.withUnsafeMutableBytes { w.handleDatagram($0, from: moved) }
        #expect(channel.seen.count == 3)
    }

    @Test func relayedPacketsMustComeFromASupernodeAndControlMessagesGoToTheControlPlane() {
        let w = worker(routing: { EdgeRoutingTable(relay: sn1Socket, supernodes: [sn1Socket]) })
        let frame = Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA)
        var forged = packetDatagram(src: macB, dst: macA, frame: frame, sock: bPub, fromSupernode: true)
        forged.withUnsafeMutableBytes { w.handleDatagram($0, from: bPub) }
        #expect(w.statistics.drops(.spoofedSupernode) == 1)
        #expect(sink.frames.isEmpty)
        var relayed = packetDatagram(src: macB, dst: macA, frame: frame, sock: bPub, fromSupernode: true)
        relayed.withUnsafeMutableBytes { w.handleDatagram($0, from: sn1Socket) }
        #expect(sink.frames.count == 1)
        #expect(w.statistics.rxSupernode == 1)
        #expect(channel.seen.first?.1 == bPub && channel.seen.first?.2 == true)

        var register = controlDatagram(.register(Register(srcMac: macB, dstMac: macA)))
        register.withUnsafeMutableBytes { w.handleDatagram($0, from: bPub) }
        #expect(channel.messages == [.register])
    }

    /// Issue 17 item 3: a relayed PACKET without a sock (our supernode leaves it out across IP
    /// families) or naming an IPv6 socket this edge cannot reach tells where the peer is not: the
    /// supernode's address is never taken for the peer's.
    @Test(arguments: [false, true])
    func relayedPacketsWithoutAUsableSockLeaveThePeerSocketUnknown(reachesIPv6: Bool) {
        let w = worker(routing: { EdgeRoutingTable(relay: sn1Socket, supernodes: [sn1Socket]) }) { $0.reachesIPv6 = reachesIPv6 }
        let frame = Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA)
        var bare = packetDatagram(src: macB, dst: macA, frame: frame, fromSupernode: true)
        bare.withUnsafeMutableBytes { w.handleDatagram($0, from: sn1Socket) }
        let v6 = PeerSocket(address: .v6(0x2001_0DB8_0000_0000, 2), port: 50000)
        var named = packetDatagram(src: macC, dst: macA, frame: frame, sock: v6, fromSupernode: true)
        named.withUnsafeMutableBytes { w.handleDatagram($0, from: sn1Socket) }
        #expect(sink.frames.count == 2)
        #expect(channel.seen.map(\.1) == [PeerSocket(ipv4: 0, port: 0), reachesIPv6 ? v6 : PeerSocket(ipv4: 0, port: 0)])
        #expect(channel.seen.allSatisfy { $0.2 })
    }
}
