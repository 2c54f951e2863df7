import N2NWire

// The n2n 3.x control plane (v3 spec 8.3-8.5) over the shared tables, timers and routing
// publication of `EdgeControlPlane`: v3 messages are handled by the same peer logic (REGISTER,
// REGISTER_ACK, PEER_INFO, REGISTER_SUPER_ACK) after translation, and what only v3 has is here:
// registration with the current supernode only, the ACK's assigned address and supernode list,
// NAK, RE_REGISTER_SUPER, PING/PONG selection and the switch with UNREGISTER_SUPER.
extension EdgeControlPlane {
    /// REGISTER_SUPERs to the current supernode without an ACK before it is given up (spec 8.1).
    static let v3Attempts = 3
    /// Supernode selection sweep (spec 8.1: every > 30 s).
    static let v3SweepInterval: Int64 = 30 * Nanos.second
    /// Most supernodes kept, configured and learned from ACKs together (learned ones stay).
    static let v3MaxSupernodes = 16

    public func controlMessageV3(_ message: V3Message, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64) {
        handleV3Message(message, viaSupernode: viaSupernode, source: source, stamp: stamp, now: now)
        publishIfNeeded(now: now)
    }

    func handleV3Message(_ message: V3Message, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64) {
        guard let v3 else {
            statistics.countDrop(.badVersion)
            return
        }
        switch message {
        case .register(let m):
            handleRegister(Register(cookie: m.cookie, srcMac: m.srcMac, dstMac: m.dstMac, sock: m.sock),
                           viaSupernode: viaSupernode, source: source, stamp: stamp, now: now)
        case .registerAck(let m):
            handleRegisterAck(RegisterAck(cookie: m.cookie, dstMac: m.dstMac, srcMac: m.srcMac, sock: m.sock),
                              source: source, stamp: stamp, now: now)
        case .registerSuperAck(let ack):
            handleV3RegisterSuperAck(ack, v3: v3, source: source, stamp: stamp, now: now)
        case .registerSuperNak(let nak):
            guard let index = supernodeIndex(of: source) else { return statistics.countDrop(.spoofedSupernode) }
            guard verifySupernodeStamp(stamp, index: index) else { return }
            guard nak.cookie == cookie else { return statistics.countDrop(.unmatchedSuperAck) }
            statistics.countDrop(.registrationRefused)
            v3.naks += 1
            logger.error("supernode \(supernodes[index].configured) refused our registration (REGISTER_SUPER_NAK): MAC or IP address already in use by another edge of community \(configuration.community.name); retrying")
        case .peerInfo(let info) where info.isPong:
            handlePong(info, v3: v3, source: source, stamp: stamp, now: now)
        case .peerInfo(let info):
            let pendingBefore = pending.keys.contains(info.mac)
            handlePeerInfo(PeerInfo(aflags: info.aflags, mac: info.mac, sock: info.sock), source: source, stamp: stamp, now: now)
            // The peer's own LAN socket, if it gave one (-e): try it too.
            if pendingBefore, let preferred = info.preferredSock, preferred.isUsable, preferred != info.sock {
                sendRegister(to: preferred, peer: info.mac)
            }
        case .reRegisterSuper:
            guard let index = supernodeIndex(of: source) else { return statistics.countDrop(.spoofedSupernode) }
            guard verifySupernodeStamp(stamp, index: index) else { return }
            logger.info("supernode \(supernodes[index].configured) asks us to register again")
            runRegistrationRound(now: now)
        case .packet, .registerSuper, .unregisterSuper, .queryPeer, .ignored:
            statistics.countDrop(.ignoredType)
            logger.debug("ignoring v3 \(message.code) from \(source)")
        }
    }

    func handleV3RegisterSuperAck(_ ack: V3RegisterSuperAck, v3: EdgeV3ControlWire, source: PeerSocket,
                                  stamp: HeaderSeal?, now: Int64) {
        // v3 ACKs carry no edge MAC (spec 8.3): the cookie alone ties them to our round.
        let registeredBefore = supernodes.indices.contains { supernodes[$0].answeredRound == round }
        handleRegisterSuperAck(RegisterSuperAck(cookie: ack.cookie, edgeMac: configuration.mac, lifetime: ack.lifetime,
                                                sock: ack.sock),
                               source: source, stamp: stamp)
        guard let index = supernodeIndex(of: source), supernodes[index].answeredRound == round, !registeredBefore else { return }
        v3.unansweredRounds = 0
        if v3.supernodeInfo.indices.contains(index) { v3.supernodeInfo[index].mac = ack.srcMac }
        if v3.identity.deviceAddress.address == 0, ack.deviceAddress.address != 0, v3.assignedAddress != ack.deviceAddress {
            v3.assignedAddress = ack.deviceAddress
            logger.notice("supernode assigned address \(IPAddress.v4(ack.deviceAddress.address))/\(ack.deviceAddress.prefixLength)")
            host.supernodeAssignedAddress(ack.deviceAddress.address, prefixLength: Int(ack.deviceAddress.prefixLength))
        }
        learnSupernodes(ack.supernodes, v3: v3)
    }

    /// Supernodes named in an ACK that we do not know yet are added (never purged, spec 8.3).
    func learnSupernodes(_ entries: [V3SupernodeEntry], v3: EdgeV3ControlWire) {
        for entry in entries where supernodeIndex(of: entry.sock) == nil && entry.sock.isUsable {
            guard supernodes.count < Self.v3MaxSupernodes, case .v4 = entry.sock.address else { continue }
            let address = SupernodeAddress(host: "\(entry.sock.address)", port: entry.sock.port)
            var slot = SupernodeSlot(address)
            slot.stamp = ReplayGuard(start: EdgeReplayWindow.initialStamp(now: nowStamp))
            supernodes.append(slot)
            var info = EdgeV3SupernodeInfo()
            info.mac = entry.mac
            v3.supernodeInfo.append(info)
            routesChanged = true
            logger.notice("learned supernode \(address) from the supernode list")
        }
    }

    /// A PONG: the answering supernode's version, uptime, load and selection criterion (spec 8.4).
    func handlePong(_ pong: V3PeerInfo, v3: EdgeV3ControlWire, source: PeerSocket, stamp: HeaderSeal?, now: Int64) {
        guard let index = supernodeIndex(of: source) else { return statistics.countDrop(.spoofedSupernode) }
        guard verifySupernodeStamp(stamp, index: index), v3.supernodeInfo.indices.contains(index) else { return }
        var info = v3.supernodeInfo[index]
        info.mac = pong.srcMac
        info.version = pong.version.text
        info.uptime = pong.uptime
        info.load = pong.load.byteSwapped
        info.lastPong = now
        switch v3.selection {
        case .load:
            let peers = UInt64(pending.count + known.count)
            let common = UInt64(pending.count) * (wire.encryptsHeaders ? 2 : 1) / UInt64(max(1, supernodes.count))
            var criterion = UInt64(info.load) + common
            if index == currentSupernode { criterion = criterion * peers / (peers + 1) }
            info.criterion = criterion
        case .rtt:
            info.criterion = UInt64(max(0, now - Int64(bitPattern: info.pingStamp)) / 1000)
        case .mac:
            info.criterion = pong.srcMac.rawValue
        }
        v3.supernodeInfo[index] = info
        logger.debug("PONG from \(supernodes[index].configured): version \(info.version), uptime \(info.uptime) s, criterion \(info.criterion)")
    }

    /// v3 registers with the current supernode only (spec 8.3 step 3).
    func registersWith(_ index: Int) -> Bool { v3 == nil || index == currentSupernode }

    /// Before a v3 round: give up on a supernode after `v3Attempts` unanswered rounds, and run
    /// the selection sweep when it is due.
    func v3RoundStarting(_ v3: EdgeV3ControlWire, now: Int64) {
        if waitingForAck {
            v3.unansweredRounds += 1
            if v3.unansweredRounds >= Self.v3Attempts, supernodes.count > 1, let current = currentSupernode {
                v3.unansweredRounds = 0
                let next = nextResolvedSupernode(after: current)
                if next != current {
                    logger.warning("supernode \(supernodes[current].configured) not answering; switching to \(supernodes[next].configured)")
                    if v3.supernodeInfo.indices.contains(current) { v3.supernodeInfo[current].criterion = UInt64.max }
                    currentSupernode = next
                    routesChanged = true
                }
            }
        } else if supernodes.count > 1, lastRound.map({ now - ($0) >= 0 }) ?? true,
                  v3.lastSweep.map({ now - $0 >= Self.v3SweepInterval }) ?? true {
            sweep(v3, now: now)
        }
    }

    func nextResolvedSupernode(after current: Int) -> Int {
        for step in 1...supernodes.count {
            let i = (current + step) % supernodes.count
            if supernodes[i].address != nil { return i }
        }
        return current
    }

    /// Spec 8.4: switch to the best-ranked supernode (if it answered a PING and is not the
    /// current one, with UNREGISTER_SUPER to the one we leave), then PING them all again.
    func sweep(_ v3: EdgeV3ControlWire, now: Int64) {
        v3.lastSweep = now
        if let current = currentSupernode {
            var best = current
            for i in supernodes.indices where supernodes[i].address != nil && i < v3.supernodeInfo.count {
                if v3.supernodeInfo[i].lastPong != nil && v3.supernodeInfo[i].criterion < v3.supernodeInfo[best].criterion { best = i }
            }
            if best != current, v3.supernodeInfo[best].lastPong != nil {
                if let address = supernodes[current].address { sendUnregisterSuper(v3, to: address) }
                logger.notice("switching to supernode \(supernodes[best].configured) (\(v3.selection.rawValue) selection)")
                currentSupernode = best
                routesChanged = true
            }
        }
        for i in v3.supernodeInfo.indices {
            v3.supernodeInfo[i].criterion = EdgeV3SupernodeInfo.defaultCriterion
            v3.supernodeInfo[i].lastPong = nil
        }
        for i in supernodes.indices where i < v3.supernodeInfo.count {
            guard let address = supernodes[i].address else { continue }
            v3.supernodeInfo[i].pingStamp = UInt64(bitPattern: now)
            sendControl(.queryPeer(QueryPeer(srcMac: configuration.mac, targetMac: .zero)), to: address)
        }
    }

    func sendUnregisterSuper(_ v3: EdgeV3ControlWire, to address: PeerSocket) {
        let message = V3Message.unregisterSuper(V3UnregisterSuper(auth: v3.auth, srcMac: configuration.mac))
        do {
            let length = try v3.encode(message, into: controlBuffer, stamp: wire.encryptsHeaders ? makeStamp() : 0, random: random)
            datagrams.enqueue(UnsafeRawBufferPointer(rebasing: controlBuffer[0..<length]), to: address)
        } catch {
            logger.error("cannot encode UNREGISTER_SUPER: \(error)")
        }
    }

    /// Leaving (shutdown): UNREGISTER_SUPER to the current supernode (spec 8.3); nothing in v2.
    public func leave() {
        guard let v3, let current = currentSupernode, let address = supernodes[current].address else { return }
        sendUnregisterSuper(v3, to: address)
    }

    /// v3 keeps the supernode it registered with until a sweep or a failover moves it.
    func updateCurrentV3() {
        if let current = currentSupernode, supernodes.indices.contains(current), supernodes[current].address != nil { return }
        let first = supernodes.indices.first { supernodes[$0].address != nil }
        if first != currentSupernode { routesChanged = true }
        currentSupernode = first
    }
}
