import LinuxSystem
import N2NWire
import PacketCore

// Local peer discovery (224.0.0.68:1968) belongs to the LAN under the edge. A discovery REGISTER
// whose source is in the TAP's own subnet came through the overlay (a stock edge's discovery
// routed into its TAP by `ip route add 224.0.0.0/4 dev edge0`): answering it would teach us a
// peer at its overlay address, and that loops. Such datagrams are ignored here.
extension EdgeRuntime {
    func drainDiscovery(_ socket: UDPSocket) {
        pump.drain(socket, tap: tap) { [unowned self] peer in
            guard self.isOverlayAddress(peer) else { return true }
            self.logger.debug("ignoring local discovery from overlay address \(peer)")
            return false
        }
    }

    /// In the TAP's subnet (the `-a` address and `-s` netmask, or the DHCP-given address).
    func isOverlayAddress(_ peer: PeerSocket) -> Bool {
        guard case .v4(let source) = peer.address else { return false }
        let own = engine.tapIPv4
        return own != 0 && source & config.netmask == own & config.netmask
    }
}
