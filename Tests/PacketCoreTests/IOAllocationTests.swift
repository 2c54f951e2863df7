import Glibc
import N2NWire
import Synchronization
import AllocationProbe
import Testing
import LinuxSystem
@testable import PacketCore


@Suite struct IOAllocationTests {
    @Test(.enabled(if: !isAllocationProbe))
    func hotPathsDoNotAllocate() throws {
        try expectAllocationProbePasses(suite: "IOAllocationProbeTests")
    }
}

@Suite(.serialized, .enabled(if: isAllocationProbe)) struct IOAllocationProbeTests {
    @Test func theCounterSeesAllocations() throws {
        var sink: [Int] = []
        let counted = AllocationCounter.allocations {
            for i in 0..<10 { sink = [i, i + 1] }  // a new array buffer each time
        }
        let allocations = try #require(counted, "runtime allocation hook not found")
        #expect(allocations >= 10)
        #expect(sink == [9, 10])
    }

    @Test func udpBatchSendAndReceiveDoNotAllocate() throws {
        let receiver = try UDPSocket(bindingTo: .ipv4(127, 0, 0, 1, port: 0))
        let sender = try UDPSocket(bindingTo: .ipv4(127, 0, 0, 1, port: 0))
        let target = try receiver.localEndpoint
        let outgoing = SendBatch(socket: sender, capacity: 32)
        let incoming = DatagramBatch(capacity: 32)
        let payload = UnsafeMutableRawBufferPointer.allocate(byteCount: 1400, alignment: 8)
        defer { payload.deallocate() }
        payload.initializeMemory(as: UInt8.self, repeating: 0x5A)
        var pollDescriptor = pollfd(fd: receiver.descriptor.rawValue, events: Int16(POLLIN), revents: 0)

        var received = 0
        var checksum = 0
        var lastPeer: PeerSocket?
        func round() throws {
            for i in 0..<32 {
                if i % 2 == 0 {
                    try outgoing.enqueue(UnsafeRawBufferPointer(payload), to: target)
                } else {
                    try outgoing.enqueue(to: target) { (buffer: UnsafeMutableRawBufferPointer) -> Int in
                        buffer[0] = UInt8(i)
                        return 100 + i
                    }
                }
            }
            try outgoing.flush()
            var got = 0
            while got < 32, poll(&pollDescriptor, 1, 1000) == 1 {
                let n = try receiver.receive(into: incoming)
                for k in 0..<n {
                    checksum &+= incoming[k].count
                    lastPeer = incoming.peer(k)
                }
                got += n
            }
            received += got
        }

        try round()  // warm-up: lazily initialised runtime and test state
        received = 0
        let counted = try AllocationCounter.allocations {
            for _ in 0..<20 { try round() }
        }
        let allocations = try #require(counted, "runtime allocation hook not found")
        #expect(received == 20 * 32)
        #expect(lastPeer == (try sender.localEndpoint))
        #expect(checksum > 0)
        #expect(allocations == 0, "\(allocations) allocations for \(received) datagrams")
    }

    @Test func loopDispatchAndTimersDoNotAllocate() throws {
        let loop = try EventLoop()
        let socket = try UDPSocket(bindingTo: .ipv4(127, 0, 0, 1, port: 0))
        let target = try socket.localEndpoint
        let batch = DatagramBatch(capacity: 8)
        var reads = 0
        var ticks = 0
        try loop.register(socket.descriptor.rawValue) { _ in
            reads += (try? socket.receive(into: batch)) ?? 0
        }
        loop.schedule(after: .milliseconds(1), repeating: .milliseconds(1)) { ticks += 1 }
        // Re-armed on every iteration like a per-packet idle timeout, so it never fires.
        let idle = loop.schedule(after: .seconds(60)) { Issue.record("idle timer fired") }
        let byte = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 1)
        defer { byte.deallocate() }
        byte[0] = 1
        func iteration() throws {
            _ = try socket.send(UnsafeRawBufferPointer(byte), to: target)
            try loop.runOnce(maxWait: .milliseconds(5))
            loop.reschedule(idle, after: .seconds(60))
        }
        for _ in 0..<5 { try iteration() }  // warm-up
        let counted = try AllocationCounter.allocations {
            for _ in 0..<200 { try iteration() }
        }
        let allocations = try #require(counted, "runtime allocation hook not found")
        #expect(reads >= 150)
        #expect(ticks > 0)
        #expect(allocations == 0, "\(allocations) allocations in 200 loop iterations")
    }
}

/// N2NWire's leak checks read process-wide malloc statistics, which other suites running in
/// parallel disturb; they run alone in a child process (see N2NWireHeapProbeSuite).
@Suite struct N2NWireHeapProbeTests {
    #if arch(x86_64) && os(Linux)
    @Test(.enabled(if: !isAllocationProbe))
    func leakChecksPassInIsolation() throws {
        try expectAllocationProbePasses(suite: "N2NWireHeapProbeSuite")
    }
    #endif
}
