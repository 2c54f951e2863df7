import N2NWire
import Testing
import LinuxSystem
@testable import PacketCore

/// `replaceWhitelist`: what a reload of the `-c` file does to the communities and their edges.
@Suite struct SupernodeWhitelistReloadTests {
    typealias F = Fixture
    static let other = Community("other")
    static let added = Community("added")

    static func registered(_ h: SupernodeHarness, _ mac: MACAddress, in community: Community,
                           from socket: PeerSocket) -> Bool {
        h.receive(F.registerSuper(mac, community: community), from: socket).first?.bytes[3] == 0x66
    }

    @Test func keptCommunitiesKeepTheirEdgesAndRemovedOnesLoseThem() throws {
        let h = SupernodeHarness(options: SupernodeEngineOptions(whitelist: [F.community, Self.other]))
        #expect(Self.registered(h, F.macA, in: F.community, from: F.sockA))
        #expect(Self.registered(h, F.macB, in: Self.other, from: F.sockB))
        #expect(!Self.registered(h, F.macC, in: Self.added, from: F.sockC))

        let change = try #require(h.engine.replaceWhitelist([F.community, Self.added]))
        #expect(change.added == ["added"])
        #expect(change.removed == ["other"])
        #expect(change.edgesDropped == 1)
        #expect(change.listed == 2)
        #expect(h.engine.edgeCount == 1)
        #expect(h.engine.communities[F.community]?.edges.keys.sorted() == [F.macA])
        #expect(h.engine.communities[Self.other] == nil)
        #expect(h.engine.isLocked)

        #expect(Self.registered(h, F.macC, in: Self.added, from: F.sockC))
        #expect(!Self.registered(h, F.macB, in: Self.other, from: F.sockB))
        #expect(h.engine.communities[Self.added]?.whitelisted == true)
    }

    @Test func theSameListChangesNothing() throws {
        let h = SupernodeHarness(options: SupernodeEngineOptions(whitelist: [F.community]))
        #expect(Self.registered(h, F.macA, in: F.community, from: F.sockA))
        let change = try #require(h.engine.replaceWhitelist([F.community, F.community]))
        #expect(change == { var c = WhitelistChange(); c.listed = 1; return c }())
        #expect(h.engine.edgeCount == 1)
    }

    @Test func anEmptyListStaysLocked() throws {
        let h = SupernodeHarness(options: SupernodeEngineOptions(whitelist: [F.community]))
        #expect(Self.registered(h, F.macA, in: F.community, from: F.sockA))
        _ = try #require(h.engine.replaceWhitelist([]))
        #expect(h.engine.edgeCount == 0)
        #expect(h.engine.isLocked)
        #expect(!Self.registered(h, F.macA, in: F.community, from: F.sockA))
    }

    @Test func openModeHasNoListToReplace() {
        let h = SupernodeHarness()
        #expect(h.engine.replaceWhitelist([F.community]) == nil)
        #expect(!h.engine.isLocked)
    }

    @Test func newlyListedCommunitiesGetHeaderKeys() throws {
        var keyed: [Community] = []
        let engine = SupernodeEngine(
            options: SupernodeEngineOptions(whitelist: [F.community]), output: RecordingSink(),
            headerCipherFactory: { keyed.append($0); return FakeHeaderCipher($0) },
            random: CountingRandom(), clock: ManualClock(wall: WallTime(seconds: 0x6000_0000)))
        engine.logger.logLevel = .critical
        _ = try #require(engine.replaceWhitelist([F.community, Self.added]))
        #expect(keyed == [F.community, Self.added])
        // An encrypted REGISTER_SUPER for the new community is opened by its key.
        let cipher = FakeHeaderCipher(Self.added)
        var datagram = cipher.sealed(F.registerSuper(F.macA, community: Self.added),
                                     stamp: EdgeReplayWindow.stamp(WallTime(seconds: 0x6000_0000), random12: 1))
        datagram.withUnsafeMutableBytes { engine.handleDatagram($0, from: F.sockA) }
        #expect(engine.communities[Self.added]?.headerMode == .encrypted)
    }
}
