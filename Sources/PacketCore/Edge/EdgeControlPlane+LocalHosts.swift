import N2NWire

// Hosts behind the TAP (`EdgeLocalHosts`): learned from the workers' reports, registered at every
// supernode at once and with every round after (a 2.8 supernode forgets an edge after 60 s without
// a REGISTER_SUPER), published so workers keep frames to them off the overlay, aged out.
extension EdgeControlPlane {
    var localHostSet: Set<MACAddress> { Set(localHosts.entries.keys) }

    func noteLocalHost(_ mac: MACAddress, now: Int64) {
        guard mac != configuration.mac, !mac.isGroup, !mac.isZero else { return }
        switch localHosts.observe(mac, now: now) {
        case .refreshed:
            return
        case .full:
            if localHosts.refused == 1 {
                logger.warning("host \(mac) behind the TAP not learned: \(localHosts.capacity) hosts already (--max-local-hosts)")
            }
            return
        case .learned:
            logger.info("learned host \(mac) behind the TAP (\(localHosts.count) of \(localHosts.capacity))")
            // A peer entry under this MAC is stale: the host is here now.
            known.removeValue(forKey: mac)
            pending.removeValue(forKey: mac)
            routesChanged = true
            guard isStarted else { return }
            for i in supernodes.indices {
                guard let address = supernodes[i].address else { continue }
                sendControl(.registerSuper(RegisterSuper(cookie: cookie, edgeMac: mac)), to: address)
            }
        }
    }

    func expireLocalHosts(now: Int64) {
        let gone = localHosts.expire(now: now)
        guard gone > 0 else { return }
        routesChanged = true
        logger.info("\(gone) hosts behind the TAP aged out; \(localHosts.count) left")
    }
}
