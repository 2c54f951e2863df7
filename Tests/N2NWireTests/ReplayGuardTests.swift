import Testing
@testable import N2NWire

@Suite struct ReplayGuardTests {
    let now: UInt64 = 0x6000_0000_0000_0000

    func failure(_ g: inout ReplayGuard, _ seal: HeaderSeal) -> HeaderCryptoError? {
        do throws(HeaderCryptoError) {
            try g.check(seal, now: now)
            return nil
        } catch {
            return error
        }
    }

    @Test func exactRepeatIsRefusedAndANewFingerprintPasses() throws {
        var g = ReplayGuard(now: now)
        let seal = HeaderSeal(stamp: now, fingerprint: 0x11)
        try g.check(seal, now: now)
        #expect(failure(&g, seal) == .replayed(stamp: now, previous: now))
        try g.check(HeaderSeal(stamp: now, fingerprint: 0x13), now: now)
    }

    @Test func windowAndJitterStillApply() {
        var g = ReplayGuard(now: now)
        let far = now &+ UInt64(HeaderStamp.frame)
        #expect(failure(&g, HeaderSeal(stamp: far, fingerprint: 3)) == .stampOutsideWindow(stamp: far, now: now))
        let fresh = g.accept(now, fingerprint: 5)
        // More than 160 ms behind the newest accepted stamp.
        let stale = g.accept(now &- 0x1_0000_0000, fingerprint: 7)
        #expect(fresh && !stale)
    }

    @Test func recordIsIdempotentAndRemembersForTheCheck() {
        var g = ReplayGuard(now: now)
        let seal = HeaderSeal(stamp: now, fingerprint: 9)
        g.record(seal)
        g.record(seal)
        let again = g.accept(seal)
        #expect(!again)
        #expect(g.newest == now)
    }

    @Test func memoryIsFixed() {
        // Eight remembered datagrams, whatever a sender does: the guard is a fixed-size value.
        #expect(MemoryLayout<ReplayGuard>.size <= 96)
    }
}
