import N2NWire

// Peer tables and P2P establishment (spec 5.5, 5.7, 5.8), with these deliberate changes:
// - REGISTERs to a peer carry a cookie keyed per peer MAC with a secret, and a REGISTER_ACK moves
//   a peer to the known table only if it echoes that cookie and is addressed to us (spec 10.2
//   item 15: an off-path sender can no longer redirect a pending peer). 2.x edges echo the cookie.
// - A known peer that has been quiet for 5 s gets a direct REGISTER as a probe when we send to it;
//   its REGISTER_ACK counts as direct traffic, so a one-way stream does not fall back to the
//   supernode every 10 s (item 25). A probe unanswered for 2 s ends P2P at once (a peer that
//   vanished or moved costs ~7 s instead of 10); the entry never outlives the 10 s of 2.8.
// - A pending peer heard of via the supernode is re-registered (at most every 2 s) instead of only
//   at creation (item 25), and pending entries without an address get one this way.
// - A known peer's socket moves only on evidence a stranger cannot forge (issue 10 item 3): a
//   direct packet from another socket is ignored while the current socket has been heard in the
//   last `peerMoveQuiet` (a real NAT rebinding silences the old socket), and the supernode's
//   PEER_INFO moves it at once. Before, one REGISTER claiming the peer's MAC from a third host made
//   us send that host the cookie, accept its echo and send it the peer's traffic.
extension EdgeControlPlane {
    /// How long a known peer's socket must have been quiet before a direct packet from another
    /// socket may move it: the keep-alive probe interval, so a rebinding peer is followed in ~5 s.
    static let peerMoveQuiet: Int64 = EdgeTimers.p2pProbeAfter

    /// The cookie of our REGISTERs to `mac`: stable per peer, unpredictable without the key.
    func peerCookie(_ mac: MACAddress) -> UInt32 {
        var h = Hasher()
        h.combine(cookieKey.0)
        h.combine(mac.rawValue)
        h.combine(cookieKey.1)
        return UInt32(truncatingIfNeeded: h.finalize())
    }

    func sendRegister(to destination: PeerSocket, peer mac: MACAddress, ipTTL: Int? = nil) {
        guard configuration.allowP2P, destination.isUsable else { return }
        logger.debug("send REGISTER to \(mac) at \(destination)")
        sendControl(.register(Register(cookie: peerCookie(mac), srcMac: configuration.mac, dstMac: mac)),
                    to: destination, ipTTL: ipTTL)
    }

    /// REGISTER with a zero dstMac to 224.0.0.68:1968 (spec 5.8): at every round, and when a new
    /// pending entry appears, then at most once per second (a stream of direct packets from a
    /// peer that does not know us yet re-creates its entry per packet, as in 2.8).
    func sendDiscoveryRegister(now: Int64? = nil) {
        guard configuration.allowP2P, multicastJoined else { return }
        if let now {
            if let last = lastDiscoveryRegister, now - last < Nanos.second { return }
            lastDiscoveryRegister = now
        }
        sendControl(.register(Register(cookie: discoveryCookie, srcMac: configuration.mac, dstMac: .zero)), to: .discoveryGroup)
    }

    /// The cookie of our discovery REGISTERs. Edges (stock ones too) echo it in their REGISTER_ACK;
    /// with 2.x's fixed cookie those answers could not be told from stray ACKs and were counted as
    /// `unmatched_ack` on every healthy LAN. The peers themselves become known from their own
    /// discovery REGISTERs, so an answer needs no further action.
    var discoveryCookie: UInt32 { peerCookie(.zero) }

    /// The REGISTERs of spec 5.7 `register_with_new_peer`, by trigger and `-L`.
    func sendPeerRegisters(_ mac: MACAddress, sock: PeerSocket, viaSupernode: Bool) {
        guard configuration.allowP2P else { return }
        guard viaSupernode else {
            sendRegister(to: sock, peer: mac)
            return
        }
        // Without the peer's socket (a supernode of ours relaying across IP families) the peer
        // cannot answer a REGISTER either: the supernode would not pass it on.
        guard sock.isUsable else { return }
        let ttl = configuration.registerTTL
        if ttl > 1 {
            // Opens our NAT towards the predicted ports without reaching the peer.
            var probe = sock
            for _ in 0..<16 {
                sendRegister(to: probe, peer: mac, ipTTL: ttl)
                probe.port &+= 1
            }
        } else if ttl <= 0 {
            sendRegister(to: sock, peer: mac)
        }
        if let sn = currentSupernodeAddress { sendRegister(to: sn, peer: mac) }
    }

    /// `register_with_new_peer(mac, sock, via_sn)`.
    func registerWithNewPeer(_ mac: MACAddress, sock: PeerSocket, viaSupernode: Bool, now: Int64) {
        if let index = pending.index(forKey: mac) {
            pending.values[index].sock = sock
            guard viaSupernode, sock.isUsable else { return }
            if let last = pending.values[index].lastRegister, now - last < EdgeTimers.reRegisterSpacing { return }
            pending.values[index].lastRegister = now
            sendPeerRegisters(mac, sock: sock, viaSupernode: true)
            return
        }
        guard pending.count < configuration.maxPendingPeers else { return statistics.countDrop(.peerTableFull) }
        var entry = EdgePeer(sock: sock, now: now, stamp: EdgeReplayWindow.initialStamp(now: nowStamp))
        entry.lastRegister = now
        pending[mac] = entry
        logger.debug("new pending peer \(mac) at \(sock) (pending \(pending.count))")
        sendPeerRegisters(mac, sock: sock, viaSupernode: viaSupernode)
        sendDiscoveryRegister(now: now)
    }

    /// "Peer seen" (`check_peer_registration_needed`, spec 5.5) for every PACKET and accepted REGISTER.
    func handlePeerSeen(_ mac: MACAddress, sock: PeerSocket, viaSupernode: Bool, now: Int64) {
        guard let index = known.index(forKey: mac) else {
            registerWithNewPeer(mac, sock: sock, viaSupernode: viaSupernode, now: now)
            return
        }
        let sameSocket = known.values[index].sock == sock
        if !viaSupernode && sameSocket {
            // Only the peer's own socket keeps the direct path fresh (a stranger's packets must not).
            known.values[index].lastP2P = now
            routesAged = true
        }
        guard now - known.values[index].lastSeen >= EdgeTimers.sockCheckSpacing else { return }
        if sock.address.isUnspecified || mac.isBroadcast { return }
        if sameSocket {
            known.values[index].lastSeen = now
        } else if !viaSupernode {
            guard now - known.values[index].lastP2P >= Self.peerMoveQuiet else {
                statistics.countDrop(.peerMoveRefused)
                logger.debug("peer \(mac) at \(known.values[index].sock) is live; ignoring \(sock)")
                return
            }
            logger.notice("peer \(mac) changed socket \(known.values[index].sock) -> \(sock)")
            known.remove(at: index)
            routesChanged = true
            registerWithNewPeer(mac, sock: sock, viaSupernode: false, now: now)
        }
        // Via the supernode: the supernode may see another socket than we do; ignore.
    }

    func handleRegisterAck(_ ack: RegisterAck, source: PeerSocket, stamp: HeaderSeal?, now: Int64) {
        guard verifyPeerStamp(stamp, mac: ack.srcMac) else { return }
        if ack.dstMac == configuration.mac, ack.cookie == discoveryCookie, ack.srcMac != .zero {
            logger.debug("REGISTER_ACK from \(ack.srcMac) at \(source) answers our local discovery")
            return
        }
        guard ack.dstMac == configuration.mac, ack.cookie == peerCookie(ack.srcMac) else {
            statistics.countDrop(.unmatchedAck)
            logger.debug("REGISTER_ACK from \(source) does not answer our REGISTER")
            return
        }
        if let index = pending.index(forKey: ack.srcMac) {
            guard known.count < configuration.maxKnownPeers else { return statistics.countDrop(.peerTableFull) }
            var entry = pending.remove(at: index).value
            entry.sock = source
            entry.lastP2P = now
            entry.lastSeen = now
            entry.lastProbe = nil
            known[ack.srcMac] = entry
            routesChanged = true
            logger.info("P2P with \(ack.srcMac) established at \(source)")
        } else if let index = known.index(forKey: ack.srcMac), known.values[index].sock == source {
            known.values[index].lastP2P = now // probe answered
            known.values[index].lastSeen = now
            routesChanged = true
        } else {
            statistics.countDrop(.unmatchedAck)
        }
    }

    func handlePeerInfo(_ info: PeerInfo, source: PeerSocket, stamp: HeaderSeal?, now: Int64) {
        guard let sn = supernodeIndex(of: source) else {
            statistics.countDrop(.spoofedSupernode)
            return
        }
        guard verifySupernodeStamp(stamp, index: sn) else { return }
        guard !info.sock.address.isLoopback, info.sock.isUsable else {
            logger.debug("skipping PEER_INFO with invalid socket \(info.sock)")
            return
        }
        guard configuration.reaches(info.sock) else { return statistics.countDrop(.otherFamily) }
        guard let index = pending.index(forKey: info.mac) else {
            // The supernode's word moves a known peer at once (a NAT rebinding it has seen).
            if let k = known.index(forKey: info.mac), known.values[k].sock != info.sock {
                logger.notice("PEER_INFO: peer \(info.mac) moved \(known.values[k].sock) -> \(info.sock)")
                known.remove(at: k)
                routesChanged = true
                registerWithNewPeer(info.mac, sock: info.sock, viaSupernode: false, now: now)
                return
            }
            logger.debug("PEER_INFO for \(info.mac), which is not pending")
            return
        }
        logger.info("PEER_INFO: \(info.mac) is at \(info.sock)")
        pending.values[index].sock = info.sock
        pending.values[index].lastRegister = now
        sendRegister(to: info.sock, peer: info.mac)
    }

    /// -H replay check for a packet from an edge: pending entry first, then known; the window
    /// alone if unknown (`recordPeerStamp` then seeds the entry the packet creates).
    func verifyPeerStamp(_ stamp: HeaderSeal?, mac: MACAddress) -> Bool {
        guard let stamp else { return true }
        let now = nowStamp
        let failure: DropReason?
        if let i = pending.index(forKey: mac) {
            failure = wire.verify(stamp, now: now, guard: &pending.values[i].stamp)
        } else if let i = known.index(forKey: mac) {
            failure = wire.verify(stamp, now: now, guard: &known.values[i].stamp)
        } else {
            failure = EdgeReplayWindow.isWithinFrame(stamp.stamp, now: now) ? nil : .headerStampWindow
        }
        if let failure { statistics.countDrop(failure) }
        return failure == nil
    }

    /// After an accepted direct packet: its entry (new or refreshed) remembers it, so that an
    /// exact replay, from any socket, is refused.
    func recordPeerStamp(_ stamp: HeaderSeal?, mac: MACAddress) {
        guard let stamp else { return }
        if let i = pending.index(forKey: mac) {
            pending.values[i].stamp.record(stamp)
        } else if let i = known.index(forKey: mac) {
            known.values[i].stamp.record(stamp)
        }
    }

    /// `check_query_peer_info`: a pending entry for `mac` and at most one QUERY_PEER per 20 s.
    func queryPeer(_ mac: MACAddress, now: Int64) {
        let index: Dictionary<MACAddress, EdgePeer>.Index
        if let i = pending.index(forKey: mac) {
            index = i
        } else {
            guard pending.count < configuration.maxPendingPeers else { return statistics.countDrop(.peerTableFull) }
            pending[mac] = EdgePeer(sock: .unspecified, now: now, stamp: EdgeReplayWindow.initialStamp(now: nowStamp))
            index = pending.index(forKey: mac)!
        }
        if let last = pending.values[index].lastSentQuery, now - last <= EdgeTimers.queryPeerSpacing { return }
        guard let sn = currentSupernodeAddress else { return }
        pending.values[index].lastSentQuery = now
        logger.debug("send QUERY_PEER for \(mac)")
        sendControl(.queryPeer(QueryPeer(srcMac: configuration.mac, targetMac: mac)), to: sn)
    }

    /// Removes entries not seen for 60 s; returns how many went.
    func purge(_ table: inout [MACAddress: EdgePeer], now: Int64) -> Int {
        let before = table.count
        guard before > 0 else { return 0 }
        table = table.filter { now - $0.value.lastSeen <= EdgeTimers.registrationTimeout }
        return before - table.count
    }
}
