import LinuxSystem
import N2NWire
import PacketCore

// Local peer discovery (224.0.0.68:1968) belongs to the LAN under the edge. A discovery REGISTER
// whose source is in the TAP's own subnet came through the overlay (a stock edge's discovery
// routed into its TAP by `ip route add 224.0.0.0/4 dev edge0`): answering it would teach us a
// peer at its overlay address, and that loops. Such datagrams are ignored here.
extension EdgeRuntime {
    func drainDiscovery(_ socket: UDPSocket) {
        for _ in 0..<EdgeRuntime.batchesPerWakeup {
            let n: Int
            do { n = try socket.receive(into: receiveBatch) } catch {
                logger.error("receive on the discovery socket failed: \(error)")
                return
            }
            for i in 0..<n {
                guard !receiveBatch.isTruncated(i), let peer = receiveBatch.peer(i) else {
                    engine.countDrop(.oversize)
                    continue
                }
                if isOverlayAddress(peer) {
                    logger.debug("ignoring local discovery from overlay address \(peer)")
                    continue
                }
                engine.handleDatagram(receiveBatch[i], from: peer)
            }
            flushDatagrams()
            flushFrames()
            if n < receiveBatch.capacity { break }
        }
    }

    /// In the TAP's subnet (the `-a` address and `-s` netmask, or the DHCP-given address).
    func isOverlayAddress(_ peer: PeerSocket) -> Bool {
        guard case .v4(let source) = peer.address else { return false }
        let own = engine.tapIPv4
        return own != 0 && source & config.netmask == own & config.netmask
    }
}
