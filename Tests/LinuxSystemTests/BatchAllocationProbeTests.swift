import AllocationProbe
import Glibc
import Synchronization
import Testing
import LinuxSystem

/// Zero allocations on the control-message paths (per-datagram TTL and segment size, references,
/// enqueueAgain, receive with TTL reports), counted by the shared `AllocationCounter` in a child
/// process that runs only `BatchAllocationProbe`.
@Suite struct BatchAllocationTests {
    @Test(.enabled(if: !isAllocationProbe))
    func controlMessagePathsDoNotAllocate() throws {
        try expectAllocationProbePasses(suite: "BatchAllocationProbe")
    }
}

@Suite(.serialized, .enabled(if: isAllocationProbe)) struct BatchAllocationProbe {
    @Test func sendWithOptionsReferencesAndReceiveWithReportsDoNotAllocate() throws {
        let sender = try UDPSocket(bindingTo: SocketAddress(ipv4: 0x7F00_0001, port: 0))
        let receiver = try UDPSocket(bindingTo: SocketAddress(ipv4: 0x7F00_0001, port: 0))
        try receiver.setReceiveTimeToLive(true)
        let destination = try receiver.localAddress
        let queue = SendBatch(socket: sender, capacity: 8, datagramCapacity: 1500)
        let incoming = DatagramBatch(capacity: 32, datagramCapacity: 1500)
        let payload = UnsafeMutableRawBufferPointer.allocate(byteCount: 1200, alignment: 8)
        defer { payload.deallocate() }
        payload.initializeMemory(as: UInt8.self, repeating: 0x5A)
        var pollDescriptor = pollfd(fd: receiver.descriptor.rawValue, events: Int16(POLLIN), revents: 0)
        var received = 0
        var ttlSum = 0

        func round() throws {
            // 3 sealed datagrams, each fanned out to 3 more destinations (the same socket here),
            // with a per-datagram TTL on some: 12 datagrams, two flushes (capacity 8).
            for i in 0..<3 {
                try queue.enqueue(UnsafeRawBufferPointer(payload), to: destination)
                queue.batch.setTimeToLive(queue.pending - 1, 10 + i)
                for _ in 0..<3 { try queue.enqueueAgain(to: destination) }
            }
            try queue.flush()
            var got = 0
            while got < 12, poll(&pollDescriptor, 1, 1000) == 1 {
                let n = try receiver.receive(into: incoming)
                for k in 0..<n {
                    ttlSum &+= incoming.receivedTimeToLive(k) ?? 0
                    if incoming.segmentSize(k) != nil { ttlSum = -1_000_000 }
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
        #expect(received == 20 * 12)
        #expect(ttlSum > 0)
        #expect(allocations == 0, "\(allocations) allocations for \(received) datagrams")
    }

    @Test func segmentedSendAndCoalescedReceiveDoNotAllocate() throws {
        let sender = try UDPSocket(bindingTo: SocketAddress(ipv4: 0x7F00_0001, port: 0))
        guard sender.supportsSegmentationOffload else { return }
        sender.segmentsSends = true
        let receiver = try UDPSocket(bindingTo: SocketAddress(ipv4: 0x7F00_0001, port: 0))
        guard (try? receiver.setGenericReceiveOffload(true)) != nil else { return }
        let other = try UDPSocket(bindingTo: SocketAddress(ipv4: 0x7F00_0001, port: 0))
        let destination = try receiver.localAddress
        let elsewhere = try other.localAddress
        let queue = SendBatch(socket: sender, capacity: 32, datagramCapacity: 1500)
        let incoming = DatagramBatch(capacity: 8, datagramCapacity: 65536)
        let drain = DatagramBatch(capacity: 32, datagramCapacity: 1500)
        let payload = UnsafeMutableRawBufferPointer.allocate(byteCount: 1200, alignment: 8)
        defer { payload.deallocate() }
        payload.initializeMemory(as: UInt8.self, repeating: 0x3C)
        var pollDescriptor = pollfd(fd: receiver.descriptor.rawValue, events: Int16(POLLIN), revents: 0)
        var received = 0

        func round() throws {
            // 24 equal datagrams to one peer interleaved with 6 to another: 2 segmented messages.
            for i in 0..<24 {
                try queue.enqueue(UnsafeRawBufferPointer(payload), to: destination)
                if i % 4 == 0 { try queue.enqueue(UnsafeRawBufferPointer(payload), to: elsewhere) }
            }
            try queue.flush()
            var got = 0
            while got < 24, poll(&pollDescriptor, 1, 1000) == 1 {
                let n = try receiver.receive(into: incoming)
                for k in 0..<n { got += incoming.forEachDatagram(in: k) { received &+= $0.count == 1200 ? 1 : 0 } }
            }
            _ = try other.receive(into: drain)
        }

        try round()  // warm-up
        received = 0
        let counted = try AllocationCounter.allocations {
            for _ in 0..<20 { try round() }
        }
        let allocations = try #require(counted, "runtime allocation hook not found")
        #expect(sender.statistics.segmentationFallbacks == 0)
        #expect(sender.statistics.segmentedSends >= 40)
        #expect(received == 20 * 24)
        #expect(allocations == 0, "\(allocations) allocations for \(received) datagrams")
    }
}
