#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem
import N2NWire
import PacketCore
import Synchronization

/// Resolves supernode host names off the event loop (spec 10.3 item 20: 2.8 calls getaddrinfo on
/// its only thread at every round and can stall for ~15 s).
///
/// Each request runs `getaddrinfo` on a short-lived detached thread (IPv4, and IPv6 when the
/// edge's socket is dual-stack: the first address in the order of the system's destination
/// address selection, RFC 6724, which puts destinations without a route last); the answer is
/// put into a mutex-protected inbox and `notify` wakes the event loop, which hands it to the
/// engine with `drain`. Requests come at most once per supernode per registration round (the
/// engine re-asks only after an answer or 30 s), so a thread per request is cheap enough and a
/// slow DNS server can delay one answer without blocking anything else.
final class SupernodeResolver: Sendable {
    private let inbox = Mutex<[(index: Int, address: PeerSocket?)]>([])
    private let notify: @Sendable () -> Void
    /// The edge's socket can send to IPv6 addresses.
    let ipv6: Bool

    init(ipv6: Bool, notify: @escaping @Sendable () -> Void) {
        self.ipv6 = ipv6
        self.notify = notify
    }

    func resolve(index: Int, host: String, port: UInt16) {
        let job = Job(index: index, host: host, port: port, ipv6: ipv6, resolver: self)
        let context = Unmanaged.passRetained(job).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attributes, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            job.run()
            return nil
        }, context)
        pthread_attr_destroy(&attributes)
        if rc != 0 {
            // No thread: answer inline rather than never (only under resource exhaustion).
            Unmanaged<Job>.fromOpaque(context).takeRetainedValue().run()
        }
    }

    /// Answers that arrived since the last call, oldest first.
    func drain() -> [(index: Int, address: PeerSocket?)] {
        inbox.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
    }

    fileprivate func deliver(index: Int, address: PeerSocket?) {
        inbox.withLock { $0.append((index, address)) }
        notify()
    }

    /// Blocking lookup of `host`: its first IPv4 address, or with `ipv6` its first address of
    /// either family.
    static func lookup(host: String, port: UInt16, ipv6: Bool) -> PeerSocket? {
        var hints = addrinfo()
        hints.ai_family = ipv6 ? AF_UNSPEC : AF_INET
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(first) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let e = entry {
            if let sa = e.pointee.ai_addr, let address = SocketAddress(raw: sa, length: Int(e.pointee.ai_addrlen)),
               address.family == AF_INET || ipv6 {
                return PeerSocket(address: PeerSocket(address).address, port: port)
            }
            entry = e.pointee.ai_next
        }
        return nil
    }
}

private final class Job: Sendable {
    let index: Int
    let host: String
    let port: UInt16
    let ipv6: Bool
    let resolver: SupernodeResolver

    init(index: Int, host: String, port: UInt16, ipv6: Bool, resolver: SupernodeResolver) {
        self.index = index
        self.host = host
        self.port = port
        self.ipv6 = ipv6
        self.resolver = resolver
    }

    func run() {
        resolver.deliver(index: index, address: SupernodeResolver.lookup(host: host, port: port, ipv6: ipv6))
    }
}
