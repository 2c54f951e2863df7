import N2NWire

/// A datagram network in memory: hosts attach by socket address, datagrams queue and are delivered
/// in order by `deliver()`. Hosts can sit behind a NAT, which rewrites the source address and port
/// on the way out and lets in only answers (address- and port-restricted filtering). Its mapping is
/// endpoint-independent (one public port per private socket: hole punching works) or symmetric (one
/// public port per destination: the port a supernode sees is useless to a peer, P2P fails).
public final class InMemoryNetwork {
    public enum Mapping: Sendable { case endpointIndependent, symmetric }

    /// One NAT router with one public IPv4 address.
    public final class NAT {
        public let publicAddress: UInt32
        public let mapping: Mapping
        private var nextPort: UInt16 = 40000
        private struct Key: Hashable {
            var local: PeerSocket
            var destination: PeerSocket?
        }
        private var ports: [Key: UInt16] = [:]
        private var owners: [UInt16: PeerSocket] = [:]
        /// Remote sockets each public port has sent to: the only ones let back in.
        private var permitted: [UInt16: Set<PeerSocket>] = [:]

        init(publicAddress: UInt32, mapping: Mapping) {
            self.publicAddress = publicAddress
            self.mapping = mapping
        }

        /// The public source of a datagram from `local` to `destination`; opens the way back.
        func outbound(from local: PeerSocket, to destination: PeerSocket) -> PeerSocket {
            let key = Key(local: local, destination: mapping == .symmetric ? destination : nil)
            let port: UInt16
            if let known = ports[key] {
                port = known
            } else {
                port = nextPort
                nextPort &+= 1
                ports[key] = port
                owners[port] = local
            }
            permitted[port, default: []].insert(destination)
            return PeerSocket(ipv4: publicAddress, port: port)
        }

        /// The private socket a datagram to public port `port` from `source` goes to, if let in.
        func inbound(port: UInt16, from source: PeerSocket) -> PeerSocket? {
            guard let local = owners[port], permitted[port]?.contains(source) == true else { return nil }
            return local
        }

        /// The public socket `local` uses towards `destination` (nil before it sent there).
        public func publicSocket(of local: PeerSocket, towards destination: PeerSocket? = nil) -> PeerSocket? {
            let key = Key(local: local, destination: mapping == .symmetric ? destination : nil)
            return ports[key].map { PeerSocket(ipv4: publicAddress, port: $0) }
        }
    }

    /// What a host does with a datagram: the bytes (its own copy, modifiable) and the source as seen.
    public typealias Receiver = (UnsafeMutableRawBufferPointer, PeerSocket) -> Void

    /// One datagram that reached a host.
    public struct Delivery: Sendable {
        public var bytes: [UInt8]
        /// The source as the receiver saw it (after NAT).
        public var from: PeerSocket
        /// The address it was sent to (before NAT).
        public var to: PeerSocket
    }

    private struct Host {
        var receive: Receiver
        var nat: NAT?
    }
    private var hosts: [PeerSocket: Host] = [:]
    private var nats: [UInt32: NAT] = [:]
    private var queue: [(bytes: [UInt8], from: PeerSocket, to: PeerSocket)] = []
    private var head = 0
    public private(set) var deliveries: [Delivery] = []
    /// Datagrams that reached no host: no such address, filtered by a NAT, or expired (IP TTL).
    public private(set) var lost = 0

    public init() {}

    public func addNAT(publicAddress: UInt32, mapping: Mapping) -> NAT {
        let nat = NAT(publicAddress: publicAddress, mapping: mapping)
        nats[publicAddress] = nat
        return nat
    }

    /// Attaches a host at `socket` (a private address when behind `nat`); replaces one already there.
    public func attach(_ socket: PeerSocket, behind nat: NAT? = nil, receive: @escaping Receiver) {
        hosts[socket] = Host(receive: receive, nat: nat)
    }

    public func detach(_ socket: PeerSocket) { hosts[socket] = nil }

    /// Queues a datagram from the host at `local`. With `ipTTL` below 8 it expires on the way
    /// (after opening the sender's NAT), as `-L` hole punching intends.
    public func send(_ bytes: [UInt8], from local: PeerSocket, to destination: PeerSocket, ipTTL: Int? = nil) {
        var source = local
        if let nat = hosts[local]?.nat { source = nat.outbound(from: local, to: destination) }
        if let ttl = ipTTL, ttl < 8 {
            lost += 1
            return
        }
        queue.append((bytes, source, destination))
    }

    /// Delivers queued datagrams (and those sent in response) until none are left or `limit` is hit.
    public func deliver(limit: Int = 100_000) {
        var steps = 0
        while head < queue.count && steps < limit {
            let item = queue[head]
            head += 1
            steps += 1
            deliver(item.bytes, from: item.from, to: item.to)
        }
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    private func deliver(_ bytes: [UInt8], from source: PeerSocket, to destination: PeerSocket) {
        var target: Host?
        if let host = hosts[destination], host.nat == nil {
            target = host
        } else if case .v4(let address) = destination.address, let nat = nats[address],
                  let local = nat.inbound(port: destination.port, from: source) {
            target = hosts[local]
        }
        guard let target else {
            lost += 1
            return
        }
        deliveries.append(Delivery(bytes: bytes, from: source, to: destination))
        var copy = bytes
        copy.withUnsafeMutableBytes { target.receive($0, source) }
    }

    /// Deliveries between two addresses (either may be nil = any).
    public func deliveries(from source: PeerSocket? = nil, to destination: PeerSocket? = nil) -> [Delivery] {
        deliveries.filter { (source == nil || $0.from == source) && (destination == nil || $0.to == destination) }
    }

    public func clearLog() { deliveries.removeAll() }
}
