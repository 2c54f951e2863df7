import CN2NLinux
import Glibc

/// A preallocated set of UDP datagrams with their peers, plus the `cn2n_mmsghdr`/`iovec` arrays
/// that `recvmmsg`/`sendmmsg` need. Everything is allocated once in `init` and reused by
/// every call: receiving, appending, sending and clearing never allocate.
///
/// Receiving (`UDPSocket.receive(into:)`) replaces the contents; for sending, append
/// datagrams (copying bytes, or filling a slot in place) and hand the batch to
/// `UDPSocket.send(_:count:)` or use `SendBatch`, which flushes for you.
/// Each slot is `headroom + datagramCapacity` bytes; a datagram normally starts after the
/// headroom so a header can later be prepended in place (`setDatagram(_:offset:length:)`).
/// The slots are a `FrameBatch`, which has exactly that layout; this adds the peers.
///
/// Each message also has preallocated control-message (cmsg) storage, as SwiftNIO's vector
/// read/write managers keep one per message: on send it carries per-datagram options
/// (`setSegmentSize`, `setTimeToLive`; a message without options sends no control data), on
/// receive what the kernel reports (`segmentSize` from UDP_GRO, `receivedTimeToLive`). A message
/// may also send the bytes of another one (`appendReference`): a fan-out of one sealed datagram to
/// 50 peers is one copy and 50 iovecs. With UDP GSO (`UDPSocket.segmentsSends`) one message may
/// send several datagrams (`SegmentationPlan`): its iovecs point at each of them in place.
public final class DatagramBatch {
    public var capacity: Int { slots.capacity }
    public var datagramCapacity: Int { slots.frameCapacity }
    public var headroom: Int { slots.headroom }
    /// Datagrams 0..<count hold data.
    @inlinable public var count: Int { slots.count }

    @usableFromInline let slots: FrameBatch
    @usableFromInline let addresses: UnsafeMutablePointer<sockaddr_in6>
    @usableFromInline let addressLengths: UnsafeMutablePointer<socklen_t>
    let truncated: UnsafeMutablePointer<Bool>
    let headers: UnsafeMutablePointer<cn2n_mmsghdr>
    let vectors: UnsafeMutablePointer<iovec>
    /// Message i sends (and its subscript shows) the bytes of datagram `sources[i]`: i itself,
    /// or the datagram it references.
    @usableFromInline let sources: UnsafeMutablePointer<Int>
    /// Per-message send options: UDP_SEGMENT size (0: none) and TTL / hop limit (-1: none).
    @usableFromInline let segmentSizes: UnsafeMutablePointer<UInt16>
    @usableFromInline let timesToLive: UnsafeMutablePointer<Int32>
    /// `capacity` blocks of `ControlMessages.capacityPerMessage` bytes, and how many of each
    /// the kernel filled on the last receive.
    let controls: UnsafeMutableRawPointer
    let receivedControlLengths: UnsafeMutablePointer<Int>
    /// Which datagrams the next sendmmsg carries in which message (several per message with UDP GSO).
    let plan: SegmentationPlan

    public init(capacity: Int = 64, datagramCapacity: Int = 2048, headroom: Int = 0) {
        precondition(capacity > 0 && datagramCapacity > 0 && headroom >= 0, "DatagramBatch sizes must be positive")
        precondition(capacity <= Int(UIO_MAXIOV), "recvmmsg/sendmmsg take at most UIO_MAXIOV messages")
        slots = FrameBatch(capacity: capacity, frameCapacity: datagramCapacity, headroom: headroom)
        addresses = .allocate(capacity: capacity)
        addresses.initialize(repeating: sockaddr_in6(), count: capacity)
        addressLengths = .allocate(capacity: capacity)
        addressLengths.initialize(repeating: 0, count: capacity)
        truncated = .allocate(capacity: capacity)
        truncated.initialize(repeating: false, count: capacity)
        headers = .allocate(capacity: capacity)
        headers.initialize(repeating: cn2n_mmsghdr(), count: capacity)
        vectors = .allocate(capacity: capacity)
        vectors.initialize(repeating: iovec(), count: capacity)
        sources = .allocate(capacity: capacity)
        for i in 0..<capacity { (sources + i).initialize(to: i) }
        segmentSizes = .allocate(capacity: capacity)
        segmentSizes.initialize(repeating: 0, count: capacity)
        timesToLive = .allocate(capacity: capacity)
        timesToLive.initialize(repeating: -1, count: capacity)
        let controlBytes = capacity * ControlMessages.capacityPerMessage
        controls = .allocate(byteCount: controlBytes, alignment: MemoryLayout<cmsghdr>.alignment)
        controls.initializeMemory(as: UInt8.self, repeating: 0, count: controlBytes)
        receivedControlLengths = .allocate(capacity: capacity)
        receivedControlLengths.initialize(repeating: 0, count: capacity)
        plan = SegmentationPlan(capacity: capacity)
        for i in 0..<capacity {
            headers[i].msg_hdr.msg_iov = vectors + i
            headers[i].msg_hdr.msg_iovlen = 1
            headers[i].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + i)
        }
    }

    deinit {
        addresses.deallocate()
        addressLengths.deallocate()
        truncated.deallocate()
        headers.deallocate()
        vectors.deallocate()
        sources.deallocate()
        segmentSizes.deallocate()
        timesToLive.deallocate()
        controls.deallocate()
        receivedControlLengths.deallocate()
    }

    public var isFull: Bool { slots.isFull }
    public var isEmpty: Bool { slots.count == 0 }

    /// The bytes of datagram `index` (index < count); for a reference, those of the datagram it
    /// references.
    @inlinable
    public subscript(index: Int) -> UnsafeMutableRawBufferPointer {
        precondition(index >= 0 && index < count, "datagram index out of range")
        return slots[sources[index]]
    }

    /// The whole slot `index`, headroom included (index < capacity).
    @inlinable
    public func slot(_ index: Int) -> UnsafeMutableRawBufferPointer { slots.slot(index) }

    /// The sender of a received datagram or the destination of a queued one; nil if the
    /// kernel reported an address family other than IPv4/IPv6.
    @inlinable
    public func address(_ index: Int) -> SocketAddress? {
        precondition(index >= 0 && index < count, "datagram index out of range")
        return SocketAddress(raw: UnsafeRawPointer(addresses + index), length: Int(addressLengths[index]))
    }

    /// True when the received datagram was longer than `datagramCapacity` and was cut.
    public func isTruncated(_ index: Int) -> Bool {
        precondition(index >= 0 && index < count, "datagram index out of range")
        return truncated[index]
    }

    /// Moves datagram `index`'s window within its slot, e.g. after prepending a header. For a
    /// reference this moves the window of the datagram it references (and so of all its references).
    @inlinable
    public func setDatagram(_ index: Int, offset: Int, length: Int) {
        precondition(index >= 0 && index < count, "datagram index out of range")
        slots.setFrame(sources[index], offset: offset, length: length)
    }

    /// Readdresses datagram `index`.
    @inlinable
    public func setAddress(_ index: Int, _ address: SocketAddress) {
        precondition(index >= 0 && index < count, "datagram index out of range")
        addressLengths[index] = address.store(into: UnsafeMutableRawPointer(addresses + index))
    }

    /// Copies `bytes` into the next free slot, addressed to `destination`. False when the batch
    /// is full or `bytes` is longer than `datagramCapacity`.
    @discardableResult
    public func append(_ bytes: UnsafeRawBufferPointer, to destination: SocketAddress) -> Bool {
        guard slots.append(bytes) else { return false }
        resetMessage(slots.count - 1)
        setAddress(slots.count - 1, destination)
        return true
    }

    /// Lets `fill` write a datagram for `destination` straight into the next free slot
    /// (`datagramCapacity` bytes after the headroom, e.g. encrypting into it); it returns the
    /// length, or 0 to leave the slot free. Returns false when the batch is full.
    @inlinable
    @discardableResult
    public func appendDatagram<E: Error>(
        to destination: SocketAddress, _ fill: (UnsafeMutableRawBufferPointer) throws(E) -> Int
    ) throws(E) -> Bool {
        let index = slots.count
        guard try slots.appendFrame(fill) else { return false }
        if slots.count > index {
            resetMessage(index)
            setAddress(index, destination)
        }
        return true
    }

    public func removeAll() { slots.removeAll() }

    /// A new message at `index` sends its own bytes, with no options.
    @usableFromInline
    func resetMessage(_ index: Int) {
        sources[index] = index
        segmentSizes[index] = 0
        timesToLive[index] = -1
    }

    // MARK: system call plumbing

    /// Points every header at its full slot, address buffer and control storage, ready for recvmmsg.
    func prepareForReceive() {
        let addressSize = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let controlSize = ControlMessages.capacityPerMessage
        for i in 0..<capacity {
            vectors[i].iov_base = slots.slot(i).baseAddress! + headroom
            vectors[i].iov_len = datagramCapacity
            // A segmented send may have pointed the header at other iovecs and another address.
            headers[i].msg_hdr.msg_iov = vectors + i
            headers[i].msg_hdr.msg_iovlen = 1
            headers[i].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + i)
            headers[i].msg_hdr.msg_control = controls + i * controlSize
            headers[i].msg_hdr.msg_controllen = controlSize
            headers[i].msg_hdr.msg_namelen = addressSize
            headers[i].msg_hdr.msg_flags = 0
            headers[i].msg_len = 0
        }
    }

    /// Records what recvmmsg filled in for the first `received` headers.
    func finishReceive(_ received: Int) {
        slots.removeAll()
        for i in 0..<received {
            slots.commitNext(length: Int(headers[i].msg_len))
            resetMessage(i)
            addressLengths[i] = headers[i].msg_hdr.msg_namelen
            truncated[i] = headers[i].msg_hdr.msg_flags & cn2n_MSG_TRUNC != 0
            receivedControlLengths[i] = headers[i].msg_hdr.msg_controllen
        }
    }

    /// Plans datagrams 0..<count into messages (`SegmentationPlan`: with `segmenting`, runs of
    /// equal-sized datagrams to one destination share a message) and points headers
    /// 0..<messages at them: each message's iovecs at its datagrams in place (a reference at the
    /// bytes it references), its peer and control messages. On an IPv6 socket, IPv4 destinations
    /// are first rewritten as IPv4-mapped addresses. Returns the number of messages.
    func prepareForSend(count: Int, socketFamily: Int32, segmenting: Bool = false) -> Int {
        if socketFamily == AF_INET6 {
            for i in 0..<count where addresses[i].sin6_family == sa_family_t(AF_INET) {
                if let mapped = address(i)?.addressing(socketFamily: AF_INET6) {
                    addressLengths[i] = mapped.store(into: UnsafeMutableRawPointer(addresses + i))
                }
            }
        }
        let messages = plan.plan(
            count: count, segmenting: segmenting,
            length: { slots.lengths[sources[$0]] },
            mergeable: { segmentSizes[$0] == 0 && timesToLive[$0] < 0 },
            sameDestination: { a, b in
                addressLengths[a] == addressLengths[b]
                    && memcmp(addresses + a, addresses + b, Int(addressLengths[a])) == 0
            })
        for m in 0..<messages { prepareMessage(m) }
        return messages
    }

    /// After the kernel refused a segmented message `m`: the rest of the batch, from m on, as
    /// one message per datagram. Returns the message to continue at (messages end at `count`).
    func prepareToSendPlainly(from m: Int) -> Int {
        let resume = plan.sendPlainly(from: m)
        for p in resume..<plan.messageCount { prepareMessage(p) }
        return resume
    }

    /// Header m of the plan: iovecs `vectors[start..<start + n]` for its datagrams, the first
    /// one's peer, and its control storage (the segment size, or that datagram's own options).
    private func prepareMessage(_ m: Int) {
        let start = plan.starts[m]
        let n = plan.counts[m]
        for p in start..<start + n {
            let datagram = slots[sources[plan.members[p]]]
            vectors[p].iov_base = datagram.baseAddress
            vectors[p].iov_len = datagram.count
        }
        let first = plan.members[start]
        let control: (start: UnsafeMutableRawPointer?, length: Int)
        if n > 1 {
            let storage = controls + first * ControlMessages.capacityPerMessage
            let size = UInt16(plan.sizes[m])
            control = (storage, ControlMessages.write(size, level: cn2n_SOL_UDP, type: cn2n_UDP_SEGMENT, at: storage))
            receivedControlLengths[first] = 0
        } else {
            // An IPv4-mapped destination leaves as IPv4: its TTL option is IP_TTL.
            control = prepareControl(first, ipv4: timesToLive[first] >= 0 && address(first)?.ipv4 != nil)
        }
        headers[m].msg_hdr.msg_iov = vectors + start
        headers[m].msg_hdr.msg_iovlen = n
        headers[m].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + first)
        headers[m].msg_hdr.msg_namelen = addressLengths[first]
        headers[m].msg_hdr.msg_control = control.start
        headers[m].msg_hdr.msg_controllen = control.length
        headers[m].msg_hdr.msg_flags = 0
        headers[m].msg_len = 0
    }
}
