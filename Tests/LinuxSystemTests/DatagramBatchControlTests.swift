import CN2NLinux
import Glibc
import Testing
@testable import LinuxSystem

let loopback4 = SocketAddress(ipv4: 0x7F00_0001, port: 0)
let loopback6 = SocketAddress(ipv6High: 0, low: 1, port: 0)

/// Receives into `batch` until `expected` datagrams came or 2 s passed; returns
/// (bytes, segment size, TTL) of each, in arrival order.
func receiveAll(_ socket: UDPSocket, _ batch: DatagramBatch, expected: Int) throws -> [(bytes: [UInt8], segment: Int?, ttl: Int?)] {
    var got: [(bytes: [UInt8], segment: Int?, ttl: Int?)] = []
    var descriptor = pollfd(fd: socket.descriptor.rawValue, events: Int16(POLLIN), revents: 0)
    for _ in 0..<100 where got.count < expected {
        if poll(&descriptor, 1, 20) <= 0 { continue }
        let n = try socket.receive(into: batch)
        for i in 0..<n { got.append((Array(batch[i]), batch.segmentSize(i), batch.receivedTimeToLive(i))) }
    }
    return got
}

func pattern(_ count: Int, seed: UInt8) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(seed)) } }

/// Allocation: the control storage, the reference table and the per-message options are
/// allocated in `DatagramBatch.init` with the other arrays; setting options, appending
/// references, preparing the cmsgs (`ControlMessages.write` into that storage) and reading them
/// back (a stack `msghdr` walked with CMSG_FIRSTHDR/NXTHDR) touch only that memory and the stack.
/// BatchAllocationProbeTests counts Swift heap allocations on these paths (0 expected).
@Suite struct DatagramBatchControlTests {
    @Test func perDatagramTimeToLiveLeavesWithThatTTL() throws {
        let sender = try UDPSocket(bindingTo: loopback4)
        let receiver = try UDPSocket(bindingTo: loopback4)
        try receiver.setReceiveTimeToLive(true)
        let destination = try receiver.localAddress
        let socketTTL = try sender.timeToLive()

        let batch = DatagramBatch(capacity: 4, datagramCapacity: 64)
        for (i, ttl) in [7, nil, 200].enumerated() {
            #expect([UInt8(i)].withUnsafeBytes { batch.append($0, to: destination) })
            batch.setTimeToLive(i, ttl)
        }
        #expect(try sender.send(batch) == 3)
        let got = try receiveAll(receiver, DatagramBatch(capacity: 8, datagramCapacity: 64), expected: 3)
        #expect(got.map(\.bytes) == [[0], [1], [2]])
        #expect(got.map(\.ttl) == [7, socketTTL, 200])
        #expect(got.allSatisfy { $0.segment == nil })
        // The socket's own TTL is untouched.
        #expect(try sender.timeToLive() == socketTTL)
    }

    @Test func hopLimitOnIPv6AndTTLForMappedIPv4() throws {
        // Bound to :: (a socket bound to ::1 cannot reach IPv4 peers).
        let sender = try UDPSocket(bindingTo: SocketAddress(ipv6High: 0, low: 0, port: 0))
        let receiver6 = try UDPSocket(bindingTo: loopback6)
        let receiver4 = try UDPSocket(bindingTo: loopback4)
        try receiver6.setReceiveTimeToLive(true)
        try receiver4.setReceiveTimeToLive(true)

        let batch = DatagramBatch(capacity: 4, datagramCapacity: 64)
        #expect(([6] as [UInt8]).withUnsafeBytes { batch.append($0, to: try! receiver6.localAddress) })
        batch.setTimeToLive(0, 9)
        // An IPv4 destination on a dual-stack socket leaves as IPv4: IP_TTL, not IPV6_HOPLIMIT.
        #expect(([4] as [UInt8]).withUnsafeBytes { batch.append($0, to: try! receiver4.localAddress) })
        batch.setTimeToLive(1, 5)
        #expect(try sender.send(batch) == 2)
        #expect(sender.statistics.sendErrors == 0, "\(sender.statistics.lastSendError.map(\.description) ?? "")")

        let got6 = try receiveAll(receiver6, DatagramBatch(capacity: 4, datagramCapacity: 64), expected: 1)
        let got4 = try receiveAll(receiver4, DatagramBatch(capacity: 4, datagramCapacity: 64), expected: 1)
        #expect(got6.map(\.bytes) == [[6]] && got6.map(\.ttl) == [9])
        #expect(got4.map(\.bytes) == [[4]] && got4.map(\.ttl) == [5])
    }

    @Test func segmentedSendArrivesAsSeparateDatagrams() throws {
        let sender = try UDPSocket(bindingTo: loopback4)
        guard sender.supportsSegmentationOffload else { try Test.cancel("the kernel has no UDP_SEGMENT") }
        let receiver = try UDPSocket(bindingTo: loopback4)
        let destination = try receiver.localAddress

        let batch = DatagramBatch(capacity: 4, datagramCapacity: 8192)
        let payload = pattern(3500, seed: 1)
        #expect(payload.withUnsafeBytes { batch.append($0, to: destination) })
        batch.setSegmentSize(0, 1000)
        // A plain datagram after it in the same sendmmsg carries no control data.
        #expect(([0xEE] as [UInt8]).withUnsafeBytes { batch.append($0, to: destination) })
        let sent = try sender.send(batch)
        if sent < 2 || sender.statistics.sendErrors > 0 {
            try Test.cancel("the kernel refused a UDP_SEGMENT send on loopback: \(sender.statistics.lastSendError.map(\.description) ?? "?")")
        }
        let got = try receiveAll(receiver, DatagramBatch(capacity: 16, datagramCapacity: 2048), expected: 5)
        #expect(got.map(\.bytes.count) == [1000, 1000, 1000, 500, 1])
        #expect(Array(got.prefix(4).map(\.bytes).joined()) == payload)
        #expect(got.last?.bytes == [0xEE])
        #expect(got.allSatisfy { $0.segment == nil })  // no UDP_GRO on the receiver
    }

    /// Coalescing proper (GRO of separate datagrams) does not happen on loopback, which has no
    /// NAPI GRO path: datagrams sent one by one arrive one by one, with no segment size. What
    /// loopback does deterministically is keep a segmented (GSO) send whole for a socket with
    /// UDP_GRO on, reported exactly as a coalesced receive is: one buffer plus a UDP_GRO cmsg.
    @Test func receiveOffloadReportsTheSegmentSize() throws {
        let sender = try UDPSocket(bindingTo: loopback4)
        guard sender.supportsSegmentationOffload else { try Test.cancel("the kernel has no UDP_SEGMENT") }
        let receiver = try UDPSocket(bindingTo: loopback4)
        do { try receiver.setGenericReceiveOffload(true) } catch {
            try Test.cancel("the kernel refused UDP_GRO: \(error)")
        }
        let destination = try receiver.localAddress
        let payload = pattern(3500, seed: 2)
        let batch = DatagramBatch(capacity: 4, datagramCapacity: 8192)
        #expect(payload.withUnsafeBytes { batch.append($0, to: destination) })
        batch.setSegmentSize(0, 1000)
        #expect(([1, 2, 3] as [UInt8]).withUnsafeBytes { batch.append($0, to: destination) })
        #expect(try sender.send(batch) == 2)

        let got = try receiveAll(receiver, DatagramBatch(capacity: 8, datagramCapacity: 65536), expected: 2)
        try #require(got.count == 2, "received \(got.map(\.bytes.count))")
        #expect(got[0].bytes == payload)
        #expect(got[0].segment == 1000)
        #expect(got[1].bytes == [1, 2, 3])
        #expect(got[1].segment == nil)
    }

    @Test func referencesSendIdenticalBytesToSeveralDestinations() throws {
        let sender = try UDPSocket(bindingTo: loopback4)
        let receivers = try (0..<3).map { _ in try UDPSocket(bindingTo: loopback4) }
        let addresses = try receivers.map { try $0.localAddress }

        let batch = DatagramBatch(capacity: 8, datagramCapacity: 256, headroom: 8)
        let sealed = pattern(200, seed: 3)
        #expect(sealed.withUnsafeBytes { batch.append($0, to: addresses[0]) })
        #expect(batch.appendReference(to: addresses[1], sameBytesAs: 0))
        #expect(batch.appendReference(to: addresses[2], sameBytesAs: 1))  // a reference to a reference
        #expect(batch.count == 3)
        #expect(batch.referencedIndex(1) == 0 && batch.referencedIndex(2) == 0)
        #expect(Array(batch[2]) == sealed)
        #expect(batch.address(2) == addresses[2])
        // Prepending a header in the headroom moves every reference with it.
        batch.slot(0)[4] = 0xAB
        batch.setDatagram(0, offset: 4, length: 204)
        let expected = [0xAB] + Array(repeating: 0, count: 3) + sealed
        #expect(Array(batch[1]) == expected)
        batch.setTimeToLive(2, 3)  // options stay per message

        for receiver in receivers { try receiver.setReceiveTimeToLive(true) }
        #expect(try sender.send(batch) == 3)
        let socketTTL = try sender.timeToLive()
        for (i, receiver) in receivers.enumerated() {
            let got = try receiveAll(receiver, DatagramBatch(capacity: 4, datagramCapacity: 512), expected: 1)
            #expect(got.map(\.bytes) == [expected], "receiver \(i)")
            #expect(got.map(\.ttl) == [i == 2 ? 3 : socketTTL], "receiver \(i)")
        }
        #expect(sender.statistics.datagramsSent == 3)
    }

    @Test func sendBatchEnqueueAgainReferencesOrCopiesAfterAFlush() throws {
        let sender = try UDPSocket(bindingTo: loopback4)
        let receivers = try (0..<4).map { _ in try UDPSocket(bindingTo: loopback4) }
        let addresses = try receivers.map { try $0.localAddress }
        let queue = SendBatch(socket: sender, capacity: 2, datagramCapacity: 128)

        #expect(try queue.enqueueAgain(to: addresses[0]) == false)  // nothing enqueued yet
        let first = pattern(100, seed: 4)
        #expect(try first.withUnsafeBytes { try queue.enqueue($0, to: addresses[0]) })
        #expect(try queue.enqueueAgain(to: addresses[1]))  // a reference: no copy
        #expect(queue.batch.referencedIndex(1) == 0)
        // Full: the flush sends both, then the bytes (still in slot 0) are copied into the new
        // first message, here the very same slot.
        #expect(try queue.enqueueAgain(to: addresses[2]))
        #expect(queue.pending == 1)
        #expect(Array(queue.batch[0]) == first)
        #expect(try queue.enqueueAgain(to: addresses[3]))
        #expect(try queue.flush() == 2)

        // A datagram filled in place in slot 1, flushed, then fanned out: copied from slot 1 to 0.
        let second = pattern(60, seed: 5)
        #expect(try ([9] as [UInt8]).withUnsafeBytes { try queue.enqueue($0, to: addresses[0]) })
        try queue.enqueue(to: addresses[1]) { (buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int in
            second.withUnsafeBytes { buffer.copyMemory(from: $0) }
            return second.count
        }
        #expect(try queue.flush() == 2)
        #expect(try queue.enqueueAgain(to: addresses[2]))
        #expect(Array(queue.batch[0]) == second)
        #expect(try queue.flush() == 1)

        let results = try zip(receivers, [2, 2, 2, 1]).map { receiver, expected in
            try receiveAll(receiver, DatagramBatch(capacity: 4, datagramCapacity: 256), expected: expected).map(\.bytes)
        }
        #expect(results[0] == [first, [9]])
        #expect(results[1] == [first, second])
        #expect(results[2] == [first, second])
        #expect(results[3] == [first])
    }

    @Test func bookkeepingAndOptionsResetPerMessage() throws {
        let batch = DatagramBatch(capacity: 2, datagramCapacity: 8, headroom: 2)
        let peer = SocketAddress(ipv4: 0x7F00_0001, port: 9)
        #expect(batch.capacity == 2 && batch.datagramCapacity == 8 && batch.headroom == 2)
        #expect(pattern(9, seed: 0).withUnsafeBytes { batch.append($0, to: peer) } == false)
        #expect(([1, 2] as [UInt8]).withUnsafeBytes { batch.append($0, to: peer) })
        batch.setSegmentSize(0, 1)
        batch.setTimeToLive(0, 1)
        #expect(batch.appendDatagram(to: peer) { _ in 0 })  // 0: slot left free
        #expect(batch.count == 1)
        #expect(batch.appendReference(to: peer, sameBytesAs: 0))
        #expect(batch.isFull)
        #expect(batch.appendReference(to: peer, sameBytesAs: 0) == false)
        #expect(batch.appendDatagram(to: peer) { _ in 1 } == false)
        #expect(Array(batch[1]) == [1, 2])
        #expect(batch.address(1) == peer)

        // A new message in a used slot starts without options and sends its own bytes.
        batch.removeAll()
        #expect(batch.isEmpty)
        #expect(([3] as [UInt8]).withUnsafeBytes { batch.append($0, to: peer) })
        #expect(batch.appendDatagram(to: peer) { $0[0] = 4; return 1 })
        #expect(batch.segmentSizes[0] == 0 && batch.timesToLive[0] == -1)
        #expect(batch.referencedIndex(1) == 1)
        #expect(Array(batch[0]) == [3] && Array(batch[1]) == [4])

        // Messages without options send no control data; with options, CMSG_SPACE-sized records.
        batch.setSegmentSize(1, 1400)
        batch.setTimeToLive(1, 64)
        batch.prepareForSend(count: 2, socketFamily: AF_INET)
        #expect(batch.headers[0].msg_hdr.msg_control == nil && batch.headers[0].msg_hdr.msg_controllen == 0)
        #expect(batch.headers[1].msg_hdr.msg_controllen == 2 * cn2n_CMSG_SPACE(4))
        let control = try #require(batch.headers[1].msg_hdr.msg_control)
        #expect(ControlMessages.findInt32(level: Int32(IPPROTO_IP), type: IP_TTL, in: control, length: 48) == 64)
        let first = control.assumingMemoryBound(to: cmsghdr.self).pointee
        #expect(first.cmsg_level == cn2n_SOL_UDP && first.cmsg_type == cn2n_UDP_SEGMENT && first.cmsg_len == cn2n_CMSG_LEN(2))
        #expect(UnsafeRawPointer(cn2n_CMSG_DATA(control.assumingMemoryBound(to: cmsghdr.self))).loadUnaligned(as: UInt16.self) == 1400)
        #expect(ControlMessages.capacityPerMessage >= 3 * cn2n_CMSG_SPACE(4))
    }
}
