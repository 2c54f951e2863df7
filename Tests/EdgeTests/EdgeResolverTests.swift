import Testing
import N2NWire
import Synchronization
@testable import Edge

@Test func lookupResolvesLocalhostAndLiterals() {
    #expect(SupernodeResolver.lookup(host: "localhost", port: 7654) == PeerSocket(ipv4: 0x7F00_0001, port: 7654))
    #expect(SupernodeResolver.lookup(host: "10.1.2.3", port: 1) == PeerSocket(ipv4: 0x0A01_0203, port: 1))
    #expect(SupernodeResolver.lookup(host: "", port: 1) == nil)
}

@Test func answersArriveThroughTheInboxAndWakeTheLoop() async throws {
    let wakes = Atomic<Int>(0)
    let resolver = SupernodeResolver { wakes.add(1, ordering: .relaxed) }
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
