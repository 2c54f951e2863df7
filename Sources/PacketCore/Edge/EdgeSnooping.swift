import N2NWire
import Synchronization

/// The membership table and querier of one edge, shared by all its data-plane workers: a host's
/// reports reach whichever TAP queue the kernel picks and peers' reports whichever socket, so the
/// table must be one. Only multicast frames take the lock; unicast never touches it.
public final class SharedMulticastSnooper: Sendable {
    private let state: Mutex<MulticastSnooper>

    public init(settings: EdgeMulticastSettings, mac: MACAddress, ipv4: UInt32) {
        var c = MulticastSnooperConfiguration()
        c.timers = settings.timers
        c.limits = settings.limits
        c.querierIPv4 = ipv4 == 0 ? nil : ipv4
        c.querierIPv6LinkLocal = Self.linkLocal(of: mac)
        c.querierMAC = mac
        state = Mutex(MulticastSnooper(configuration: c))
    }

    public func withLock<R, E: Error>(_ body: (inout MulticastSnooper) throws(E) -> R) throws(E) -> R {
        try state.withLock { (snooper: inout MulticastSnooper) throws(E) -> R in try body(&snooper) }
    }

    /// fe80::/64 with the modified EUI-64 of the TAP's MAC: the address Linux gives the TAP by
    /// default, so the MLD querier's source matches what the host sees.
    static func linkLocal(of mac: MACAddress) -> InetAddress {
        let m = mac.rawValue
        let upper = (m >> 24) ^ 0x02_0000
        let lower = m & 0xFF_FFFF
        return .v6(0xFE80_0000_0000_0000, upper << 40 | 0xFF_FE00_0000 | lower)
    }
}

/// One data-plane worker's side of snooping: the shared table, and buffers of its own allocated
/// once, so replicating a frame or sending a query allocates nothing.
public final class EdgeSnooping {
    public let shared: SharedMulticastSnooper
    /// The listeners of the group being replicated.
    let listeners: UnsafeMutableBufferPointer<MACAddress>
    /// One query being built.
    let queryBuffer: UnsafeMutableRawBufferPointer
    /// Set in the one worker that runs the querier (the control plane drives its timer).
    var started = false

    init(shared: SharedMulticastSnooper, settings: EdgeMulticastSettings) {
        self.shared = shared
        listeners = .allocate(capacity: settings.limits.maxListenersPerGroup)
        listeners.initialize(repeating: .zero)
        queryBuffer = .allocate(byteCount: MembershipQueryBuilder.maxQueryLength, alignment: 8)
    }

    deinit {
        listeners.deallocate()
        queryBuffer.deallocate()
    }

    /// When the loop must call `EdgeDataPlane.multicastTick` next (the control plane's start runs
    /// the first). A real time: the runtime subtracts it from now.
    var nextDeadline: Int64? { started ? shared.withLock { $0.nextDeadline } : nil }
}
