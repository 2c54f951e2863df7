/// Which groups the snooper tracks. Everything else is flooded to every peer, whatever reports say.
///
/// IPv4: 224.0.0.0/24 is link-local control (VRRP, OSPF, mDNS, n2n's own 224.0.0.68) and always
/// flooded (RFC 4541 2.1.2). IPv6 (RFC 4541 3): ff00::/15 and every reserved or interface-local scope
/// should never be on a link; ff02::1 is never reported. Beyond RFC 4541, the permanent (well-known)
/// link-scope groups ff02::/16 (all-routers, OSPFv3, RIPng, PIM, VRRP, DHCPv6 agents, mDNS...) are
/// flooded like their IPv4 counterparts in 224.0.0.0/24, since routers and some stacks do not report
/// them reliably. Solicited-node groups ff02::1:ffXX:XXXX are snooped: every host reports them (RFC 4861
/// 7.2.1), and they are where IPv6 neighbour discovery traffic saves the most. Transient (ff12::)
/// and wider-scope groups are snooped.
public enum MulticastScope {
    public static func isAlwaysFlooded(_ group: MulticastGroup) -> Bool { floodReason(group) != nil }

    /// nil for a group the table may track.
    public static func floodReason(_ group: MulticastGroup) -> FloodReason? {
        switch group {
        case .v4(let a):
            return a >> 8 == 0xE0_0000 ? .linkLocalGroup : nil
        case .v6(let high, let low):
            let flags = high >> 52 & 0xF
            let scope = high >> 48 & 0xF
            if scope <= 1 || scope == 0xF { return .reservedScope }
            if high == 0xFF02_0000_0000_0000 && low == 1 { return .allNodes }
            if scope == 2 && flags == 0 && !isSolicitedNode(high, low) { return .linkLocalGroup }
            return nil
        }
    }

    /// ff02::1:ff00:0/104.
    static func isSolicitedNode(_ high: UInt64, _ low: UInt64) -> Bool {
        high == 0xFF02_0000_0000_0000 && low >> 24 == 0x1FF
    }
}

/// Why a frame goes to every peer.
public enum FloodReason: String, Sendable, Codable, CaseIterable {
    case broadcast
    /// A group MAC outside 01:00:5e / 33:33 or not carrying IP (STP, LLDP, 802.1Q-tagged...).
    case nonIPMulticast
    /// The MAC and IP destination disagree, or the IP header is too short to read.
    case malformed
    case linkLocalGroup
    case allNodes
    case reservedScope
    /// IGMP or MLD itself: every edge learns from every report, and queries reach every host.
    case membershipControl
    /// No report for the group since the edge started (or its entry was evicted).
    case unknownGroup
    /// The group's listener list is full, so listeners may be missing from it.
    case listenerLimit
    /// Snooping without a querier: memberships cannot be kept fresh, so nothing is pruned.
    case noQuerier
}
