import N2NWire

// Supernode registration (spec 5.3) with the changes of spec 10.3 item 20 / 10.4 item 26:
// - host names are resolved by the host off the data path (`EdgeHost.resolveSupernode`), at start
//   and again at every round; a round uses the last known address, a new answer is used at once;
// - REGISTER_SUPER_ACK must come from the supernode it answers (UDP source = its address);
// - every supernode's ACK is recorded, and traffic is relayed through the supernode that answered
//   the most recent round, not "whichever resolved last". A supernode that has answered every round
//   so far, or two in a row, is *settled*. The edge leaves the one it uses for an earlier one in
//   `-l` order only when that one is settled, and for one that answered a round the current one has
//   not answered yet only when it is settled or the round has ended: 2.x supernodes share no state,
//   so an edge that moved to a returning supernode at its first answer would relay into a table
//   its peers have not re-registered in yet (their rounds run up to one interval apart) and lose
//   that direction until they do.
extension EdgeControlPlane {
    var registrationInterval: Int64 { Int64(configuration.registrationInterval) * Nanos.second }

    /// 2.8 retries when more than ⌊i/10⌋ whole seconds have passed, i.e. after ⌊i/10⌋ + 1 s
    /// (3 s by default); never later than the regular interval.
    var fastRetryInterval: Int64 {
        min(registrationInterval, Int64(configuration.registrationInterval / 10 + 1) * Nanos.second)
    }

    var registrationDeadline: Int64 {
        guard let last = lastRound else { return .min }
        return last + (waitingForAck ? fastRetryInterval : registrationInterval)
    }

    /// No ACK from any supernode for a whole interval and half a fast retry: a regular round and
    /// at least one retry went unanswered.
    var supernodeSilenceLimit: Int64 { registrationInterval + fastRetryInterval / 2 }

    /// The newest ACK from any supernode; nil = never registered.
    var lastSupernodeAck: Int64? { supernodes.compactMap(\.lastAck).max() }

    /// Logs the loss of every supernode once, at the first round past the silence limit (2.8
    /// warned "Supernode not responding" on every retry). Needs no state of its own: the previous
    /// round was still within the limit.
    func reportSupernodeLoss(now: Int64) {
        guard let acked = lastSupernodeAck, let previous = lastRound else { return }
        let limit = supernodeSilenceLimit
        guard now - acked > limit, previous - acked <= limit else { return }
        let names = supernodes.map { "\($0.configured)" }.joined(separator: ", ")
        let retry = fastRetryInterval / Nanos.second
        logger.warning("supernode not responding: no REGISTER_SUPER_ACK for \((now - acked) / Nanos.second) s from \(names); retrying every \(retry) s")
    }

    func runRegistrationRound(now: Int64) {
        if !multicastJoined {
            multicastJoined = host.joinDiscoveryGroup()
            if multicastJoined { logger.notice("joined local discovery group 224.0.0.68:1968") }
        }
        reportSupernodeLoss(now: now)
        requestResolutions(now: now)
        if let v3 { v3RoundStarting(v3, now: now) }
        updateCurrentSupernode(roundEnded: true)
        round += 1
        withUnsafeMutableBytes(of: &cookie) { random.fill($0) }
        for i in supernodes.indices where supernodes[i].address != nil && registersWith(i) {
            sendRegisterSuper(to: i)
        }
        sendDiscoveryRegister()
        waitingForAck = true
        lastRound = now
    }

    func sendRegisterSuper(to index: Int) {
        guard let address = supernodes[index].address else { return }
        logger.info("registering with supernode \(supernodes[index].configured) [\(address)] round \(round)")
        sendControl(.registerSuper(RegisterSuper(cookie: cookie, edgeMac: configuration.mac)), to: address)
        for mac in localHosts.entries.keys {
            sendControl(.registerSuper(RegisterSuper(cookie: cookie, edgeMac: mac)), to: address)
        }
    }

    func requestResolutions(now: Int64) {
        for i in supernodes.indices where !supernodes[i].isLiteral {
            if let asked = supernodes[i].resolutionRequested, now - asked < EdgeTimers.resolutionRetry { continue }
            supernodes[i].resolutionRequested = now
            let sn = supernodes[i].configured
            host.resolveSupernode(index: i, host: sn.host, port: sn.port)
        }
    }

    /// The host's answer to `EdgeHost.resolveSupernode`; nil when the name did not resolve (the
    /// previous address, if any, stays in use).
    func supernodeResolved(index: Int, address: PeerSocket?) {
        guard supernodes.indices.contains(index) else { return }
        supernodes[index].resolutionRequested = nil
        guard let address else {
            logger.warning("cannot resolve supernode \(supernodes[index].configured)")
            return
        }
        let previous = supernodes[index].address
        guard previous != address else { return }
        supernodes[index].address = address
        routesChanged = true
        if let previous {
            logger.notice("supernode \(supernodes[index].configured) moved from \(previous) to \(address)")
        } else {
            logger.info("supernode \(supernodes[index].configured) resolved to \(address)")
        }
        updateCurrentSupernode()
        // Answer the round in progress at once instead of waiting for the next retry.
        if isStarted && waitingForAck && registersWith(index) { sendRegisterSuper(to: index) }
        publishIfNeeded(now: clock.monotonicNanoseconds)
    }

    func handleRegisterSuperAck(_ ack: RegisterSuperAck, source: PeerSocket, stamp: HeaderSeal?) {
        guard let index = supernodeIndex(of: source) else {
            statistics.countDrop(.spoofedSupernode)
            logger.debug("REGISTER_SUPER_ACK from \(source), which is not a supernode")
            return
        }
        guard verifySupernodeStamp(stamp, index: index) else { return }
        // A learned host's registration needs no bookkeeping: the edge's own ACK stands for the round.
        if ack.edgeMac != configuration.mac, ack.cookie == cookie, localHosts.contains(ack.edgeMac) { return }
        guard ack.edgeMac == configuration.mac, ack.cookie == cookie else {
            statistics.countDrop(.unmatchedSuperAck)
            logger.info("REGISTER_SUPER_ACK from \(source) with wrong or old cookie / MAC")
            return
        }
        guard supernodes[index].answeredRound != round else { return } // duplicate
        let now = clock.monotonicNanoseconds
        // Recovery, once: the loss was reported at a round that found every supernode silent.
        if let acked = lastSupernodeAck, let last = lastRound, last - acked > supernodeSilenceLimit {
            logger.notice("supernode \(supernodes[index].configured) responding again after \((now - acked) / Nanos.second) s of silence")
        }
        supernodes[index].answeredStreak = supernodes[index].answeredRound == round - 1 ? supernodes[index].answeredStreak + 1 : 1
        supernodes[index].answeredRound = round
        supernodes[index].lastAck = now
        statistics.lastSupernode = clock.wallTime.seconds
        waitingForAck = false
        if !everRegistered {
            everRegistered = true
            logger.notice("[OK] edge <<< ================ >>> supernode \(supernodes[index].configured)")
        }
        logger.info("REGISTER_SUPER_ACK from \(supernodes[index].configured): public socket \(ack.sock), lifetime \(ack.lifetime) s")
        updateCurrentSupernode()
    }

    func updateCurrentSupernode(roundEnded: Bool = false) {
        if v3 != nil { return updateCurrentV3() }
        var best: Int?
        for i in supernodes.indices where supernodes[i].address != nil {
            if let b = best, supernodes[i].answeredRound <= supernodes[b].answeredRound { continue }
            best = i
        }
        if let b = best, let current = currentSupernode, current != b, supernodes.indices.contains(current),
           supernodes[current].address != nil, stays(current, over: b, roundEnded: roundEnded) {
            best = current
        }
        if best != currentSupernode, let best {
            if currentSupernode != nil {
                logger.notice("relaying via supernode \(supernodes[best].configured)")
            }
        }
        if best != currentSupernode { routesChanged = true }
        currentSupernode = best
    }

    /// Whether the supernode in use stays although `candidate` is the earliest that answered the
    /// latest round (see the comment at the top of this file).
    private func stays(_ current: Int, over candidate: Int, roundEnded: Bool) -> Bool {
        let streak = supernodes[candidate].answeredStreak
        let settled = streak >= 2 || streak == supernodes[candidate].answeredRound
        let answered = supernodes[current].answeredRound, latest = supernodes[candidate].answeredRound
        if answered == latest { return !(candidate < current && settled) }
        return answered == latest - 1 && !settled && !roundEnded
    }

    /// -H replay check for anything a supernode sent (one stamp slot per supernode).
    func verifySupernodeStamp(_ stamp: HeaderSeal?, index: Int) -> Bool {
        guard let stamp else { return true }
        guard let failure = wire.verify(stamp, now: nowStamp, guard: &supernodes[index].stamp) else { return true }
        statistics.countDrop(failure)
        return false
    }
}
