import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

private let bPub = PeerSocket(ipv4: 0xCB00_7106, port: 50000)

@Test func statisticsBlockIsByteExact() throws {
    let clock = ManualClock(wall: WallTime(seconds: 1_700_000_000))
    let edge = TestEdge(clock: clock)
    edge.engine.start()
    clock.advance(seconds: 2)
    edge.ackRegistration()                                     // last super = 1_700_000_002
    clock.advance(seconds: 3)
    for _ in 0..<15 { edge.send(frame: Frames.arpRequest(from: macA, senderIP: ipA, targetIP: ipB)) }
    let frame = Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA)
    edge.receive(packetDatagram(src: macB, dst: macA, frame: frame, sock: bPub, fromSupernode: true), from: sn1Socket)
    clock.advance(seconds: 4)
    edge.receive(packetDatagram(src: macB, dst: macA, frame: frame), from: bPub) // last p2p = 1_700_000_009
    clock.advance(seconds: 1)
    let text = edge.managementText("\n")
    let expected = """
        Statistics for edge
        uptime 10
        paths  super:15,1 p2p:0,1
        transop |    15|     2|
        peers  pend:1 full:0
        last super:1700000005(5 sec ago) p2p:1700000009(1 sec ago)

        """
    #expect(text.hasPrefix(expected))
    // The drop counters follow.
    #expect(text.dropFirst(expected.count) == "dropped 0\n")
}

@Test func statisticsBeforeAnyTraffic() {
    let clock = ManualClock(wall: WallTime(seconds: 1_700_000_000))
    let edge = TestEdge(clock: clock)
    edge.engine.start()
    edge.receive([0x03, 0x02], from: bPub)
    let text = edge.managementText("")
    #expect(text == """
        Statistics for edge
        uptime 0
        paths  super:0,0 p2p:0,0
        transop |     0|     0|
        peers  pend:0 full:0
        last super:0(1700000000 sec ago) p2p:0(1700000000 sec ago)
        dropped 1
        drops  too_short:1

        """)
}

@Test func transopFieldsWidenPastSixDigits() {
    let edge = TestEdge()
    edge.engine.worker.statistics.transformTx = 1_234_567
    edge.engine.worker.statistics.transformRx = 7
    #expect(edge.managementText("x").contains("transop |1234567|     7|\n"))
}

@Test func helpTextIsExactAndLeavesVerbosityAlone() {
    let edge = TestEdge()
    edge.engine.verbosity = 2
    let reply = edge.managementText("help")
    #expect(reply == "Help for edge management console:\n  stop    Gracefully exit edge\n  help    This help message\n"
        + "  +verb   Increase verbosity of logging\n  -verb   Decrease verbosity of logging\n"
        + "  peers   List peers: <MAC> <ip:port> pending|p2p|stale\n"
        + "  supernodes List supernodes: <host:port> <address> current|standby last_ack\n"
        + "  <enter> Display statistics\n"
        + "  r <tag> help  JSON API (n2n 3.x): r/w/s <tag>[:1:<password>] <method>\n\n")
    #expect(edge.engine.verbosity == 2)
    #expect(edge.management("help me").stop == false)
}

@Test func verbosityCommands() {
    let edge = TestEdge()
    var reported: [Int] = []
    edge.engine.verbosity = 1
    edge.engine.onVerbosityChange = { reported.append($0) }
    #expect(edge.managementText("+verb") == "> +OK traceLevel=2\n")
    #expect(edge.managementText("+verbose") == "> +OK traceLevel=3\n")
    #expect(edge.managementText("-verb") == "> -OK traceLevel=2\n")
    #expect(edge.managementText("-verb") == "> -OK traceLevel=1\n")
    #expect(edge.managementText("-verb") == "> -OK traceLevel=0\n")
    #expect(edge.managementText("-verb") == "> -NOK traceLevel=0\n")
    #expect(edge.engine.verbosity == 0)
    #expect(reported == [2, 3, 2, 1, 0])
    #expect(edge.engine.logger.logLevel == .error)
}

@Test func stopCommand() {
    let edge = TestEdge()
    let response = edge.management("stop")
    #expect(response.stop)
    #expect(response.reply == nil)
    #expect(edge.management("stop\n").stop)
    // Prefix match on at least 4 bytes: "sto" is a statistics request.
    #expect(!edge.management("sto").stop)
    #expect(edge.managementText("sto").hasPrefix("Statistics for edge\n"))
}

@Test func garbageManagementInputGetsStatistics() {
    let edge = TestEdge()
    let random = FakeRandom(seed: 99)
    for n in [0, 1, 3, 4, 5, 64, 1500, 2048] {
        for _ in 0..<20 {
            var bytes = random.bytes(n)
            if bytes.starts(with: Array("stop".utf8)) { bytes[0] = 0 }
            let response = bytes.withUnsafeBytes { edge.engine.handleManagement($0) }
            #expect(!response.stop)
            #expect(response.reply != nil)
        }
    }
}

@Test func peersCommandListsPendingAndKnown() {
    let edge = TestEdge()
    edge.engine.start()
    edge.ackRegistration()
    #expect(edge.managementText("peers") == "")
    let cPub = PeerSocket(ipv4: 0xCB00_7107, port: 60000)
    // B pending via the supernode; C known after a REGISTER / REGISTER_ACK exchange.
    edge.receive(packetDatagram(src: macB, dst: .broadcast, frame: Frames.arpRequest(from: macB, senderIP: ipB, targetIP: ipA),
                                sock: bPub, fromSupernode: true), from: sn1Socket)
    edge.receive(controlDatagram(.register(Register(srcMac: macC, dstMac: macA))), from: cPub)
    edge.receive(controlDatagram(.registerAck(RegisterAck(cookie: edge.engine.peerCookie(macC), dstMac: macA, srcMac: macC))), from: cPub)
    #expect(edge.managementText("peers") == """
        02:00:00:00:00:02 203.0.113.6:50000 pending
        02:00:00:00:00:03 203.0.113.7:60000 p2p

        """)
    edge.advance(10)
    #expect(edge.managementText("peers").hasSuffix("02:00:00:00:00:03 203.0.113.7:60000 stale\n"))
}
