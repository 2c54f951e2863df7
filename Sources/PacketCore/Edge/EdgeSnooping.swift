import N2NWire

/// One data-plane worker's snooping state, boxed so that the table is mutated in place (a struct
/// in an optional would be copied, and its dictionaries with it). The buffers are allocated once:
/// replicating a frame or sending a query allocates nothing.
public final class EdgeSnooping {
    public internal(set) var snooper: MulticastSnooper
    /// The listeners of the group being replicated.
    let listeners: UnsafeMutableBufferPointer<MACAddress>
    /// One query being built.
    let queryBuffer: UnsafeMutableRawBufferPointer
    var started = false

    init(settings: EdgeMulticastSettings, mac: MACAddress, ipv4: UInt32) {
        var c = MulticastSnooperConfiguration()
        c.timers = settings.timers
        c.limits = settings.limits
        c.querierIPv4 = ipv4 == 0 ? nil : ipv4
        c.querierIPv6LinkLocal = Self.linkLocal(of: mac)
        c.querierMAC = mac
        snooper = MulticastSnooper(configuration: c)
        listeners = .allocate(capacity: settings.limits.maxListenersPerGroup)
        listeners.initialize(repeating: .zero)
        queryBuffer = .allocate(byteCount: MembershipQueryBuilder.maxQueryLength, alignment: 8)
    }

    deinit {
        listeners.deallocate()
        queryBuffer.deallocate()
    }

    /// fe80::/64 with the modified EUI-64 of the TAP's MAC: the address Linux gives the TAP by
    /// default, so the MLD querier's source matches what the host sees.
    static func linkLocal(of mac: MACAddress) -> InetAddress {
        let m = mac.rawValue
        let upper = (m >> 24) ^ 0x02_0000
        let lower = m & 0xFF_FFFF
        return .v6(0xFE80_0000_0000_0000, upper << 40 | 0xFF_FE00_0000 | lower)
    }

    /// When the loop must call `EdgeDataPlane.multicastTick` next (the control plane's start runs
    /// the first). A real time: the runtime subtracts it from now.
    var nextDeadline: Int64? { started ? snooper.nextDeadline : nil }
}
