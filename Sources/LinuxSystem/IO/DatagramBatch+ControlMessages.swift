import CN2NLinux
import Glibc

/// Per-message options, kernel reports and references (see `DatagramBatch`).
extension DatagramBatch {
    // MARK: sending

    /// UDP_MAX_SEGMENTS: the most segments one UDP_SEGMENT send may carry.
    public static let maxSegmentsPerSend = 64

    /// Sends datagram `index` with UDP_SEGMENT (GSO): the kernel cuts its bytes into datagrams
    /// of `size` bytes (the last may be shorter), all to the same destination; at most 64
    /// segments (`maxSegmentsPerSend`). nil: no segmentation (the default for each new message).
    public func setSegmentSize(_ index: Int, _ size: UInt16?) {
        precondition(index >= 0 && index < count, "datagram index out of range")
        segmentSizes[index] = size ?? 0
    }

    /// Sends datagram `index` with this TTL (IP_TTL for an IPv4 destination, IPv4-mapped
    /// included; IPV6_HOPLIMIT for an IPv6 one) instead of the socket's. nil: the socket's.
    public func setTimeToLive(_ index: Int, _ ttl: Int?) {
        precondition(index >= 0 && index < count, "datagram index out of range")
        precondition(ttl.map { (1...255).contains($0) } ?? true, "TTL outside 1...255")
        timesToLive[index] = ttl.map { Int32($0) } ?? -1
    }

    /// Adds a message to `destination` that sends the same bytes as datagram `index` (no copy:
    /// its iovec points at them). It takes a message of the batch but none of its memory is
    /// used; its bytes follow the referenced datagram's, also through `setDatagram`. False when
    /// the batch is full.
    @discardableResult
    public func appendReference(to destination: SocketAddress, sameBytesAs index: Int) -> Bool {
        precondition(index >= 0 && index < count, "datagram index out of range")
        guard !isFull else { return false }
        let source = sources[index]
        slots.commitNext(length: 0)
        let message = count - 1
        resetMessage(message)
        sources[message] = source
        setAddress(message, destination)
        return true
    }

    /// The datagram whose bytes message `index` sends: `index` itself unless it was added by
    /// `appendReference`.
    public func referencedIndex(_ index: Int) -> Int {
        precondition(index >= 0 && index < count, "datagram index out of range")
        return sources[index]
    }

    /// Whether planned message m goes with a UDP_SEGMENT size: several datagrams of the plan,
    /// or one the caller gave a segment size (`setSegmentSize`).
    func carriesSegmentSize(_ m: Int) -> Bool {
        plan.isSegmented(m) || segmentSizes[plan.first(m)] != 0
    }

    /// Writes datagram `index`'s own options into its control storage; returns where they are
    /// (nil and 0 when it has none), for the header of the message that sends it.
    func prepareControl(_ index: Int, ipv4: Bool) -> (start: UnsafeMutableRawPointer?, length: Int) {
        let start = controls + index * ControlMessages.capacityPerMessage
        var used = 0
        if segmentSizes[index] != 0 {
            used += ControlMessages.write(segmentSizes[index], level: cn2n_SOL_UDP, type: cn2n_UDP_SEGMENT, at: start + used)
        }
        if timesToLive[index] >= 0 {
            used += ipv4
                ? ControlMessages.write(timesToLive[index], level: Int32(IPPROTO_IP), type: IP_TTL, at: start + used)
                : ControlMessages.write(timesToLive[index], level: Int32(IPPROTO_IPV6), type: IPV6_HOPLIMIT, at: start + used)
        }
        receivedControlLengths[index] = 0  // the storage no longer holds what was received
        return (used > 0 ? start : nil, used)
    }

    // MARK: receiving

    /// For a received datagram: the segment size of a UDP_GRO cmsg (the kernel coalesced several
    /// datagrams of one flow into these bytes, each `size` long but the last), or nil when the
    /// datagram is a single one. Needs `UDPSocket.setGenericReceiveOffload(true)`. Valid until
    /// the batch is sent.
    public func segmentSize(_ index: Int) -> Int? {
        receivedInt32(index, level: cn2n_SOL_UDP, type: cn2n_UDP_GRO).map { Int($0) }
    }

    /// For a received datagram: the TTL (IPv4) or hop limit (IPv6) it arrived with, if the
    /// socket asked for it (`UDPSocket.setReceiveTimeToLive(true)`).
    public func receivedTimeToLive(_ index: Int) -> Int? {
        if let ttl = receivedInt32(index, level: Int32(IPPROTO_IP), type: IP_TTL) { return Int(ttl) }
        return receivedInt32(index, level: Int32(IPPROTO_IPV6), type: IPV6_HOPLIMIT).map { Int($0) }
    }

    private func receivedInt32(_ index: Int, level: Int32, type: Int32) -> Int32? {
        precondition(index >= 0 && index < count, "datagram index out of range")
        return ControlMessages.findInt32(level: level, type: type,
                                         in: controls + index * ControlMessages.capacityPerMessage,
                                         length: receivedControlLengths[index])
    }
}

// MARK: copies between slots (SendBatch.enqueueAgain after a flush)

extension DatagramBatch {
    /// Where the bytes datagram `index` sends lie: the slot and the window within it.
    func window(_ index: Int) -> (slot: Int, offset: Int, length: Int) {
        precondition(index >= 0 && index < count, "datagram index out of range")
        let source = sources[index]
        return (source, slots.offsets[source], slots.lengths[source])
    }

    /// Appends a datagram holding the bytes at `offset..<offset + length` of slot `slot` (which
    /// may be the slot the new message gets), at the same place in the new slot. The batch must
    /// not be full.
    func appendCopy(ofSlot slot: Int, offset: Int, length: Int, to destination: SocketAddress) {
        precondition(!isFull, "batch is full")
        let index = count
        let from = self.slot(slot).baseAddress! + offset
        let to = self.slot(index).baseAddress! + offset
        if from != to { to.copyMemory(from: from, byteCount: length) }
        slots.commitNext(length: 0)
        slots.setFrame(index, offset: offset, length: length)
        resetMessage(index)
        setAddress(index, destination)
    }
}
