import N2NWire
import Testing
import LinuxSystem
@testable import PacketCore

/// The supernode serving 3.x communities (v3 spec 9), beside 2.x ones on one engine.
@Suite struct SupernodeV3Tests {
    typealias F = Fixture
    static let field = V3Community("mynet")
    static let token = V3Auth(scheme: V3Auth.schemeSimpleID, token: WireBytes([UInt8](repeating: 0xA1, count: 16)))
    static let otherToken = V3Auth(scheme: V3Auth.schemeSimpleID, token: WireBytes([UInt8](repeating: 0xB2, count: 16)))

    static func registerSuper(_ mac: MACAddress, auth: V3Auth = token, address: V3DeviceAddress = .none,
                              description: String = "", local: PeerSocket? = nil, community: V3Community = field) -> [UInt8] {
        let m = V3RegisterSuper(cookie: 0x1122_3344, edgeMac: mac, sock: local, deviceAddress: address,
                                deviceDescription: description, auth: auth)
        return try! V3Codec.encode(V3CommonHeader(code: .registerSuper, community: community), .registerSuper(m))
    }

    static func decode(_ sent: RecordingSink.Sent?) throws -> V3DecodedPacket {
        try V3Codec.decode(try #require(sent).bytes)
    }

    /// A REGISTER_SUPER captured from a stock 3.1.1 edge and the ACK the stock supernode answered
    /// (Tests/N2NWireTests/V3/V3CaptureData.swift, capture a2): ours answers byte for byte the same.
    @Test func ackMatchesTheStockCapture() throws {
        var options = SupernodeEngineOptions()
        options.v3.mac = MACAddress(0xD2, 0x56, 0x1C, 0x77, 0x74, 0x6D)
        let h = SupernodeHarness(options: options)
        let request = F.hex("030200056d796e65740000000000000000000000000000009c9a554d0200000000020a09000218766d000000000000000000000000000000010010a4b521dc82e6c9f1be175d32185bf22800000000")
        let sent = h.receive(request, from: PeerSocket(ipv4: 0x0A4D_0002, port: 49398))
        #expect(sent.count == 1)
        #expect(sent.first?.bytes == F.hex("030200676d796e65740000000000000000000000000000009c9a554dd2561c77746d0000000000000f0000c0f60a4d0002000000000000000000"))
        let c = try #require(h.engine.communities[F.community])
        #expect(c.dialect == .v3)
        #expect(c.v3.edges[F.macB]?.description == "vm")
        #expect(c.v3.edges[F.macB]?.address == V3DeviceAddress(address: 0x0A09_0002, prefixLength: 24))
    }

    @Test func tokenMismatchIsNakedAndDashMTurnsTheCheckOff() throws {
        let h = SupernodeHarness()
        h.receive(Self.registerSuper(F.macA), from: F.sockA)
        let nak = try Self.decode(h.receive(Self.registerSuper(F.macA, auth: Self.otherToken), from: F.sockB).first)
        guard case .registerSuperNak(let n) = nak.message else { Issue.record("expected a NAK"); return }
        #expect(n.srcMac == F.macA && n.cookie == 0x1122_3344)
        #expect(h.engine.statistics[.authRefused] == 1)
        #expect(h.engine.communities[F.community]?.edges[F.macA]?.socket == F.sockA)
        // The same token from a new socket moves the edge.
        guard case .registerSuperAck = try Self.decode(h.receive(Self.registerSuper(F.macA), from: F.sockB).first).message
        else { Issue.record("expected an ACK"); return }
        #expect(h.engine.communities[F.community]?.edges[F.macA]?.socket == F.sockB)

        var options = SupernodeEngineOptions()
        options.v3.spoofingProtection = false
        options.rebindHoldoff = 0
        let m = SupernodeHarness(options: options)
        m.receive(Self.registerSuper(F.macA), from: F.sockA)
        guard case .registerSuperAck = try Self.decode(m.receive(Self.registerSuper(F.macA, auth: Self.otherToken), from: F.sockB).first).message
        else { Issue.record("expected an ACK under -M"); return }
        #expect(m.engine.statistics[.authRefused] == 0)
    }

    /// v3 spec 9.5 vector: mynet → 10.236.232.0/24, hostA → .174; a second hostA gets the next lower free host.
    @Test func autoIPFollowsTheStockRules() throws {
        let h = SupernodeHarness()
        let first = try Self.decode(h.receive(Self.registerSuper(F.macA, description: "hostA"), from: F.sockA).first)
        guard case .registerSuperAck(let a) = first.message else { Issue.record("expected an ACK"); return }
        #expect(a.deviceAddress == V3DeviceAddress(address: 0x0AEC_E8AE, prefixLength: 24))
        let second = try Self.decode(h.receive(Self.registerSuper(F.macB, description: "hostA"), from: F.sockB).first)
        guard case .registerSuperAck(let b) = second.message else { Issue.record("expected an ACK"); return }
        #expect(b.deviceAddress == V3DeviceAddress(address: 0x0AEC_E8AD, prefixLength: 24))
        // Re-registering without an address keeps the one given; asking with one gets none back.
        let again = try Self.decode(h.receive(Self.registerSuper(F.macA, description: "hostA"), from: F.sockA).first)
        guard case .registerSuperAck(let r) = again.message else { Issue.record("expected an ACK"); return }
        #expect(r.deviceAddress == a.deviceAddress)
        let fixed = try Self.decode(h.receive(Self.registerSuper(MACAddress(2, 0, 0, 0, 0, 9),
                                                                  address: V3DeviceAddress(address: 0x0A09_0009, prefixLength: 24)),
                                              from: PeerSocket(ipv4: 0xC633_6409, port: 1)).first)
        guard case .registerSuperAck(let f) = fixed.message else { Issue.record("expected an ACK"); return }
        #expect(f.deviceAddress == .none)
    }

    @Test func communityFileSubnetAndPool() throws {
        var options = SupernodeEngineOptions()
        options.v3.communitySubnets = ["mynet": V3DeviceAddress(address: 0xC0A8_6400, prefixLength: 24)]
        let h = SupernodeHarness(options: options)
        let ack = try Self.decode(h.receive(Self.registerSuper(F.macA, description: "hostA"), from: F.sockA).first)
        guard case .registerSuperAck(let a) = ack.message else { Issue.record("expected an ACK"); return }
        #expect(a.deviceAddress == V3DeviceAddress(address: 0xC0A8_64AE, prefixLength: 24))
        #expect(V3AddressPool("10.0.0.0-10.0.255.0/24") == V3AddressPool(first: 0x0A00_0000, last: 0x0A00_FF00, prefixLength: 24))
        #expect(V3AddressPool("10.0.0.0/24") == nil)
    }

    @Test func pingIsAnsweredWithPong() throws {
        var options = SupernodeEngineOptions()
        options.v3.versionText = "swift-3"
        let h = SupernodeHarness(options: options)
        h.advance(seconds: 7)
        let ping = try V3Codec.encode(V3CommonHeader(code: .queryPeer, community: Self.field),
                                      .queryPeer(V3QueryPeer(srcMac: F.macA, targetMac: .zero)))
        let reply = try Self.decode(h.receive(ping, from: F.sockA).first)
        guard case .peerInfo(let pong) = reply.message else { Issue.record("expected a PONG"); return }
        #expect(pong.isPong && pong.sock == F.sockA && pong.load == 0 && pong.uptime == 7)
        #expect(pong.version.text == "swift-3" && pong.srcMac == options.v3.mac)
        #expect(reply.header.flags == .fromSupernode)
    }

    @Test func queryPeerGetsPeerInfoWithThePreferredSocket() throws {
        let h = SupernodeHarness()
        let local = PeerSocket(ipv4: 0xC0A8_0102, port: 50002)
        h.receive(Self.registerSuper(F.macA), from: F.sockA)
        h.receive(Self.registerSuper(F.macB, local: local), from: F.sockB)
        let query = try V3Codec.encode(V3CommonHeader(code: .queryPeer, community: Self.field),
                                       .queryPeer(V3QueryPeer(srcMac: F.macA, targetMac: F.macB)))
        let reply = try Self.decode(h.receive(query, from: F.sockA).first)
        guard case .peerInfo(let info) = reply.message else { Issue.record("expected PEER_INFO"); return }
        #expect(info.mac == F.macB && info.sock == F.sockB && info.preferredSock == local && info.srcMac == F.macA)
    }

    @Test func packetsAreRelayedAndFannedOutAndUnregisterRemoves() throws {
        let h = SupernodeHarness()
        let sockC = PeerSocket(ipv4: 0xC633_6403, port: 50003)
        h.receive(Self.registerSuper(F.macA), from: F.sockA)
        h.receive(Self.registerSuper(F.macB), from: F.sockB)
        h.receive(Self.registerSuper(MACAddress(2, 0, 0, 0, 0, 3)), from: sockC)
        let payload: [UInt8] = Array(0..<40)
        let unicast = try V3Codec.encode(V3CommonHeader(code: .packet, community: Self.field),
                                         .packet(V3PacketHeader(srcMac: F.macA, dstMac: F.macB, transform: 1))) + payload
        let sent = h.receive(unicast, from: F.sockA)
        #expect(sent.count == 1 && sent.first?.destination == F.sockB)
        let relayed = try Self.decode(sent.first)
        guard case .packet(let p) = relayed.message else { Issue.record("expected a PACKET"); return }
        #expect(p.sock == F.sockA && relayed.header.ttl == 1 && relayed.header.flags.contains(.fromSupernode))
        #expect(Array(try #require(sent.first).bytes[relayed.bodyEnd...]) == payload)
        let broadcast = try V3Codec.encode(V3CommonHeader(code: .packet, community: Self.field),
                                           .packet(V3PacketHeader(srcMac: F.macA, dstMac: .broadcast, transform: 1))) + payload
        #expect(Set(h.receive(broadcast, from: F.sockA).map(\.destination)) == [F.sockB, sockC])
        #expect(h.engine.statistics.broadcast == 2)

        let unregister = try V3Codec.encode(V3CommonHeader(code: .unregisterSuper, community: Self.field),
                                            .unregisterSuper(V3UnregisterSuper(auth: Self.otherToken, srcMac: F.macB)))
        h.receive(unregister, from: F.sockB)
        #expect(h.engine.communities[F.community]?.edges[F.macB] != nil)
        let good = try V3Codec.encode(V3CommonHeader(code: .unregisterSuper, community: Self.field),
                                      .unregisterSuper(V3UnregisterSuper(auth: Self.token, srcMac: F.macB)))
        h.receive(good, from: F.sockB)
        #expect(h.engine.communities[F.community]?.edges[F.macB] == nil)
        #expect(h.engine.edgeCount == 2)
    }

    @Test func twoDialectsOnOneEngineAndMismatchesAreCounted() throws {
        let h = SupernodeHarness()
        let v2name = Community("oldnet")
        #expect(h.receive(F.registerSuper(F.macA, community: v2name), from: F.sockA).count == 1)
        #expect(h.receive(Self.registerSuper(F.macB), from: F.sockB).count == 1)
        #expect(h.engine.communities[v2name]?.dialect == .v2)
        #expect(h.engine.communities[F.community]?.dialect == .v3)
        // 3.x for the 2.x community, 2.x for the 3.x one.
        #expect(h.receive(Self.registerSuper(F.macB, community: V3Community("oldnet")), from: F.sockB).isEmpty)
        #expect(h.receive(F.registerSuper(F.macA, community: F.community), from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.dialectMismatch] == 2)
        #expect(h.engine.communities[v2name]?.edges.count == 1)
        #expect(h.engine.communities[F.community]?.edges.count == 1)
    }

    @Test func listedCommunityWithV3HeaderEncryption() throws {
        let h = SupernodeHarness(options: SupernodeEngineOptions(whitelistNames: ["mynet"]), encryption: true)
        let cipher = V3HeaderCipher(community: Self.field)
        func sealed(_ plain: [UInt8], offset: UInt64 = 0) throws -> [UInt8] {
            var bytes = plain
            let t = h.clock.wallTime
            let stamp = V3Stamp.now(unixSeconds: UInt64(t.seconds), microseconds: UInt64(t.microseconds)) + offset
            try bytes.withUnsafeMutableBytes { try cipher.encrypt($0, headerLength: $0.count, stamp: stamp, random: CountingRandom()) }
            return bytes
        }
        let request = try sealed(Self.registerSuper(F.macA))
        var reply = try #require(h.receive(request, from: F.sockA).first).bytes
        #expect(reply[0] != 3)  // sealed
        try reply.withUnsafeMutableBytes { _ = try cipher.decrypt($0) }
        guard case .registerSuperAck = try V3Codec.decode(reply).message else { Issue.record("expected an ACK"); return }
        #expect(h.engine.communities[F.community]?.headerMode == .encrypted)
        // The same datagram again is a replay; a plain one is a downgrade.
        #expect(h.receive(request, from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.headerReplay] == 1)
        #expect(h.receive(Self.registerSuper(F.macA), from: F.sockA).isEmpty)
        #expect(h.engine.statistics[.plainInEncryptedCommunity] == 1)
        // A listed name the file does not have is refused silently.
        #expect(h.receive(Self.registerSuper(F.macB, community: V3Community("other")), from: F.sockB).isEmpty)
        #expect(h.engine.statistics[.communityNotAllowed] == 1)
    }

    @Test func purgeForgetsV3EdgesAndReleasesTheListedDialect() throws {
        let h = SupernodeHarness(options: SupernodeEngineOptions(whitelistNames: ["mynet"]))
        h.receive(Self.registerSuper(F.macA), from: F.sockA)
        #expect(h.engine.communities[F.community]?.dialect == .v3)
        h.advance(seconds: 120)
        h.engine.purge()
        let c = try #require(h.engine.communities[F.community])
        #expect(c.edges.isEmpty && c.v3.edges.isEmpty && c.dialect == .unclaimed)
        #expect(h.receive(F.registerSuper(F.macA), from: F.sockA).count == 1)
        #expect(c.dialect == .v2)
    }
}

/// Management shows 3.x edges with their 3.x fields and each community's dialect.
@Suite struct SupernodeV3ManagementTests {
    typealias F = Fixture

    @Test func snapshotJSONTextAndMetricsCarryTheDialect() throws {
        let h = SupernodeHarness()
        h.receive(F.registerSuper(F.macA, community: Community("oldnet")), from: F.sockA)
        h.receive(SupernodeV3Tests.registerSuper(F.macB, description: "hostA"), from: F.sockB)
        let s = h.engine.snapshot()
        #expect(s.communities.map(\.dialect) == ["3", "2"])
        #expect(s.communities.first?.subnet == "10.236.232.0/24")
        let v3Edge = try #require(s.edges.first { $0.community == "mynet" })
        #expect(v3Edge.description == "hostA" && v3Edge.address == "10.236.232.174/24" && v3Edge.simpleID == "checked")
        #expect(s.edges.first { $0.community == "oldnet" }?.simpleID == nil)

        let rows = SupernodeManagementJSON.rows("edges", s)
        let v3Row = try #require(rows.first { row in row.contains { $0.0 == "desc" && $0.1 == .string("hostA") } })
        #expect(v3Row.contains { $0.0 == "simple_id" && $0.1 == .string("checked") })
        #expect(v3Row.contains { $0.0 == "ip4addr" && $0.1 == .string("10.236.232.174/24") })
        let text = SupernodeManagementText.report(s).joined()
        #expect(text.contains("[desc: hostA][ip: 10.236.232.174/24][simple-id: checked]"))
        let metrics = SupernodeMetrics.render(s)
        #expect(metrics.contains(#"n2n_supernode_community_info{community="mynet",dialect="3",header="plain"} 1"#))
        #expect(metrics.contains(#"n2n_supernode_community_info{community="oldnet",dialect="2",header="plain"} 1"#))
    }
}

/// Spoofing protection around renames and unregistration.
@Suite struct SupernodeV3SpoofingTests {
    typealias F = Fixture

    @Test func aNewMACWithAnotherEdgesAddressNeedsItsToken() throws {
        let h = SupernodeHarness()
        let address = V3DeviceAddress(address: 0x0A09_0001, prefixLength: 24)
        let spoofer = MACAddress(2, 0, 0, 0, 0, 0x66)
        h.receive(SupernodeV3Tests.registerSuper(F.macA, address: address), from: F.sockA)
        // Another token: a new edge, the victim's entry stays as it was.
        h.receive(SupernodeV3Tests.registerSuper(spoofer, auth: SupernodeV3Tests.otherToken, address: address), from: F.sockB)
        let c = try #require(h.engine.communities[F.community])
        #expect(c.edges[F.macA]?.socket == F.sockA)
        // The same token: the edge came back with a new MAC, its entry is renamed.
        h.receive(SupernodeV3Tests.registerSuper(MACAddress(2, 0, 0, 0, 0, 0x77), address: address), from: F.sockA)
        #expect(c.edges[F.macA] == nil && c.edges[MACAddress(2, 0, 0, 0, 0, 0x77)]?.socket == F.sockA)
    }

    @Test func underDashMOnlyTheRegisteredSocketUnregisters() throws {
        var options = SupernodeEngineOptions()
        options.v3.spoofingProtection = false
        let h = SupernodeHarness(options: options)
        h.receive(SupernodeV3Tests.registerSuper(F.macA), from: F.sockA)
        let unregister = try V3Codec.encode(V3CommonHeader(code: .unregisterSuper, community: SupernodeV3Tests.field),
                                            .unregisterSuper(V3UnregisterSuper(auth: SupernodeV3Tests.token, srcMac: F.macA)))
        h.receive(unregister, from: F.sockB)
        #expect(h.engine.communities[F.community]?.edges[F.macA] != nil)
        #expect(h.engine.statistics[.unregisteredSender] == 1)
        h.receive(unregister, from: F.sockA)
        #expect(h.engine.communities[F.community]?.edges[F.macA] == nil)
    }
}
