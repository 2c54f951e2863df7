import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

// Hosts behind a bridged TAP (issue 17 item 4): learned, registered at the supernode, answered
// for, aged out, bounded and counted.

private let host1 = MACAddress(0x02, 0, 0, 0, 0, 0x11)
private let host2 = MACAddress(0x02, 0, 0, 0, 0, 0x12)
private let host3 = MACAddress(0x02, 0, 0, 0, 0, 0x13)
private let peerSocket = PeerSocket(ipv4: 0xCB00_7106, port: 50000)

private func bridgedEdge(_ configure: @escaping (inout EdgeEngine.Configuration) -> Void = { _ in }) -> TestEdge {
    let edge = TestEdge { $0.allowRouting = true; configure(&$0) }
    edge.engine.start()
    edge.ackRegistration()
    edge.sink.clear()
    return edge
}

private func registeredMACs(_ edge: TestEdge) -> [MACAddress] {
    edge.sink.sent(.registerSuper).compactMap {
        if case .registerSuper(let r)? = $0.decoded?.message { return r.edgeMac }
        return nil
    }
}

private func frame(from src: MACAddress, to dst: MACAddress = macB) -> [UInt8] {
    Frames.ipv4(dst: dst, src: src, srcIP: 0x0A00_000B, dstIP: ipB)
}

@Test func aHostBehindTheTapIsRegisteredAtOnceAndEveryRound() {
    let edge = bridgedEdge()
    edge.send(frame: frame(from: host1))
    #expect(edge.sink.sent(.packet).count == 1)   // its frame still goes out
    #expect(registeredMACs(edge) == [host1])
    #expect(edge.managementText("statistics").contains("host   \(host1)"))
    edge.sink.clear()
    edge.advance(20)
    #expect(Set(registeredMACs(edge)) == [macA, host1])
    // Its ACK is expected, not an error.
    edge.ackRegistration()
    edge.sink.clear()
    edge.send(frame: frame(from: host1))
    #expect(edge.engine.statistics.drops(.unmatchedSuperAck) == 0)
    #expect(registeredMACs(edge).isEmpty)   // known: no registration between rounds
}

@Test func ownMACGroupAndZeroSourcesAreNotLearned() {
    let edge = bridgedEdge()
    edge.send(frame: frame(from: macA))
    edge.send(frame: frame(from: MACAddress(0x01, 0, 0x5E, 0, 0, 1)))
    edge.send(frame: frame(from: .zero))
    #expect(registeredMACs(edge).isEmpty)
    #expect(edge.engine.localHosts.count == 0)
}

@Test func hostsAgeOutAfterFiveMinutesWithoutAFrame() {
    let edge = bridgedEdge()
    edge.send(frame: frame(from: host1))
    edge.send(frame: frame(from: host2))
    for _ in 0..<14 { edge.advance(20) }   // 280 s
    edge.send(frame: frame(from: host2))   // host2 stays fresh
    edge.advance(20)                        // 300 s: host1 goes
    #expect(edge.engine.localHosts.contains(host2))
    #expect(!edge.engine.localHosts.contains(host1))
    #expect(edge.engine.localHosts.expired == 1)
    edge.sink.clear()
    edge.advance(20)
    #expect(Set(registeredMACs(edge)) == [macA, host2])
}

@Test func theTableIsBoundedAndRefusalsAreCounted() {
    let edge = bridgedEdge { $0.maxLocalHosts = 2 }
    for h in [host1, host2, host3] { edge.send(frame: frame(from: h)) }
    #expect(edge.engine.localHosts.count == 2)
    #expect(edge.engine.localHosts.refused == 1)
    #expect(edge.managementText("statistics").contains("hosts:2/2 learned:2 expired:0 refused:1"))
    #expect(registeredMACs(edge) == [host1, host2])
    #expect(edge.sink.sent(.packet).count == 3)
}

@Test func learningOffLearnsNothing() {
    let edge = bridgedEdge { $0.maxLocalHosts = 0 }
    edge.send(frame: frame(from: host1))
    #expect(registeredMACs(edge).isEmpty)
    #expect(edge.engine.localHosts.refused == 0)
}

@Test func aREGISTERForAHostIsAnsweredInItsName() throws {
    let edge = bridgedEdge()
    edge.send(frame: frame(from: host1))
    edge.sink.clear()
    edge.receive(controlDatagram(.register(Register(cookie: 42, srcMac: macB, dstMac: host1))), from: peerSocket)
    let ack = try #require(edge.sink.sent(.registerAck).first)
    guard case .registerAck(let a)? = ack.decoded?.message else { Issue.record("no ack"); return }
    #expect(a.srcMac == host1 && a.dstMac == macB && a.cookie == 42)
    #expect(ack.to == peerSocket)
    // An unknown MAC is still not ours.
    edge.receive(controlDatagram(.register(Register(cookie: 43, srcMac: macB, dstMac: host3))), from: peerSocket)
    #expect(edge.engine.statistics.drops(.registerNotForUs) == 1)
}

@Test func framesToALearnedHostStayOffTheOverlay() {
    let edge = bridgedEdge()
    edge.send(frame: frame(from: host1))
    edge.sink.clear()
    edge.send(frame: frame(from: host2, to: host1))
    #expect(edge.sink.sent(.packet).isEmpty)
    #expect(edge.engine.statistics.drops(.txLocalHost) == 1)
}
