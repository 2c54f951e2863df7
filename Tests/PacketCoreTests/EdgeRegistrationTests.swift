import Logging
import Testing
import TestSupport
import N2NWire
import LinuxSystem
@testable import PacketCore

private func registerSupers(_ edge: TestEdge) -> [RegisterSuper] {
    edge.sink.sent(.registerSuper).compactMap {
        if case .registerSuper(let r)? = $0.decoded?.message { return r }
        return nil
    }
}

@Test func firstRoundIsImmediateAndWellFormed() throws {
    let edge = TestEdge()
    edge.host.joinSucceeds = true
    #expect(edge.sink.datagrams.isEmpty)
    edge.engine.start()
    let regs = edge.sink.sent(.registerSuper)
    #expect(regs.count == 1)
    let reg = try #require(regs.first)
    #expect(reg.to == sn1Socket)
    #expect(reg.bytes.count == 34)
    let decoded = try #require(reg.decoded)
    #expect(decoded.header.ttl == 2)
    #expect(decoded.header.flags == [])
    #expect(decoded.header.community == testCommunity)
    guard case .registerSuper(let rs) = decoded.message else { Issue.record("not REGISTER_SUPER"); return }
    #expect(rs.edgeMac == macA)
    #expect(rs.authScheme == 0 && rs.authTokenLength == 0)
    // The discovery REGISTER of the round: zero dstMac, to 224.0.0.68:1968.
    let discovery = edge.sink.sent(.register)
    #expect(discovery.count == 1)
    #expect(discovery.first?.to == .discoveryGroup)
    if case .register(let r)? = discovery.first?.decoded?.message {
        #expect(r.dstMac == .zero && r.srcMac == macA)
    } else {
        Issue.record("discovery REGISTER missing")
    }
}

@Test func fastRetryEveryThreeSecondsUntilAcked() throws {
    let edge = TestEdge()
    edge.engine.start()
    let t0 = edge.clock.monotonicNanoseconds
    #expect(edge.engine.nextDeadline == t0 + 3 * 1_000_000_000)
    edge.advance(2.9)
    #expect(registerSupers(edge).count == 1)
    edge.advance(0.1)
    #expect(registerSupers(edge).count == 2)
    edge.advance(3)
    let regs = registerSupers(edge)
    #expect(regs.count == 3)
    // A new cookie for every round.
    #expect(Set(regs.map(\.cookie)).count == 3)

    edge.ackRegistration()
    let acked = edge.clock.monotonicNanoseconds
    // The next round is a regular one, 20 s after the last round (which was at t0 + 6 s).
    #expect(edge.engine.nextDeadline == t0 + 26 * 1_000_000_000)
    edge.advance(19.9)
    #expect(registerSupers(edge).count == 3)
    edge.advance(0.1)
    #expect(registerSupers(edge).count == 4)
    #expect(edge.clock.monotonicNanoseconds - acked == 20 * 1_000_000_000)
    #expect(edge.engine.statistics.lastSupernode != 0)
}

@Test(arguments: [(1, 1.0), (5, 1.0), (10, 2.0), (20, 3.0), (35, 4.0)])
func fastRetryFollowsInterval(interval: Int, retry: Double) {
    let edge = TestEdge { $0.registrationInterval = interval }
    edge.engine.start()
    edge.advance(retry - 0.01)
    #expect(registerSupers(edge).count == 1)
    edge.advance(0.01)
    #expect(registerSupers(edge).count == 2)
}

@Test func ackWithWrongCookieMacOrSourceIsIgnored() throws {
    let edge = TestEdge()
    edge.engine.start()
    let rs = try #require(registerSupers(edge).last)
    let header = CommonHeader(code: .registerSuperAck, flags: [.socket, .fromSupernode], community: testCommunity)
    let pub = PeerSocket(ipv4: 0x0102_0304, port: 5)
    func ack(cookie: UInt32, mac: MACAddress) -> [UInt8] {
        try! WireCodec.encode(header, .registerSuperAck(RegisterSuperAck(cookie: cookie, edgeMac: mac, sock: pub)))
    }
    edge.receive(ack(cookie: rs.cookie &+ 1, mac: macA), from: sn1Socket)
    edge.receive(ack(cookie: rs.cookie, mac: macB), from: sn1Socket)
    edge.receive(ack(cookie: rs.cookie, mac: macA), from: PeerSocket(ipv4: 0x0A0A_0A0A, port: 7654))
    #expect(edge.engine.statistics.drops(.unmatchedSuperAck) == 2)
    #expect(edge.engine.statistics.drops(.spoofedSupernode) == 1)
    #expect(edge.engine.statistics.lastSupernode == 0)
    // Still waiting: the fast retry happens.
    edge.advance(3)
    #expect(registerSupers(edge).count == 2)
    // The right one is accepted.
    let current = try #require(registerSupers(edge).last)
    edge.receive(ack(cookie: current.cookie, mac: macA), from: sn1Socket)
    #expect(edge.engine.statistics.lastSupernode != 0)
    edge.advance(3)
    #expect(registerSupers(edge).count == 2)
    // An ACK of an old round does not count.
    edge.receive(ack(cookie: rs.cookie, mac: macA), from: sn1Socket)
    #expect(edge.engine.statistics.drops(.unmatchedSuperAck) == 3)
}

@Test func twoSupernodesShareTheCookieAndRelayFollowsTheLatestAnswer() throws {
    let edge = TestEdge(supernodes: [SupernodeAddress(host: "198.51.100.1", port: 7654),
                                     SupernodeAddress(host: "198.51.100.2", port: 7654)])
    edge.engine.start()
    let regs = edge.sink.sent(.registerSuper)
    #expect(regs.map(\.to) == [sn1Socket, sn2Socket])
    #expect(Set(registerSupers(edge).map(\.cookie)).count == 1)
    // Before any answer: the first one.
    #expect(edge.engine.currentSupernode == 0)
    edge.ackRegistration(from: sn2Socket)
    #expect(edge.engine.currentSupernode == 1)
    edge.ackRegistration(from: sn1Socket)
    // Both answered this round: the earlier in -l order wins the tie.
    #expect(edge.engine.currentSupernode == 0)
    // Next round only the second answers.
    edge.advance(20)
    #expect(edge.sink.sent(.registerSuper).count == 4)
    edge.ackRegistration(from: sn2Socket)
    #expect(edge.engine.currentSupernode == 1)
    // A broadcast frame is relayed through it.
    edge.sink.clear()
    edge.send(frame: Frames.arpRequest(from: macA, senderIP: ipA, targetIP: ipB))
    #expect(edge.sink.sent(.packet).map(\.to) == [sn2Socket])
    #expect(edge.managementText("supernodes") == """
        198.51.100.1:7654 198.51.100.1:7654 standby last_ack:20
        198.51.100.2:7654 198.51.100.2:7654 current last_ack:0

        """)
}

@Test func hostNamesAreResolvedOffThePathAndUsedAtOnce() throws {
    let edge = TestEdge(supernodes: [SupernodeAddress(host: "sn.example", port: 7654)])
    edge.engine.start()
    #expect(edge.host.resolutionRequests.count == 1)
    #expect(edge.host.resolutionRequests.first?.host == "sn.example")
    #expect(edge.sink.sent(.registerSuper).isEmpty)
    // Frames have nowhere to go yet: counted, not crashed.
    edge.send(frame: Frames.arpRequest(from: macA, senderIP: ipA, targetIP: ipB))
    #expect(edge.engine.statistics.drops(.noSupernode) == 1)
    edge.advance(1)
    edge.engine.supernodeResolved(index: 0, address: sn1Socket)
    #expect(edge.sink.sent(.registerSuper).map(\.to) == [sn1Socket])
    edge.ackRegistration()
    // Re-resolved at the next round; a failure keeps the old address.
    edge.advance(18.9)
    #expect(edge.host.resolutionRequests.count == 1)
    edge.advance(0.1)
    #expect(edge.host.resolutionRequests.count == 2)
    edge.engine.supernodeResolved(index: 0, address: nil)
    edge.advance(20)
    #expect(edge.sink.sent(.registerSuper).last?.to == sn1Socket)
    // A new address is used for the round in progress.
    edge.engine.supernodeResolved(index: 0, address: sn2Socket)
    #expect(edge.sink.sent(.registerSuper).last?.to == sn2Socket)
    // Out-of-range answers are ignored.
    edge.engine.supernodeResolved(index: 7, address: sn1Socket)
}

@Test func multicastJoinIsRetriedEachRoundUntilItWorks() {
    let edge = TestEdge()
    edge.host.joinSucceeds = false
    edge.engine.start()
    #expect(edge.host.joinAttempts == 1)
    #expect(edge.sink.sent(.register).isEmpty)
    edge.host.joinSucceeds = true
    edge.advance(3)
    #expect(edge.host.joinAttempts == 2)
    #expect(edge.sink.sent(.register).count == 1)
    edge.advance(3)
    #expect(edge.host.joinAttempts == 2)
}

@Test func supernodeOnlyModeNeverSendsRegister() {
    let edge = TestEdge { $0.allowP2P = false }
    edge.engine.start()
    edge.ackRegistration()
    // A relayed PACKET and a relayed REGISTER from B, a direct REGISTER from B, a PEER_INFO.
    let bPub = PeerSocket(ipv4: 0xCB00_7106, port: 40001)
    edge.receive(packetDatagram(src: macB, dst: .broadcast, frame: Frames.arpRequest(from: macB, senderIP: ipB, targetIP: ipA),
                                sock: bPub, fromSupernode: true), from: sn1Socket)
    edge.receive(controlDatagram(.register(Register(srcMac: macB, dstMac: macA, sock: bPub)), flags: [.fromSupernode]), from: sn1Socket)
    edge.receive(controlDatagram(.register(Register(srcMac: macB, dstMac: macA))), from: bPub)
    edge.send(frame: Frames.ipv4(dst: macB, src: macA, srcIP: ipA, dstIP: ipB))
    edge.receive(controlDatagram(.peerInfo(PeerInfo(mac: macB, sock: bPub)), flags: [.fromSupernode]), from: sn1Socket)
    edge.advance(60)
    #expect(edge.sink.sent(.register).isEmpty)
    #expect(edge.sink.sent(.registerAck).isEmpty)
    #expect(edge.sink.frames.count == 1)
    #expect(edge.sink.sent(.packet).allSatisfy { $0.to == sn1Socket })
}

@Test func registerSuperNakIsLoggedAndLeavesRegistrationRetrying() throws {
    let edge = TestEdge()
    let captured = CapturedLog()
    edge.engine.logger = captured.logger()
    edge.engine.start()
    let rs = try #require(registerSupers(edge).last)
    let nak = try WireCodec.encode(CommonHeader(code: .registerSuperNak, flags: .fromSupernode, community: testCommunity),
                                   .registerSuperNak(RegisterSuperNak(cookie: rs.cookie)))
    // From a stranger: counted, not reported as the supernode's refusal.
    edge.receive(nak, from: PeerSocket(ipv4: 0x0A0A_0A0A, port: 7654))
    #expect(!captured.lines.contains { $0.contains("refused community") })
    // From the supernode: counted and reported.
    edge.receive(nak, from: sn1Socket)
    #expect(captured.lines.contains { $0.hasPrefix("error") && $0.contains("refused community") })
    #expect(edge.engine.statistics.drops(.ignoredType) == 2)
    // A truncated NAK is a counted decoding error.
    edge.receive(Array(nak[..<22]), from: sn1Socket)
    #expect(edge.engine.statistics.totalDrops == 3)
    // Nothing was acknowledged: the fast retry still happens.
    #expect(edge.engine.statistics.lastSupernode == 0)
    edge.advance(3)
    #expect(registerSupers(edge).count == 2)
}

/// Issue 10's reliability suite: after a failover, moving back to the returning first supernode at
/// its first answer lost relayed traffic until the peers' own rounds re-registered them there.
@Test func failBackWaitsUntilTheReturningSupernodeAnsweredTwoRoundsInARow() {
    let edge = TestEdge(supernodes: [SupernodeAddress(host: "198.51.100.1", port: 7654),
                                     SupernodeAddress(host: "198.51.100.2", port: 7654)])
    edge.engine.start()
    edge.ackRegistration(from: sn2Socket)
    edge.ackRegistration(from: sn1Socket)
    #expect(edge.engine.currentSupernode == 0)          // every round so far: no waiting at start
    edge.advance(20)
    edge.ackRegistration(from: sn2Socket)               // sn1 is gone: fail over at once
    #expect(edge.engine.currentSupernode == 1)
    edge.advance(20)
    edge.ackRegistration(from: sn1Socket)               // sn1 back: one answer is not enough
    edge.ackRegistration(from: sn2Socket)
    #expect(edge.engine.currentSupernode == 1)
    edge.advance(20)
    edge.ackRegistration(from: sn2Socket)
    #expect(edge.engine.currentSupernode == 1)
    edge.ackRegistration(from: sn1Socket)               // two rounds in a row: move back
    #expect(edge.engine.currentSupernode == 0)
    // A round the current supernode missed ends: the one that answered takes over.
    edge.advance(20)
    edge.ackRegistration(from: sn2Socket)
    #expect(edge.engine.currentSupernode == 1)          // sn2 answered every round: settled
}

@Test func anUnsettledSupernodeTakesOverOnlyWhenTheRoundEnds() {
    let edge = TestEdge(supernodes: [SupernodeAddress(host: "198.51.100.1", port: 7654),
                                     SupernodeAddress(host: "198.51.100.2", port: 7654)])
    edge.engine.start()
    edge.ackRegistration(from: sn1Socket)               // sn2 silent in round 1
    edge.advance(20)
    edge.ackRegistration(from: sn1Socket)
    edge.advance(20)
    edge.ackRegistration(from: sn2Socket)               // round 3: sn2's first answer, sn1 not yet
    #expect(edge.engine.currentSupernode == 0)
    edge.advance(20)                                    // sn1 never answered round 3
    #expect(edge.engine.currentSupernode == 1)
}
