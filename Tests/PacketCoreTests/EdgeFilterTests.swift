import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

private let bPub = PeerSocket(ipv4: 0xCB00_7106, port: 50000)
private let mcMAC = MACAddress(0x01, 0x00, 0x5E, 0x01, 0x01, 0x01)
private let v6MAC = MACAddress(0x33, 0x33, 0x00, 0x00, 0x00, 0x01)
private let otherGroup = MACAddress(0x01, 0x80, 0xC2, 0x00, 0x00, 0x00)

private func registered(_ configure: @escaping (inout EdgeEngine.Configuration) -> Void = { _ in }) -> TestEdge {
    let edge = TestEdge(configure: configure)
    edge.engine.start()
    edge.ackRegistration()
    edge.sink.clear()
    return edge
}

private func packetsSent(_ edge: TestEdge) -> Int { edge.sink.sent(.packet).count }

@Test(arguments: [false, true])
func txMulticastFilter(allowMulticast: Bool) {
    let edge = registered { $0.dropMulticast = !allowMulticast }
    edge.send(frame: Frames.ipv4(dst: mcMAC, src: macA, srcIP: ipA, dstIP: 0xEF01_0101))
    edge.send(frame: Frames.ethernet(dst: v6MAC, src: macA, type: 0x86DD, payload: [UInt8](repeating: 0, count: 40)))
    // 01:00:5E:80:… is outside the IPv4-multicast range; broadcast and other groups always pass.
    edge.send(frame: Frames.ethernet(dst: MACAddress(0x01, 0x00, 0x5E, 0x80, 0, 1), src: macA, type: 0x0806, payload: [0]))
    edge.send(frame: Frames.arpRequest(from: macA, senderIP: ipA, targetIP: ipB))
    edge.send(frame: Frames.ethernet(dst: otherGroup, src: macA, type: 0x0027, payload: [0, 0]))
    #expect(packetsSent(edge) == (allowMulticast ? 5 : 3))
    #expect(edge.engine.statistics.drops(.txMulticast) == (allowMulticast ? 0 : 2))
}

/// A UDP datagram to 224.0.0.68 with the given destination port (IPv4 options when `ihl` > 5).
private func discovery(port: UInt16, ihl: UInt8 = 5) -> [UInt8] {
    var frame = Frames.ipv4(dst: MACAddress(0x01, 0x00, 0x5E, 0x00, 0x00, 0x44), src: macA, srcIP: ipA,
                            dstIP: 0xE000_0044, extra: Int(ihl - 5) * 4 + 8 + 40)
    frame[14] = 0x40 | ihl
    let udp = 14 + Int(ihl) * 4
    frame[udp + 2] = UInt8(port >> 8)
    frame[udp + 3] = UInt8(port & 0xFF)
    return frame
}

@Test func localDiscoveryFromTheTapNeverEntersTheOverlay() {
    let edge = registered { $0.dropMulticast = false }
    edge.send(frame: discovery(port: 1968))
    edge.send(frame: discovery(port: 1968, ihl: 6))
    #expect(packetsSent(edge) == 0)
    #expect(edge.engine.statistics.drops(.txLocalDiscovery) == 2)
    // The same group on another port, and 224.0.0.68 as TCP, are ordinary multicast.
    edge.send(frame: discovery(port: 1969))
    var tcp = discovery(port: 1968)
    tcp[23] = 6
    edge.send(frame: tcp)
    #expect(packetsSent(edge) == 2)
    #expect(edge.engine.statistics.drops(.txLocalDiscovery) == 2)
}

@Test func localDiscoveryCheckNeverReadsPastTheFrame() {
    var frame = discovery(port: 1968, ihl: 15)
    frame.removeLast(frame.count - 40)
    #expect(!frame.withUnsafeBytes { EdgeFrameFilters.isLocalDiscovery($0) })
    frame = Array(discovery(port: 1968).prefix(33))
    #expect(!frame.withUnsafeBytes { EdgeFrameFilters.isLocalDiscovery($0) })
}

@Test(arguments: [false, true])
func txRoutingFilter(allowRouting: Bool) {
    let edge = registered { $0.allowRouting = allowRouting }
    edge.send(frame: Frames.ipv4(dst: macB, src: macA, srcIP: ipA, dstIP: ipB))          // ours
    edge.send(frame: Frames.ipv4(dst: macB, src: macA, srcIP: 0x0808_0808, dstIP: ipB))  // routed
    // IPv4 EtherType but too short to hold an IPv4 header (spec 10.1 item 8): no over-read.
    edge.send(frame: Frames.ethernet(dst: macB, src: macA, type: 0x0800, payload: [0x45, 0, 0]))
    edge.send(frame: Frames.ethernet(dst: macB, src: macA, type: 0x86DD, payload: [UInt8](repeating: 0, count: 40)))
    #expect(packetsSent(edge) == (allowRouting ? 4 : 2))
    #expect(edge.engine.statistics.drops(.txRouted) == (allowRouting ? 0 : 2))
}

@Test func txRejectsFramesShorterThanAnEthernetHeaderOrTooLong() {
    let edge = registered()
    for n in [0, 1, 13, maxFrameLength + 1] { edge.send(frame: [UInt8](repeating: 0xFF, count: n)) }
    #expect(packetsSent(edge) == 0)
    #expect(edge.engine.statistics.drops(.txBadLength) == 4)
    edge.send(frame: [UInt8](repeating: 0xFF, count: 14))
    #expect(packetsSent(edge) == 1)
}

/// A PACKET from B carrying `frame`, relayed by the supernode.
private func deliver(_ frame: [UInt8], to edge: TestEdge) {
    let dst = frame.withUnsafeBytes { MACAddress(loadingFrom: $0, at: 0) }
    edge.receive(packetDatagram(src: macB, dst: dst, frame: frame, sock: bPub, fromSupernode: true), from: sn1Socket)
}

@Test(arguments: [false, true])
func rxMulticastFilter(allowMulticast: Bool) {
    let edge = registered { $0.dropMulticast = !allowMulticast }
    deliver(Frames.ipv4(dst: mcMAC, src: macB, srcIP: ipB, dstIP: 0xEF01_0101), to: edge)
    deliver(Frames.ethernet(dst: v6MAC, src: macB, type: 0x86DD, payload: [UInt8](repeating: 0, count: 40)), to: edge)
    deliver(Frames.arpRequest(from: macB, senderIP: ipB, targetIP: ipA), to: edge)
    #expect(edge.sink.frames.count == (allowMulticast ? 3 : 1))
    #expect(edge.engine.statistics.drops(.rxMulticast) == (allowMulticast ? 0 : 2))
}

@Test(arguments: [false, true])
func rxRoutingFilter(allowRouting: Bool) {
    let edge = registered { $0.allowRouting = allowRouting }
    deliver(Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA), to: edge)               // to us
    deliver(Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: 0x0808_0808), to: edge)       // routed
    deliver(Frames.ipv4(dst: .broadcast, src: macB, srcIP: ipB, dstIP: 0x0A00_00FF), to: edge) // broadcast
    // Shorter than Ethernet + IPv4 header: the filter does not look at it.
    deliver(Frames.ethernet(dst: macA, src: macB, type: 0x0800, payload: [0x45, 0]), to: edge)
    #expect(edge.sink.frames.count == (allowRouting ? 4 : 3))
    #expect(edge.engine.statistics.drops(.rxRouted) == (allowRouting ? 0 : 1))
}

@Test func rxTransformFailuresAreCountedAndNeverWritten() {
    let edge = registered()
    let good = Frames.ipv4(dst: macA, src: macB, srcIP: ipB, dstIP: ipA)
    var bad = packetDatagram(src: macB, dst: macA, frame: good, sock: bPub, fromSupernode: true)
    bad[42] = 7 // the test transform's version byte
    edge.receive(bad, from: sn1Socket)
    // Empty payload: legal on the wire, carries nothing.
    edge.receive(Array(bad[..<42]), from: sn1Socket)
    #expect(edge.engine.statistics.drops(.transformFailed) == 2)
    // Another transform id; compression ids 1 and 2 whose data is not LZO / zstd, and ids 3...7.
    edge.receive(packetDatagram(src: macB, dst: macA, frame: good, sock: bPub, fromSupernode: true, transform: 5), from: sn1Socket)
    for c: UInt16 in 1...7 {
        edge.receive(packetDatagram(src: macB, dst: macA, frame: good, sock: bPub, fromSupernode: true, transform: c << 13 | 1), from: sn1Socket)
    }
    #expect(edge.engine.statistics.drops(.wrongTransform) == 1)
    #expect(edge.engine.statistics.drops(.decompressFailed) == 7)
    // A payload that decodes to less than an Ethernet header.
    edge.receive(packetDatagram(src: macB, dst: macA, frame: [1, 2, 3], sock: bPub, fromSupernode: true), from: sn1Socket)
    #expect(edge.engine.statistics.drops(.shortFrame) == 1)
    #expect(edge.sink.frames.isEmpty)
    #expect(edge.engine.statistics.transformRx == 0)
    edge.receive(packetDatagram(src: macB, dst: macA, frame: good, sock: bPub, fromSupernode: true), from: sn1Socket)
    #expect(edge.sink.frames == [good])
    #expect(edge.engine.statistics.transformRx == 1)
}

@Test func rxDropsOtherCommunitiesAndOwnOrGroupSourceMACs() {
    let edge = registered()
    let frame = Frames.arpRequest(from: macB, senderIP: ipB, targetIP: ipA)
    edge.receive(packetDatagram(src: macB, dst: .broadcast, frame: frame, sock: bPub, fromSupernode: true,
                                community: Community("othernet")), from: sn1Socket)
    edge.receive(packetDatagram(src: macA, dst: .broadcast, frame: frame, sock: bPub, fromSupernode: true), from: sn1Socket)
    edge.receive(packetDatagram(src: .broadcast, dst: .broadcast, frame: frame, sock: bPub, fromSupernode: true), from: sn1Socket)
    #expect(edge.engine.statistics.drops(.otherCommunity) == 1)
    #expect(edge.engine.statistics.drops(.badSourceMAC) == 2)
    #expect(edge.sink.frames.isEmpty)
    #expect(edge.managementText("peers") == "")
}
