import Testing
import N2NWire
import LinuxSystem
@testable import PacketCore

// The n2n 3.x edge (`--protocol 3`): the v3 control plane over the shared tables, the data plane
// through the v3 dialect, driven with the manual clock and recording fakes.

private let v3Community = V3Community("mynet")

private func v3Datagram(_ message: V3Message, flags: PacketFlags = []) -> [UInt8] {
    try! V3Codec.encode(V3CommonHeader(code: message.code, flags: flags, community: v3Community), message)
}

private func v3Decoded(_ d: EdgeSentDatagram) -> V3Message? { (try? V3Codec.decode(d.bytes))?.message }

private func hex(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var i = text.startIndex
    while i < text.endIndex {
        let j = text.index(i, offsetBy: 2)
        out.append(UInt8(text[i..<j], radix: 16)!)
        i = j
    }
    return out
}

final class AddressHost: EdgeHost {
    var assigned: [(UInt32, Int)] = []
    func joinDiscoveryGroup() -> Bool { false }
    func resolveSupernode(index: Int, host: String, port: UInt16) {}
    func supernodeAssignedAddress(_ ipv4: UInt32, prefixLength: Int) { assigned.append((ipv4, prefixLength)) }
}

/// One v3 engine with its fakes (null transform, optional -H).
final class V3TestEdge {
    let clock = ManualClock()
    let sink = EdgeRecordingSink()
    let host = AddressHost()
    let random = FakeRandom(seed: 3)
    let engine: EdgeEngine
    let wire: EdgeV3ControlWire

    init(mac: MACAddress = macA, supernodes: [PeerSocket] = [sn1Socket], headerEncryption: Bool = false,
         identity: EdgeV3Identity = EdgeV3Identity(token: Array(1...16)), selection: EdgeV3Selection = .load) {
        let config = EdgeEngine.Configuration(community: testCommunity, mac: mac,
                                              supernodes: supernodes.map { SupernodeAddress(host: "\($0.address)", port: $0.port) })
        let keys = headerEncryption ? V3HeaderKeys(community: v3Community) : nil
        let pipeline = V3FramePipeline(community: v3Community, transform: try! TransformID.null.makeV3Transform(passphrase: [], random: random),
                                       headerKeys: keys, random: random)
        wire = EdgeV3ControlWire(community: v3Community, headerEncryption: headerEncryption, identity: identity, selection: selection)
        engine = EdgeEngine(configuration: config, dialect: EdgeV3Wire(pipeline: pipeline), controlWire: wire,
                            random: random, clock: clock, datagrams: sink, frames: sink, host: host, verbosity: 0)
    }

    func receive(_ bytes: [UInt8], from source: PeerSocket) {
        var b = bytes
        b.withUnsafeMutableBytes { engine.handleDatagram($0, from: source) }
    }

    func sent(_ code: V3PacketCode) -> [(EdgeSentDatagram, V3Message)] {
        sink.datagrams.compactMap { d in v3Decoded(d).flatMap { $0.code == code ? (d, $0) : nil } }
    }

    var lastRegisterSuper: V3RegisterSuper? {
        guard case .registerSuper(let m)? = sent(.registerSuper).last?.1 else { return nil }
        return m
    }

    func ack(from sn: PeerSocket = sn1Socket, address: V3DeviceAddress = .none, supernodes: [V3SupernodeEntry] = []) {
        let cookie = lastRegisterSuper!.cookie
        receive(v3Datagram(.registerSuperAck(V3RegisterSuperAck(cookie: cookie, srcMac: MACAddress(0x02, 0x53, 0x4E, 0, 0, 1),
                                                                deviceAddress: address, sock: PeerSocket(ipv4: 0xCB00_7105, port: 40000),
                                                                supernodes: supernodes)),
                           flags: [.fromSupernode]), from: sn)
    }
}

private let ethernetToB: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06] + Array(repeating: 0xAB, count: 28)

@Test func v3RegisterSuperMatchesStockBytes() throws {
    // Edge B's first REGISTER_SUPER in the stock 3.1.1 capture (-A3 -z1, description "vm").
    let captured = hex("030200056d796e65740000000000000000000000000000007f3a21ec0200000000020a09000218766d000000000000000000000000000000010010c54ba26cf1f3765f81b0f9f76cb0502900000000")
    var identity = EdgeV3Identity(token: hex("c54ba26cf1f3765f81b0f9f76cb05029"))
    identity.description = "vm"
    identity.deviceAddress = V3DeviceAddress(address: 0x0A09_0002, prefixLength: 24)
    let wire = EdgeV3ControlWire(community: v3Community, headerEncryption: false, identity: identity)
    var buffer = [UInt8](repeating: 0, count: 512)
    let n = try buffer.withUnsafeMutableBytes {
        try wire.encodeControl(.registerSuper(RegisterSuper(cookie: 0x7F3A_21EC, edgeMac: macB)), into: $0, stamp: 0, random: FakeRandom())
    }
    #expect(Array(buffer[..<n]) == captured)
}

@Test func v3RegistersWithTheCurrentSupernodeOnlyAndKeepsItsToken() {
    let edge = V3TestEdge(supernodes: [sn1Socket, sn2Socket])
    edge.engine.start()
    let first = edge.sent(.registerSuper)
    #expect(first.count == 1)
    #expect(first.first?.0.to == sn1Socket)
    guard case .registerSuper(let rs)? = first.first?.1 else { Issue.record("no REGISTER_SUPER"); return }
    #expect(rs.auth.scheme == V3Auth.schemeSimpleID)
    #expect(rs.auth.token.bytes == Array(1...16))
    edge.ack()
    edge.clock.advance(seconds: 21)
    edge.engine.tick()
    let again = edge.sent(.registerSuper)
    #expect(again.count == 2)
    #expect(again.last?.0.to == sn1Socket)
    guard case .registerSuper(let rs2)? = again.last?.1 else { return }
    #expect(rs2.auth == rs.auth)
    #expect(rs2.cookie != rs.cookie)
}

@Test func v3AckAssignsTheAddressAndAddsListedSupernodes() {
    let edge = V3TestEdge()
    edge.engine.start()
    let sn3 = PeerSocket(ipv4: 0xC633_6403, port: 7777)
    edge.ack(address: V3DeviceAddress(address: 0x0A80_0A05, prefixLength: 24),
             supernodes: [V3SupernodeEntry(sock: sn3, mac: MACAddress(0x02, 0x53, 0x4E, 0, 0, 3))])
    #expect(edge.host.assigned.count == 1)
    #expect(edge.host.assigned.first?.0 == 0x0A80_0A05)
    #expect(edge.host.assigned.first?.1 == 24)
    #expect(edge.engine.control.supernodes.count == 2)
    #expect(edge.engine.control.routing.supernodes.contains(sn3))
    // The same ACK again changes nothing.
    edge.clock.advance(seconds: 21)
    edge.engine.tick()
    edge.ack(address: V3DeviceAddress(address: 0x0A80_0A05, prefixLength: 24))
    #expect(edge.host.assigned.count == 1)
}

@Test func v3NakIsLoggedAndCounted() {
    let edge = V3TestEdge()
    edge.engine.start()
    let cookie = edge.lastRegisterSuper!.cookie
    edge.receive(v3Datagram(.registerSuperNak(V3RegisterSuperNak(cookie: cookie, srcMac: macA)), flags: [.fromSupernode]), from: sn1Socket)
    #expect(edge.engine.statistics.drops(.registrationRefused) == 1)
    #expect(edge.wire.naks == 1)
    // A NAK from a stranger is not the supernode's word.
    edge.receive(v3Datagram(.registerSuperNak(V3RegisterSuperNak(cookie: cookie, srcMac: macA)), flags: [.fromSupernode]),
                 from: PeerSocket(ipv4: 0x0101_0101, port: 7654))
    #expect(edge.engine.statistics.drops(.registrationRefused) == 1)
    #expect(edge.engine.statistics.drops(.spoofedSupernode) == 1)
}

@Test func v3RelaysToUnknownPeersAndQueriesThem() {
    let edge = V3TestEdge()
    edge.engine.start()
    edge.ack()
    edge.sink.clear()
    ethernetToB.withUnsafeBytes { edge.engine.handleFrame($0) }
    let packets = edge.sent(.packet)
    #expect(packets.count == 1)
    #expect(packets.first?.0.to == sn1Socket)
    let queries = edge.sent(.queryPeer)
    #expect(queries.count == 1)
    if case .queryPeer(let q)? = queries.first?.1 { #expect(q.targetMac == macB) }
}

@Test func v3PeerToPeerIntroductionAndDirectPackets() {
    let edge = V3TestEdge()
    edge.engine.start()
    edge.ack()
    let bPub = PeerSocket(ipv4: 0xCB00_7106, port: 50000)
    // PEER_INFO answers our query: we REGISTER with B directly.
    ethernetToB.withUnsafeBytes { edge.engine.handleFrame($0) }
    edge.sink.clear()
    edge.receive(v3Datagram(.peerInfo(V3PeerInfo(srcMac: MACAddress(0x02, 0x53, 0x4E, 0, 0, 1), mac: macB, sock: bPub)),
                            flags: [.fromSupernode]), from: sn1Socket)
    let registers = edge.sent(.register)
    #expect(registers.contains { $0.0.to == bPub })
    guard case .register(let reg)? = registers.first(where: { $0.0.to == bPub })?.1 else { Issue.record("no REGISTER"); return }
    // B's REGISTER direct is ACKed in v3; B's ACK of ours makes B known.
    edge.sink.clear()
    edge.receive(v3Datagram(.register(V3Register(cookie: 0x1234, srcMac: macB, dstMac: macA))), from: bPub)
    let acks = edge.sent(.registerAck)
    #expect(acks.count == 1)
    if case .registerAck(let a)? = acks.first?.1 { #expect(a.cookie == 0x1234 && a.dstMac == macB) }
    edge.receive(v3Datagram(.registerAck(V3RegisterAck(cookie: reg.cookie, dstMac: macA, srcMac: macB))), from: bPub)
    #expect(edge.engine.control.known[macB]?.sock == bPub)
    edge.sink.clear()
    ethernetToB.withUnsafeBytes { edge.engine.handleFrame($0) }
    #expect(edge.sent(.packet).first?.0.to == bPub)
    // And B's PACKETs reach the TAP.
    let frame: [UInt8] = [0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x06] + Array(repeating: 0xCD, count: 28)
    let packet = try! V3Codec.encode(V3CommonHeader(code: .packet, community: v3Community),
                                     .packet(V3PacketHeader(srcMac: macB, dstMac: macA, transform: 1))) + frame
    edge.receive(packet, from: bPub)
    #expect(edge.sink.frames.last == frame)
}

@Test func v3HeaderEncryptionRoundTripAndReplay() {
    let edge = V3TestEdge(headerEncryption: true)
    edge.engine.start()
    let cipher = V3HeaderCipher(community: v3Community)
    // What we send is v3 header-encrypted: it does not decode plain, and opens with the keys.
    guard let sent = edge.sink.datagrams.first else { Issue.record("nothing sent"); return }
    #expect((try? V3Codec.decode(sent.bytes)) == nil)
    var opened = sent.bytes
    #expect((try? opened.withUnsafeMutableBytes { try cipher.decrypt($0) }) != nil)
    guard case .registerSuper(let rs)? = (try? V3Codec.decode(opened))?.message else { Issue.record("not a REGISTER_SUPER"); return }
    // An encrypted ACK is accepted once; its replay is refused.
    var ack = v3Datagram(.registerSuperAck(V3RegisterSuperAck(cookie: rs.cookie, srcMac: macC, sock: PeerSocket(ipv4: 1, port: 1))),
                         flags: [.fromSupernode])
    let wall = edge.clock.wallTime
    let stamp = V3Stamp.now(unixSeconds: UInt64(wall.seconds), microseconds: UInt64(wall.microseconds))
    ack.withUnsafeMutableBytes { try! cipher.encrypt($0, headerLength: $0.count, stamp: stamp, random: FakeRandom()) }
    edge.receive(ack, from: sn1Socket)
    #expect(edge.engine.control.supernodes[0].answeredRound == edge.engine.control.round)
    edge.receive(ack, from: sn1Socket)
    #expect(edge.engine.statistics.drops(.headerReplay) == 1)
}

@Test func v3FailsOverAfterThreeUnansweredRounds() {
    let edge = V3TestEdge(supernodes: [sn1Socket, sn2Socket])
    edge.engine.start()
    for _ in 0..<4 {
        edge.clock.advance(seconds: 3)
        edge.engine.tick()
    }
    #expect(edge.sent(.registerSuper).last?.0.to == sn2Socket)
    #expect(edge.engine.currentSupernode == 1)
}

@Test func v3SweepPingsAndSwitchesWithUnregister() {
    let edge = V3TestEdge(supernodes: [sn1Socket, sn2Socket], selection: .mac)
    edge.engine.start()
    edge.ack()
    edge.clock.advance(seconds: 21)
    edge.engine.tick()   // round 2: the first sweep sends PINGs
    let pings = edge.sent(.queryPeer).filter { if case .queryPeer(let q) = $0.1 { return q.isPing } else { return false } }
    #expect(Set(pings.map(\.0.to)) == [sn1Socket, sn2Socket])
    func pong(_ mac: MACAddress, from sn: PeerSocket) {
        edge.receive(v3Datagram(.peerInfo(V3PeerInfo(srcMac: mac, mac: .zero, sock: PeerSocket(ipv4: 1, port: 1), version: "3.1.1")),
                                flags: [.fromSupernode]), from: sn)
    }
    pong(MACAddress(0x02, 0x53, 0x4E, 0, 0, 9), from: sn1Socket)
    pong(MACAddress(0x02, 0x53, 0x4E, 0, 0, 2), from: sn2Socket)
    #expect(edge.wire.supernodeInfo[0].version == "3.1.1")
    // The JSON API shows the 3.x fields.
    let rows = EdgeManagementJSON.rows("supernodes", edge.engine.snapshot())
    let first = Dictionary(rows[0].map { ($0.0, "\($0.1)") }, uniquingKeysWith: { a, _ in a })
    #expect(first["version"]?.contains("3.1.1") == true)
    #expect(first["v3_selection"]?.contains("mac = ") == true)
    #expect(first["macaddr"]?.lowercased().contains("02:53:4e:00:00:09") == true)
    edge.ack()
    edge.clock.advance(seconds: 31)
    edge.engine.tick()
    #expect(edge.engine.currentSupernode == 1)
    #expect(edge.sent(.unregisterSuper).first?.0.to == sn1Socket)
    #expect(edge.sent(.registerSuper).last?.0.to == sn2Socket)
}
