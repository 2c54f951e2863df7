import LinuxSystem
import N2NWire

// The protocol's endpoint (`PeerSocket`, as a "sock" field carries it) meets the kernel's
// (`SocketAddress`) here, and nowhere else. Conversions never allocate.

extension PeerSocket {
    /// IPv4 `a.b.c.d:port`.
    public static func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) -> PeerSocket {
        PeerSocket(ipv4: UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d), port: port)
    }

    /// IPv4-mapped IPv6 addresses come back as IPv4.
    @inlinable
    public init(_ address: SocketAddress) {
        if let v4 = address.ipv4 {
            self.init(ipv4: v4, port: address.port)
        } else {
            let halves = address.ipv6Halves ?? (0, 0)
            self.init(address: .v6(halves.high, halves.low), port: address.port)
        }
    }

    @inlinable
    public var socketAddress: SocketAddress {
        switch address {
        case .v4(let a): return SocketAddress(ipv4: a, port: port)
        case .v6(let hi, let lo): return SocketAddress(ipv6High: hi, low: lo, port: port)
        }
    }
}

extension UDPSocket {
    public convenience init(bindingTo local: PeerSocket, reuseAddress: Bool = false) throws(Errno) {
        try self.init(bindingTo: local.socketAddress, reuseAddress: reuseAddress)
    }

    public var localEndpoint: PeerSocket {
        get throws(Errno) { PeerSocket(try localAddress) }
    }

    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, to peer: PeerSocket) throws(Errno) -> Bool {
        try send(bytes, to: peer.socketAddress)
    }
}

extension DatagramBatch {
    @inlinable
    public func peer(_ index: Int) -> PeerSocket? { address(index).map(PeerSocket.init) }

    @inlinable
    public func setPeer(_ index: Int, _ peer: PeerSocket) { setAddress(index, peer.socketAddress) }

    @discardableResult
    public func append(_ bytes: UnsafeRawBufferPointer, to peer: PeerSocket) -> Bool {
        append(bytes, to: peer.socketAddress)
    }

    @inlinable
    @discardableResult
    public func appendDatagram<E: Error>(
        to peer: PeerSocket, _ fill: (UnsafeMutableRawBufferPointer) throws(E) -> Int
    ) throws(E) -> Bool {
        try appendDatagram(to: peer.socketAddress, fill)
    }
}

extension SendBatch {
    @discardableResult
    public func enqueue(_ bytes: UnsafeRawBufferPointer, to peer: PeerSocket) throws(Errno) -> Bool {
        try enqueue(bytes, to: peer.socketAddress)
    }

    @inlinable
    public func enqueue<E: Error>(
        to peer: PeerSocket, _ fill: (UnsafeMutableRawBufferPointer) throws(E) -> Int
    ) throws(SendBatchError<E>) {
        try enqueue(to: peer.socketAddress, fill)
    }
}
