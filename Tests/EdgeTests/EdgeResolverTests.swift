import Glibc
import Testing
import N2NWire
import Synchronization
@testable import Edge

@Test func lookupResolvesLocalhostAndLiterals() {
    #expect(SupernodeResolver.lookup(host: "localhost", port: 7654, ipv6: false) == PeerSocket(ipv4: 0x7F00_0001, port: 7654))
    #expect(SupernodeResolver.lookup(host: "10.1.2.3", port: 1, ipv6: false) == PeerSocket(ipv4: 0x0A01_0203, port: 1))
    #expect(SupernodeResolver.lookup(host: "", port: 1, ipv6: false) == nil)
    // A dual-stack socket takes IPv6 answers; an IPv4 one never gets one.
    #expect(SupernodeResolver.lookup(host: "2001:db8::7", port: 2, ipv6: true) == PeerSocket(address: .v6(0x2001_0DB8_0000_0000, 7), port: 2))
    #expect(SupernodeResolver.lookup(host: "2001:db8::7", port: 2, ipv6: false) == nil)
    #expect(SupernodeResolver.lookup(host: "10.1.2.3", port: 1, ipv6: true) == PeerSocket(ipv4: 0x0A01_0203, port: 1))
}

/// Counts the resolver's wakes; a test waits for them (bounded) instead of polling with sleeps.
private final class WakeCounter: @unchecked Sendable {  // sem_t is thread-safe; initialised once
    private var semaphore = sem_t()
    let wakes = Atomic<Int>(0)
    init() { sem_init(&semaphore, 0, 0) }
    deinit { sem_destroy(&semaphore) }
    func wake() {
        wakes.add(1, ordering: .relaxed)
        sem_post(&semaphore)
    }
    /// Waits for one wake, at most `seconds`; false on time-out.
    func awaitWake(seconds: Int) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += seconds
        while sem_timedwait(&semaphore, &deadline) != 0 {
            if errno != EINTR { return false }
        }
        return true
    }
}

@Test func answersArriveThroughTheInboxAndWakeTheLoop() throws {
    let counter = WakeCounter()
    let resolver = SupernodeResolver(ipv6: false) { counter.wake() }
    resolver.resolve(index: 0, host: "localhost", port: 7654)
    resolver.resolve(index: 1, host: "127.0.0.2", port: 7655)
    // Each answer is in the inbox before its wake: two wakes, then both answers drain at once.
    #expect(counter.awaitWake(seconds: 10))
    #expect(counter.awaitWake(seconds: 10))
    let answers = resolver.drain()
    #expect(answers.count == 2)
    #expect(counter.wakes.load(ordering: .relaxed) == 2)
    let byIndex = Dictionary(uniqueKeysWithValues: answers.map { ($0.index, $0.address) })
    #expect(byIndex[0] == PeerSocket(ipv4: 0x7F00_0001, port: 7654))
    #expect(byIndex[1] == PeerSocket(ipv4: 0x7F00_0002, port: 7655))
    #expect(resolver.drain().isEmpty)
}
