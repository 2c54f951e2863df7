import CN2NLinux
import Glibc
import N2NWire

/// A preallocated set of UDP datagrams with their peers, plus the `cn2n_mmsghdr`/`iovec` arrays
/// that `recvmmsg`/`sendmmsg` need. Everything is allocated once in `init` and reused by
/// every call: receiving, appending, sending and clearing never allocate.
///
/// Receiving (`UDPSocket.receive(into:)`) replaces the contents; for sending, append
/// datagrams (copying bytes, or filling a slot in place) and hand the batch to
/// `UDPSocket.send(_:count:)` or use `SendBatch`, which flushes for you.
/// Each slot is `headroom + datagramCapacity` bytes; a datagram normally starts after the
/// headroom so a header can later be prepended in place (`setDatagram(_:offset:length:)`).
public final class DatagramBatch {
    public let capacity: Int
    public let datagramCapacity: Int
    public let headroom: Int
    /// Datagrams 0..<count hold data.
    public var count: Int { filled }

    @usableFromInline var filled = 0
    @usableFromInline let stride: Int
    @usableFromInline let storage: UnsafeMutableRawPointer
    @usableFromInline let offsets: UnsafeMutablePointer<Int>
    @usableFromInline let lengths: UnsafeMutablePointer<Int>
    @usableFromInline let addresses: UnsafeMutablePointer<sockaddr_in6>
    @usableFromInline let addressLengths: UnsafeMutablePointer<socklen_t>
    let truncated: UnsafeMutablePointer<Bool>
    let headers: UnsafeMutablePointer<cn2n_mmsghdr>
    let vectors: UnsafeMutablePointer<iovec>

    public init(capacity: Int = 64, datagramCapacity: Int = 2048, headroom: Int = 0) {
        precondition(capacity > 0 && datagramCapacity > 0 && headroom >= 0, "DatagramBatch sizes must be positive")
        precondition(capacity <= Int(UIO_MAXIOV), "recvmmsg/sendmmsg take at most UIO_MAXIOV messages")
        self.capacity = capacity
        self.datagramCapacity = datagramCapacity
        self.headroom = headroom
        stride = (headroom + datagramCapacity + 63) & ~63
        storage = UnsafeMutableRawPointer.allocate(byteCount: stride * capacity, alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: stride * capacity)
        offsets = .allocate(capacity: capacity)
        offsets.initialize(repeating: headroom, count: capacity)
        lengths = .allocate(capacity: capacity)
        lengths.initialize(repeating: 0, count: capacity)
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
        for i in 0..<capacity {
            headers[i].msg_hdr.msg_iov = vectors + i
            headers[i].msg_hdr.msg_iovlen = 1
            headers[i].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + i)
        }
    }

    deinit {
        storage.deallocate()
        offsets.deallocate()
        lengths.deallocate()
        addresses.deallocate()
        addressLengths.deallocate()
        truncated.deallocate()
        headers.deallocate()
        vectors.deallocate()
    }

    public var isFull: Bool { filled == capacity }
    public var isEmpty: Bool { filled == 0 }

    /// The bytes of datagram `index` (index < count).
    @inlinable
    public subscript(index: Int) -> UnsafeMutableRawBufferPointer {
        precondition(index >= 0 && index < filled, "datagram index out of range")
        return UnsafeMutableRawBufferPointer(start: storage + index * stride + offsets[index], count: lengths[index])
    }

    /// The whole slot `index`, headroom included (index < capacity).
    @inlinable
    public func slot(_ index: Int) -> UnsafeMutableRawBufferPointer {
        precondition(index >= 0 && index < capacity, "slot index out of range")
        return UnsafeMutableRawBufferPointer(start: storage + index * stride, count: headroom + datagramCapacity)
    }

    /// The sender of a received datagram or the destination of a queued one; nil if the
    /// kernel reported an address family other than IPv4/IPv6.
    @inlinable
    public func peer(_ index: Int) -> PeerSocket? {
        precondition(index >= 0 && index < filled, "datagram index out of range")
        return PeerSocket(sockaddr: UnsafeRawPointer(addresses + index), length: Int(addressLengths[index]))
    }

    /// True when the received datagram was longer than `datagramCapacity` and was cut.
    public func isTruncated(_ index: Int) -> Bool {
        precondition(index >= 0 && index < filled, "datagram index out of range")
        return truncated[index]
    }

    /// Moves datagram `index`'s window within its slot, e.g. after prepending a header.
    @inlinable
    public func setDatagram(_ index: Int, offset: Int, length: Int) {
        precondition(index >= 0 && index < filled, "datagram index out of range")
        precondition(offset >= 0 && length >= 0 && offset + length <= headroom + datagramCapacity, "datagram outside its slot")
        offsets[index] = offset
        lengths[index] = length
    }

    /// Readdresses datagram `index`.
    @inlinable
    public func setPeer(_ index: Int, _ peer: PeerSocket) {
        precondition(index >= 0 && index < filled, "datagram index out of range")
        storePeer(peer, at: index)
    }

    @usableFromInline
    func storePeer(_ peer: PeerSocket, at index: Int) {
        let family: Int32
        if case .v6 = peer.address { family = AF_INET6 } else { family = AF_INET }
        addressLengths[index] = peer.write(sockaddr: UnsafeMutableRawPointer(addresses + index), family: family)
    }

    /// Copies `bytes` into the next free slot, addressed to `peer`. False when the batch is
    /// full or `bytes` is longer than `datagramCapacity`.
    @discardableResult
    public func append(_ bytes: UnsafeRawBufferPointer, to peer: PeerSocket) -> Bool {
        guard filled < capacity, bytes.count <= datagramCapacity else { return false }
        let start = storage + filled * stride + headroom
        if let base = bytes.baseAddress { start.copyMemory(from: base, byteCount: bytes.count) }
        commit(length: bytes.count, to: peer)
        return true
    }

    /// Lets `fill` write a datagram for `peer` straight into the next free slot
    /// (`datagramCapacity` bytes after the headroom, e.g. encrypting into it); it returns the
    /// length, or 0 to leave the slot free. Returns false when the batch is full.
    @inlinable
    @discardableResult
    public func appendDatagram<E: Error>(
        to peer: PeerSocket, _ fill: (UnsafeMutableRawBufferPointer) throws(E) -> Int
    ) throws(E) -> Bool {
        guard filled < capacity else { return false }
        let buffer = UnsafeMutableRawBufferPointer(start: storage + filled * stride + headroom, count: datagramCapacity)
        let length = try fill(buffer)
        guard length > 0 else { return true }
        precondition(length <= datagramCapacity, "datagram longer than its slot")
        commit(length: length, to: peer)
        return true
    }

    @usableFromInline
    func commit(length: Int, to peer: PeerSocket) {
        offsets[filled] = headroom
        lengths[filled] = length
        storePeer(peer, at: filled)
        filled += 1
    }

    public func removeAll() { filled = 0 }

    // MARK: system call plumbing

    /// Points every header at its full slot and address buffer, ready for recvmmsg.
    func prepareForReceive() {
        let addressSize = socklen_t(MemoryLayout<sockaddr_in6>.size)
        for i in 0..<capacity {
            vectors[i].iov_base = storage + i * stride + headroom
            vectors[i].iov_len = datagramCapacity
            headers[i].msg_hdr.msg_namelen = addressSize
            headers[i].msg_hdr.msg_flags = 0
            headers[i].msg_len = 0
        }
    }

    /// Records what recvmmsg filled in for the first `received` headers.
    func finishReceive(_ received: Int) {
        for i in 0..<received {
            offsets[i] = headroom
            lengths[i] = min(Int(headers[i].msg_len), datagramCapacity)
            addressLengths[i] = headers[i].msg_hdr.msg_namelen
            truncated[i] = headers[i].msg_hdr.msg_flags & cn2n_MSG_TRUNC != 0
        }
        filled = received
    }

    /// Points headers 0..<count at their datagrams and peers. On an IPv6 socket, IPv4
    /// destinations are rewritten as IPv4-mapped addresses.
    func prepareForSend(count: Int, socketFamily: Int32) {
        for i in 0..<count {
            vectors[i].iov_base = storage + i * stride + offsets[i]
            vectors[i].iov_len = lengths[i]
            if socketFamily == AF_INET6 && addresses[i].sin6_family == sa_family_t(AF_INET),
                let peer = PeerSocket(sockaddr: UnsafeRawPointer(addresses + i), length: Int(addressLengths[i])) {
                addressLengths[i] = peer.write(sockaddr: UnsafeMutableRawPointer(addresses + i), family: AF_INET6)
            }
            headers[i].msg_hdr.msg_namelen = addressLengths[i]
            headers[i].msg_hdr.msg_flags = 0
            headers[i].msg_len = 0
        }
    }
}
