import N2NWire

// TX path (spec 5.6): TAP frame -> filters -> FramePipeline (compress, transform, PACKET header,
// -H) -> destination choice -> UDP.
extension EdgeEngine {
    /// One Ethernet frame read from the TAP.
    public func handleFrame(_ frame: UnsafeRawBufferPointer) {
        guard frame.count >= EdgeFrameFilters.ethernetHeaderLength, frame.count <= maxFrameLength else {
            statistics.countDrop(.txBadLength)
            return
        }
        if configuration.dropMulticast && EdgeFrameFilters.isFilteredMulticast(frame) {
            statistics.countDrop(.txMulticast)
            return
        }
        if !configuration.allowRouting && EdgeFrameFilters.txIsRouted(frame, ownIPv4: tapIPv4) {
            statistics.countDrop(.txRouted)
            logger.trace("discarding routed frame")
            return
        }
        let dstMac = EdgeFrameFilters.destination(frame)
        let total: Int
        do {
            total = try pipeline.seal(frame: frame, srcMac: configuration.mac, into: txBuffer,
                                      stamp: headerCipher == nil ? 0 : makeStamp())
        } catch {
            statistics.countDrop(.txEncodeFailed)
            logger.warning("cannot encode frame: \(error)")
            return
        }
        let packet = UnsafeRawBufferPointer(rebasing: txBuffer[0..<total])
        statistics.transformTx &+= 1

        let now = clock.monotonicNanoseconds
        if let peer = p2pDestination(dstMac, now: now) {
            statistics.txP2P &+= 1
            datagrams.enqueue(packet, to: peer)
            return
        }
        guard let sn = currentSupernodeAddress else {
            statistics.countDrop(.noSupernode)
            return
        }
        statistics.txSupernode &+= 1
        if dstMac.isBroadcast { statistics.txSupernodeBroadcast &+= 1 }
        datagrams.enqueue(packet, to: sn)
    }

    /// `find_peer_destination`: the peer's socket when it is known and was heard from directly in
    /// the last 10 s; otherwise nil (send via the supernode) after making sure a pending entry
    /// exists and a QUERY_PEER went out. Group MACs never get a pending entry or QUERY_PEER
    /// (spec 10.4 item 33): no edge registers under a multicast address.
    func p2pDestination(_ mac: MACAddress, now: Int64) -> PeerSocket? {
        if mac.isBroadcast { return nil }
        if let index = known.index(forKey: mac) {
            let lastP2P = known.values[index].lastP2P
            let age = now - lastP2P
            var usable = age < EdgeTimers.p2pValidity
            if usable, let probe = known.values[index].lastProbe, probe > lastP2P, now - probe >= EdgeTimers.p2pProbeTimeout {
                usable = false // the keep-alive went unanswered
            }
            if usable {
                if age >= EdgeTimers.p2pProbeAfter { probe(index, mac: mac, now: now) }
                return known.values[index].sock
            }
            logger.debug("P2P with \(mac) idle, back to the supernode")
            known.remove(at: index)
        }
        if !mac.isGroup { queryPeer(mac, now: now) }
        return nil
    }

    func probe(_ index: Dictionary<MACAddress, EdgePeer>.Index, mac: MACAddress, now: Int64) {
        guard configuration.allowP2P else { return }
        if let last = known.values[index].lastProbe, now - last < EdgeTimers.reRegisterSpacing { return }
        known.values[index].lastProbe = now
        sendRegister(to: known.values[index].sock, peer: mac)
    }
}
