import Glibc
import Testing
@testable import LinuxSystem

/// UDP GSO on send (`UDPSocket.segmentsSends`: the batch groups datagrams itself) and UDP GRO on
/// receive over real loopback sockets: datagram boundaries and bytes must be exactly those
/// enqueued. Loopback keeps a segmented send whole for a receiver with UDP_GRO on and reports it
/// as a coalesced receive (one buffer and a UDP_GRO cmsg); a receiver without it gets the
/// datagrams one by one.
@Suite struct UDPOffloadLoopbackTests {
    /// Receives until `expected` datagrams came (split by segment size) or 2 s passed; returns
    /// them and how many messages carried more than one.
    func receiveSplit(_ socket: UDPSocket, _ batch: DatagramBatch, expected: Int) throws -> (datagrams: [[UInt8]], coalesced: Int) {
        var datagrams: [[UInt8]] = []
        var coalesced = 0
        var descriptor = pollfd(fd: socket.descriptor.rawValue, events: Int16(POLLIN), revents: 0)
        for _ in 0..<100 where datagrams.count < expected {
            if poll(&descriptor, 1, 20) <= 0 { continue }
            let n = try socket.receive(into: batch)
            for i in 0..<n {
                #expect(!batch.isTruncated(i))
                if batch.forEachDatagram(in: i, { datagrams.append(Array($0)) }) > 1 { coalesced += 1 }
            }
        }
        return (datagrams, coalesced)
    }

    @Test func segmentedBatchArrivesAsTheSameDatagrams() throws {
        let sender = try UDPSocket(bindingTo: loopback4)
        guard sender.supportsSegmentationOffload else { try Test.cancel("the kernel has no UDP_SEGMENT") }
        sender.segmentsSends = true
        let coalescing = try UDPSocket(bindingTo: loopback4)
        do { try coalescing.setGenericReceiveOffload(true) } catch {
            try Test.cancel("the kernel refused UDP_GRO: \(error)")
        }
        let plain = try UDPSocket(bindingTo: loopback4)
        let toCoalescing = try coalescing.localAddress
        let toPlain = try plain.localAddress

        // 10 x 1200 + 300 to one peer, interleaved with 5 x 1200 to another, each datagram its
        // own bytes; sealed into the slots as the data plane does.
        let queue = SendBatch(socket: sender, capacity: 32, datagramCapacity: 2048)
        var sentA: [[UInt8]] = []
        var sentB: [[UInt8]] = []
        for i in 0..<11 {
            let a = pattern(i == 10 ? 300 : 1200, seed: UInt8(i))
            sentA.append(a)
            let queued = try a.withUnsafeBytes { try queue.enqueue($0, to: toCoalescing) }
            #expect(queued)
            if i % 2 == 0 && sentB.count < 5 {
                let b = pattern(1200, seed: UInt8(100 + i))
                sentB.append(b)
                try queue.enqueue(to: toPlain) { (slot: UnsafeMutableRawBufferPointer) throws(Errno) -> Int in
                    b.withUnsafeBytes { slot.copyMemory(from: $0) }
                    return b.count
                }
            }
        }
        #expect(try queue.flush() == 16)
        let stats = sender.statistics
        if stats.segmentationFallbacks > 0 {
            try Test.cancel("the kernel refused a UDP_SEGMENT send on loopback: \(stats.lastSegmentationError.map(\.description) ?? "?")")
        }
        #expect(stats.segmentedSends == 2 && stats.segmentedDatagrams == 16)
        #expect(stats.datagramsSent == 16 && stats.sendErrors == 0)

        let gotA = try receiveSplit(coalescing, DatagramBatch(capacity: 4, datagramCapacity: 65536), expected: 11)
        #expect(gotA.datagrams == sentA)
        #expect(gotA.coalesced >= 1, "the GRO receiver got no coalesced message")
        let gotB = try receiveSplit(plain, DatagramBatch(capacity: 8, datagramCapacity: 2048), expected: 5)
        #expect(gotB.datagrams == sentB)
        #expect(gotB.coalesced == 0)
    }

    @Test func aRefusedSegmentedSendFallsBackToPlainDatagrams() throws {
        let sender = try UDPSocket(bindingTo: loopback4)
        guard sender.supportsSegmentationOffload else { try Test.cancel("the kernel has no UDP_SEGMENT") }
        // Without UDP checksums the kernel cannot segment: a UDP_SEGMENT send is EINVAL.
        try sender.setOption(SOL_SOCKET, SO_NO_CHECK, 1, "setsockopt(SO_NO_CHECK)")
        sender.segmentsSends = true
        let receiver = try UDPSocket(bindingTo: loopback4)
        let destination = try receiver.localAddress
        let batch = DatagramBatch(capacity: 8, datagramCapacity: 2048)
        let sent = (0..<5).map { pattern($0 == 4 ? 10 : 1000, seed: UInt8($0)) }
        for bytes in sent { #expect(bytes.withUnsafeBytes { batch.append($0, to: destination) }) }

        #expect(try sender.send(batch) == 5)
        let stats = sender.statistics
        if stats.segmentedSends > 0 { try Test.cancel("the kernel segmented without UDP checksums") }
        #expect(stats.segmentationFallbacks == 1)
        #expect(stats.lastSegmentationError?.code == EINVAL || stats.lastSegmentationError?.code == EIO)
        #expect(!sender.segmentsSends)
        #expect(stats.sendErrors == 0 && stats.datagramsSent == 5)
        let got = try receiveSplit(receiver, DatagramBatch(capacity: 8, datagramCapacity: 2048), expected: 5)
        #expect(got.datagrams == sent)
    }

    @Test func receiveSlotsAreResetAfterASegmentedSendFromTheSameBatch() throws {
        // One batch used to send (headers pointed at grouped iovecs and addresses) then to
        // receive: every header must point at its own slot again.
        let socket = try UDPSocket(bindingTo: loopback4)
        guard socket.supportsSegmentationOffload else { try Test.cancel("the kernel has no UDP_SEGMENT") }
        socket.segmentsSends = true
        let me = try socket.localAddress
        let batch = DatagramBatch(capacity: 4, datagramCapacity: 1500)
        let sent = (0..<4).map { pattern(700, seed: UInt8($0)) }
        for bytes in sent { #expect(bytes.withUnsafeBytes { batch.append($0, to: me) }) }
        #expect(try socket.send(batch) == 4)
        if socket.statistics.segmentationFallbacks > 0 { try Test.cancel("UDP_SEGMENT refused on loopback") }
        let got = try receiveSplit(socket, batch, expected: 4)
        #expect(got.datagrams == sent)
        #expect((0..<batch.count).allSatisfy { batch.address($0) == me })
    }
}
