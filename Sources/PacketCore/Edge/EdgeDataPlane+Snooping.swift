import LinuxSystem
import N2NWire

/// `--igmp-snooping` in the data plane: learning from frames in both directions, replication of
/// frames from the TAP to the listening peers only, and the querier's queries.
extension EdgeDataPlane {
    /// A multicast frame from the TAP, after the filters: learns from it, then sends it where
    /// the snooper decides. Returns false when the frame takes the usual path (a flood: the
    /// supernode relays it to every edge, as in n2n 2.8).
    func snoopAndReplicate(_ frame: UnsafeRawBufferPointer, snooping: EdgeSnooping, now: Int64) -> Bool {
        let buffer = snooping.listeners
        // Learn, decide and copy the listeners in one hold of the lock; seal and send outside it.
        let (decision, count) = snooping.shared.withLock { snooper in
            snooper.observe(frame: frame, from: .local, now: now)
            let decision = snooper.decide(frame: frame, now: now)
            guard case .listeners(let group, _) = decision else { return (decision, 0) }
            return (decision, snooper.copyListeners(of: group, now: now, into: buffer))
        }
        let floodCopies = max(routing.peers.count, 1)
        let sent: Int
        switch decision {
        case .notMulticast: return false
        case .flood: sent = floodCopies
        case .suppress: sent = 0
        case .listeners: sent = replicate(frame, listeners: count, snooping: snooping, now: now)
        }
        snooping.shared.withLock {
            $0.counters.record(decision, copiesSent: sent, floodCopies: max(floodCopies, sent), frameLength: frame.count)
        }
        if case .flood = decision { return false }
        return true
    }

    /// One copy per listener: those with a fresh direct path share one sealed datagram (header
    /// destination: the group MAC, as a flood would carry); each of the others goes through the
    /// supernode sealed with its own MAC as the header destination, so the supernode forwards it
    /// to that edge alone (spec 6: it forwards by the header's destination MAC).
    func replicate(_ frame: UnsafeRawBufferPointer, listeners count: Int, snooping: EdgeSnooping, now: Int64) -> Int {
        let buffer = snooping.listeners
        var relayed = 0
        var sealed = false
        var sent = 0
        for i in 0..<count {
            let mac = buffer[i]
            guard let sock = directRoute(mac, now: now) else {
                buffer[relayed] = mac
                relayed += 1
                continue
            }
            if sealed {
                datagrams.enqueueAgain(to: sock)
            } else {
                guard seal(frame, to: sock, headerDstMac: nil) else { return sent }
                sealed = true
            }
            statistics.txP2P &+= 1
            sent += 1
        }
        guard relayed > 0, let relay = routing.relay else { return sent }
        for i in 0..<relayed {
            guard seal(frame, to: relay, headerDstMac: buffer[i]) else { return sent }
            statistics.txSupernode &+= 1
            sent += 1
        }
        return sent
    }

    // MARK: - The querier

    /// Expires memberships and sends the queries due: each is flooded to every edge as a
    /// broadcast is (through the supernode), and written to our own TAP so our host answers too.
    func multicastTick(now: Int64) {
        guard let snooping else { return }
        if !snooping.started {
            snooping.started = true
            snooping.shared.withLock { $0.start(now: now) }
        }
        refreshRouting()
        while let request = snooping.shared.withLock({ $0.poll(now: now) }) {
            let length: Int
            do throws(MembershipBuildError) {
                length = try snooping.shared.withLock { (snooper: inout MulticastSnooper) throws(MembershipBuildError) -> Int in
                    try snooper.writeQuery(request, into: snooping.queryBuffer)
                }
            } catch {
                logger.warning("cannot build a membership query: \(error)")
                continue
            }
            let query = UnsafeMutableRawBufferPointer(rebasing: snooping.queryBuffer[0..<length])
            if let relay = routing.relay, seal(UnsafeRawBufferPointer(query), to: relay, headerDstMac: nil) {
                statistics.txSupernode &+= 1
                statistics.txSupernodeBroadcast &+= 1
            }
            if !request.isIPv6 { Self.clearIPv4Source(query) }
            frames.writeFrame(UnsafeRawBufferPointer(query))
        }
    }

    /// Linux drops a packet whose source is one of its own addresses as a martian, so the copy
    /// for our own host leaves from 0.0.0.0, which RFC 4541 2.1.1 and Linux accept for IGMP queries.
    static func clearIPv4Source(_ frame: UnsafeMutableRawBufferPointer) {
        let ip = 14
        guard frame.count >= ip + 20 else { return }
        let headerLength = Int(frame[ip] & 0x0F) * 4
        guard headerLength >= 20, frame.count >= ip + headerLength else { return }
        for i in 12..<16 { frame[ip + i] = 0 }
        frame[ip + 10] = 0
        frame[ip + 11] = 0
        InternetChecksum.fill(frame, field: ip + 10, over: ip..<(ip + headerLength))
    }

    /// When `multicastTick` has work next (nil: no snooping).
    var multicastDeadline: Int64? { snooping?.nextDeadline }
}

/// The control plane's view of the data plane's querier: its deadline joins the loop's, and its
/// tick runs with the control plane's timers.
protocol EdgeMulticastTimer: AnyObject {
    var multicastDeadline: Int64? { get }
    func multicastTick(now: Int64)
}

extension EdgeDataPlane: EdgeMulticastTimer {}
