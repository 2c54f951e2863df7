import CN2NLinux
import Glibc

/// A non-blocking UDP socket with batched receive and send (recvmmsg/sendmmsg).
///
/// An `.ipv6` socket is dual-stack (IPV6_V6ONLY off): IPv4 peers travel as IPv4-mapped
/// addresses and read back as IPv4 (`SocketAddress.ipv4`). Not Sendable: one thread drives it.
public final class UDPSocket {
    public enum Family: Sendable {
        case ipv4, ipv6
    }

    /// IP_MTU_DISCOVER modes. n2n sends with `.dont` (may fragment); `-D` selects `.do`.
    public enum PathMTUDiscovery: Sendable {
        case dont, want, `do`, probe
    }

    /// Counters kept by the batch calls; the engines read them for logs and management.
    public struct Statistics: Sendable {
        public var datagramsReceived = 0
        public var datagramsSent = 0
        /// Datagrams not sent because the socket's send buffer was full (EAGAIN).
        public var sendDropsWouldBlock = 0
        /// Datagrams the kernel refused one by one (ECONNREFUSED, EHOSTUNREACH, EMSGSIZE, ...).
        public var sendErrors = 0
        /// Errors reported by receive calls that did not stop the socket (ICMP feedback).
        public var receiveErrors = 0
        public var lastSendError: Errno?
        public var lastReceiveError: Errno?
        /// UDP GSO (`segmentsSends`): messages that left with a UDP_SEGMENT size, and the
        /// datagrams they carried (also counted in `datagramsSent`).
        public var segmentedSends = 0
        public var segmentedDatagrams = 0
        /// Segmented sends the kernel refused (EIO, EINVAL): segmentation was switched off and
        /// the datagrams sent one by one.
        public var segmentationFallbacks = 0
        public var lastSegmentationError: Errno?
    }

    public let family: Family
    public let descriptor: FileDescriptor
    public internal(set) var statistics = Statistics()
    /// UDP GSO for batches: runs of equal-sized datagrams to one destination in a batch leave as
    /// one message with a UDP_SEGMENT size (see `SegmentationPlan`); the kernel cuts the same
    /// datagrams, so the wire does not change. Off by default; the owner turns it on when
    /// `supportsSegmentationOffload`. Turns itself off when the kernel refuses such a send.
    public var segmentsSends = false
    let addressFamily: Int32

    /// Opens an unbound, non-blocking, close-on-exec UDP socket. Path MTU discovery starts
    /// as `.dont` (datagrams may be fragmented), as n2n sends unless told `-D`.
    public init(family: Family = .ipv4) throws(Errno) {
        self.family = family
        addressFamily = family == .ipv4 ? AF_INET : AF_INET6
        let domain = addressFamily
        descriptor = try FileDescriptor("socket(SOCK_DGRAM)") {
            socket(domain, Int32(SOCK_DGRAM.rawValue) | cn2n_SOCK_NONBLOCK | cn2n_SOCK_CLOEXEC, 0)
        }
        if family == .ipv6 {
            try setOption(Int32(IPPROTO_IPV6), IPV6_V6ONLY, 0, "setsockopt(IPV6_V6ONLY)")
        }
        try setPathMTUDiscovery(.dont)
    }

    /// Opens a socket bound to `local` (port 0 picks a free port; address 0 / :: is any).
    public convenience init(bindingTo local: SocketAddress, reuseAddress: Bool = false) throws(Errno) {
        try self.init(family: local.family == AF_INET6 ? .ipv6 : .ipv4)
        if reuseAddress { try setReuseAddress(true) }
        try bind(to: local)
    }

    /// Opens a socket for every family the host has, bound to `port` on all addresses: dual-stack
    /// `[::]` (IPv4 peers as mapped addresses), or `0.0.0.0` when the kernel has no IPv6
    /// (EAFNOSUPPORT: `ipv6.disable=1`) or `family` asks for IPv4. With `reusePort`, SO_REUSEPORT
    /// is set before binding (sockets sharing a port must all have the same family).
    public static func anyAddress(port: UInt16, family: Family = .ipv6, reusePort: Bool = false) throws(Errno) -> UDPSocket {
        var dualStack: UDPSocket?
        if family == .ipv6 {
            do { dualStack = try UDPSocket(family: .ipv6) } catch {
                guard error.code == EAFNOSUPPORT else { throw error }
            }
        }
        let socket: UDPSocket
        let wildcard: SocketAddress
        if let dualStack {
            socket = dualStack
            wildcard = SocketAddress(ipv6High: 0, low: 0, port: port)
        } else {
            socket = try UDPSocket(family: .ipv4)
            wildcard = SocketAddress(ipv4: 0, port: port)
        }
        if reusePort { try socket.setReusePort(true) }
        try socket.bind(to: wildcard)
        return socket
    }

    public func close() throws(Errno) { try descriptor.close() }

    public func bind(to local: SocketAddress) throws(Errno) {
        guard let address = local.addressing(socketFamily: addressFamily) else {
            throw Errno(code: EAFNOSUPPORT, call: "bind")
        }
        let fd = descriptor.rawValue
        _ = try systemCall("bind") { address.withSockaddr { Glibc.bind(fd, $0, $1) } }
    }

    /// The bound address and port (after `bind`, or after the first send picked a port).
    public var localAddress: SocketAddress {
        get throws(Errno) {
            var address = sockaddr_in6()
            var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            let fd = descriptor.rawValue
            _ = try systemCall("getsockname") {
                withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
                }
            }
            guard let local = SocketAddress(raw: &address, length: Int(length)) else {
                throw Errno(code: EAFNOSUPPORT, call: "getsockname")
            }
            return local
        }
    }

    public var localPort: UInt16 {
        get throws(Errno) { try localAddress.port }
    }

    // MARK: options

    public func setOption(_ level: Int32, _ name: Int32, _ value: Int32, _ call: StaticString = "setsockopt") throws(Errno) {
        var value = value
        let fd = descriptor.rawValue
        _ = try systemCall(call) { setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) }
    }

    public func option(_ level: Int32, _ name: Int32, _ call: StaticString = "getsockopt") throws(Errno) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        let fd = descriptor.rawValue
        _ = try systemCall(call) { getsockopt(fd, level, name, &value, &length) }
        return value
    }

    public func setReuseAddress(_ on: Bool) throws(Errno) {
        try setOption(SOL_SOCKET, SO_REUSEADDR, on ? 1 : 0, "setsockopt(SO_REUSEADDR)")
    }

    public func setReusePort(_ on: Bool) throws(Errno) {
        try setOption(SOL_SOCKET, SO_REUSEPORT, on ? 1 : 0, "setsockopt(SO_REUSEPORT)")
    }

    public func setBroadcast(_ on: Bool) throws(Errno) {
        try setOption(SOL_SOCKET, SO_BROADCAST, on ? 1 : 0, "setsockopt(SO_BROADCAST)")
    }

    public func setReceiveBufferSize(_ bytes: Int) throws(Errno) {
        try setOption(SOL_SOCKET, SO_RCVBUF, Int32(clamping: bytes), "setsockopt(SO_RCVBUF)")
    }

    public func setSendBufferSize(_ bytes: Int) throws(Errno) {
        try setOption(SOL_SOCKET, SO_SNDBUF, Int32(clamping: bytes), "setsockopt(SO_SNDBUF)")
    }

    /// The TOS byte (IPv6: traffic class; both are set on a dual-stack socket).
    public func setTypeOfService(_ tos: UInt8) throws(Errno) {
        if family == .ipv6 {
            try setOption(Int32(IPPROTO_IPV6), IPV6_TCLASS, Int32(tos), "setsockopt(IPV6_TCLASS)")
        }
        try setOption(Int32(IPPROTO_IP), IP_TOS, Int32(tos), "setsockopt(IP_TOS)")
    }

    public func setPathMTUDiscovery(_ mode: PathMTUDiscovery) throws(Errno) {
        let value: Int32
        switch mode {
        case .dont: value = IP_PMTUDISC_DONT
        case .want: value = IP_PMTUDISC_WANT
        case .do: value = IP_PMTUDISC_DO
        case .probe: value = IP_PMTUDISC_PROBE
        }
        if family == .ipv6 {
            try setOption(Int32(IPPROTO_IPV6), IPV6_MTU_DISCOVER, value, "setsockopt(IPV6_MTU_DISCOVER)")
        }
        try setOption(Int32(IPPROTO_IP), IP_MTU_DISCOVER, value, "setsockopt(IP_MTU_DISCOVER)")
    }

    /// Unicast TTL (IPv6: hop limit). The edge lowers it briefly for its -L registration burst.
    public func timeToLive() throws(Errno) -> Int {
        if family == .ipv6 {
            return Int(try option(Int32(IPPROTO_IPV6), IPV6_UNICAST_HOPS, "getsockopt(IPV6_UNICAST_HOPS)"))
        }
        return Int(try option(Int32(IPPROTO_IP), IP_TTL, "getsockopt(IP_TTL)"))
    }

    public func setTimeToLive(_ ttl: Int) throws(Errno) {
        let value = Int32(clamping: ttl)
        if family == .ipv6 {
            try setOption(Int32(IPPROTO_IPV6), IPV6_UNICAST_HOPS, value, "setsockopt(IPV6_UNICAST_HOPS)")
        }
        try setOption(Int32(IPPROTO_IP), IP_TTL, value, "setsockopt(IP_TTL)")
    }

    /// Joins IPv4 multicast `group` (host order) on the interface with `localAddress`
    /// (0: the kernel chooses). IPv4 sockets.
    public func joinMulticastGroup(_ group: UInt32, localAddress: UInt32 = 0) throws(Errno) {
        try membership(IP_ADD_MEMBERSHIP, group, localAddress, "setsockopt(IP_ADD_MEMBERSHIP)")
    }

    public func leaveMulticastGroup(_ group: UInt32, localAddress: UInt32 = 0) throws(Errno) {
        try membership(IP_DROP_MEMBERSHIP, group, localAddress, "setsockopt(IP_DROP_MEMBERSHIP)")
    }

    private func membership(_ name: Int32, _ group: UInt32, _ local: UInt32, _ call: StaticString) throws(Errno) {
        var request = ip_mreq()
        request.imr_multiaddr.s_addr = group.bigEndian
        request.imr_interface.s_addr = local.bigEndian
        let fd = descriptor.rawValue
        _ = try systemCall(call) {
            setsockopt(fd, Int32(IPPROTO_IP), name, &request, socklen_t(MemoryLayout<ip_mreq>.size))
        }
    }

    public func setMulticastLoop(_ on: Bool) throws(Errno) {
        try setOption(Int32(IPPROTO_IP), IP_MULTICAST_LOOP, on ? 1 : 0, "setsockopt(IP_MULTICAST_LOOP)")
    }

    public func setMulticastTimeToLive(_ ttl: Int) throws(Errno) {
        try setOption(Int32(IPPROTO_IP), IP_MULTICAST_TTL, Int32(clamping: ttl), "setsockopt(IP_MULTICAST_TTL)")
    }

    // MARK: batches

    /// Receives as many datagrams as are waiting (up to the batch's capacity), replacing
    /// its contents. Returns the number received; 0 when none were waiting. ICMP feedback
    /// the kernel reports here (ECONNREFUSED and friends) is counted, not thrown.
    public func receive(into batch: DatagramBatch) throws(Errno) -> Int {
        batch.removeAll()
        let fd = descriptor.rawValue
        for _ in 0..<4 {
            batch.prepareForReceive()
            switch try datagramCall("recvmmsg", { cn2n_recvmmsg(fd, batch.headers, UInt32(batch.capacity), cn2n_MSG_DONTWAIT) }) {
            case .completed(let received):
                batch.finishReceive(Int(received))
                statistics.datagramsReceived &+= Int(received)
                return Int(received)
            case .wouldBlock:
                return 0
            case .refused(let error):
                countReceiveError(error)
            }
        }
        return 0
    }

    /// Sends datagrams 0..<count of `batch` (all of them when `count` is nil), calling
    /// sendmmsg again after a partial send. A datagram the kernel refuses is counted in
    /// `statistics.sendErrors` and skipped; a full send buffer (EAGAIN) drops the rest
    /// (counted in `sendDropsWouldBlock`) rather than spinning. Only errors that concern the
    /// socket itself (EBADF, ENOTSOCK, EFAULT...) throw. Returns the number sent.
    ///
    /// With `segmentsSends` several datagrams may share a message; a refused segmented message
    /// (EIO: no checksum offload on the route's device; EINVAL: a segment over its MTU) turns
    /// segmentation off for this socket and the rest of the batch goes plainly.
    @discardableResult
    public func send(_ batch: DatagramBatch, count: Int? = nil) throws(Errno) -> Int {
        let total = min(count ?? batch.count, batch.count)
        guard total > 0 else { return 0 }
        var messages = batch.prepareForSend(count: total, socketFamily: addressFamily, segmenting: segmentsSends)
        let plan = batch.plan
        let fd = descriptor.rawValue
        var index = 0
        var sent = 0
        defer { statistics.datagramsSent &+= sent }
        while index < messages {
            let outcome: DatagramCallOutcome<Int32>
            do {
                outcome = try datagramCall("sendmmsg") {
                    cn2n_sendmmsg(fd, batch.headers + index, UInt32(messages - index), cn2n_MSG_DONTWAIT)
                }
            } catch let error where error.code == EIO && batch.carriesSegmentSize(index) {
                // EIO is a socket error elsewhere; for a UDP_SEGMENT send it is that message's.
                outcome = .refused(error)
            }
            switch outcome {
            case .completed(0):
                return sent
            case .completed(let result):
                let next = index + Int(result)
                let datagrams = plan.datagrams(from: index, to: next)
                sent += datagrams
                countSegmented(plan, from: index, to: next)
                index = next
            case .wouldBlock:
                statistics.sendDropsWouldBlock &+= plan.datagrams(from: index, to: messages)
                return sent
            case .refused(let error):
                if plan.isSegmented(index) && (error.code == EIO || error.code == EINVAL) {
                    segmentsSends = false
                    statistics.segmentationFallbacks &+= 1
                    statistics.lastSegmentationError = error
                    index = batch.prepareToSendPlainly(from: index)
                    messages = plan.messageCount
                    continue
                }
                countSendError(error, datagrams: plan.datagrams(from: index, to: index + 1))
                index += 1
            }
        }
        return sent
    }

    private func countSegmented(_ plan: SegmentationPlan, from: Int, to: Int) {
        for m in from..<to where plan.isSegmented(m) {
            statistics.segmentedSends &+= 1
            statistics.segmentedDatagrams &+= plan.counts[m]
        }
    }

    /// Sends one datagram (control messages). False when it was dropped (full send buffer
    /// or a per-datagram refusal, both counted as for batches).
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, to destination: SocketAddress) throws(Errno) -> Bool {
        guard let address = destination.addressing(socketFamily: addressFamily) else {
            countSendError(Errno(code: EAFNOSUPPORT, call: "sendto"))
            return false
        }
        let fd = descriptor.rawValue
        let outcome = try datagramCall("sendto") {
            address.withSockaddr { sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, $1) }
        }
        switch outcome {
        case .completed:
            statistics.datagramsSent &+= 1
            return true
        case .wouldBlock:
            statistics.sendDropsWouldBlock &+= 1
            return false
        case .refused(let error):
            countSendError(error)
            return false
        }
    }

    /// Receives one datagram into `buffer`; nil when none is waiting. The length is the
    /// datagram's full length, which exceeds `buffer.count` when it was truncated.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> (length: Int, source: SocketAddress?)? {
        var address = sockaddr_in6()
        let fd = descriptor.rawValue
        while true {
            var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            let outcome = try datagramCall("recvfrom") {
                withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT) | Int32(MSG_TRUNC), $0, &length)
                    }
                }
            }
            switch outcome {
            case .completed(let result):
                statistics.datagramsReceived &+= 1
                return (result, SocketAddress(raw: &address, length: Int(length)))
            case .wouldBlock:
                return nil
            case .refused(let error):
                countReceiveError(error)
            }
        }
    }

    private func countSendError(_ error: Errno, datagrams: Int = 1) {
        statistics.sendErrors &+= datagrams
        statistics.lastSendError = error
    }

    private func countReceiveError(_ error: Errno) {
        statistics.receiveErrors &+= 1
        statistics.lastReceiveError = error
    }
}
