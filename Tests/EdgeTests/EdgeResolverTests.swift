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

@Test func answersArriveThroughTheInboxAndWakeTheLoop() async throws {
    let wakes = Atomic<Int>(0)
    let resolver = SupernodeResolver(ipv6: false) { wakes.add(1, ordering: .relaxed) }
    resolver.resolve(index: 0, host: "localhost", port: 7654)
    resolver.resolve(index: 1, host: "127.0.0.2", port: 7655)
    var answers: [(index: Int, address: PeerSocket?)] = []
    for _ in 0..<500 where answers.count < 2 {
        answers += resolver.drain()
        try await Task.sleep(for: .milliseconds(10))
    }
    #expect(answers.count == 2)
    #expect(wakes.load(ordering: .relaxed) == 2)
    let byIndex = Dictionary(uniqueKeysWithValues: answers.map { ($0.index, $0.address) })
    #expect(byIndex[0] == PeerSocket(ipv4: 0x7F00_0001, port: 7654))
    #expect(byIndex[1] == PeerSocket(ipv4: 0x7F00_0002, port: 7655))
    #expect(resolver.drain().isEmpty)
}
