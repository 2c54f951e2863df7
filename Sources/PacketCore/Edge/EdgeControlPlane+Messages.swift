import N2NWire

// The control messages a worker hands over after header decryption (spec 5.7): REGISTER and
// REGISTER_ACK between peers, and what the supernodes send.
extension EdgeControlPlane {
    func handleControlMessage(_ message: Message, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64) {
        switch message {
        case .register(let register):
            handleRegister(register, viaSupernode: viaSupernode, source: source, stamp: stamp, now: now)
        case .registerAck(let ack):
            handleRegisterAck(ack, source: source, stamp: stamp, now: now)
        case .registerSuperAck(let ack):
            handleRegisterSuperAck(ack, source: source, stamp: stamp)
        case .peerInfo(let info):
            handlePeerInfo(info, source: source, stamp: stamp, now: now)
        case .registerSuperNak(let nak):
            // 2.x edges ignore it; saying why registration fails is the point of sending it.
            statistics.countDrop(.ignoredType)
            if supernodes.contains(where: { $0.address == source }) {
                logger.error("supernode \(source) refused community \(configuration.community.name) (REGISTER_SUPER_NAK, cookie \(nak.cookie))")
            }
        case .packet, .registerSuper, .queryPeer, .ignored:
            statistics.countDrop(.ignoredType)
            logger.debug("ignoring \(message.code) from \(source)")
        }
    }

    /// Checks FROM_SUPERNODE against the UDP source (spec 10.2 item 13: the flag alone proves
    /// nothing) and runs the -H stamp check with the matching `prev` (spec 4.6).
    func admit(viaSupernode: Bool, srcMac: MACAddress, source: PeerSocket, stamp: HeaderSeal?) -> Bool {
        if viaSupernode {
            guard let sn = supernodeIndex(of: source) else {
                statistics.countDrop(.spoofedSupernode)
                return false
            }
            return verifySupernodeStamp(stamp, index: sn)
        }
        return verifyPeerStamp(stamp, mac: srcMac)
    }

    @inline(__always)
    func isForeignSource(_ mac: MACAddress) -> Bool {
        mac != configuration.mac && !mac.isGroup && !mac.isZero
    }

    func handleRegister(_ register: Register, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64) {
        if register.dstMac.isZero {
            if register.srcMac == configuration.mac { return } // our own discovery REGISTER looped back
        } else if register.dstMac != configuration.mac && !localHosts.contains(register.dstMac) {
            statistics.countDrop(.registerNotForUs)
            return
        }
        guard isForeignSource(register.srcMac), !localHosts.contains(register.srcMac) else {
            statistics.countDrop(.badSourceMAC)
            return
        }
        guard admit(viaSupernode: viaSupernode, srcMac: register.srcMac, source: source, stamp: stamp) else { return }
        // A direct REGISTER is answered where it came from, never at an address it only names
        // (as 2.8 does: the sock field counts only when a supernode relayed it).
        let sock = viaSupernode
            ? configuration.peerSocket(named: register.sock, source: source, viaSupernode: true) : source
        if !viaSupernode {
            pending.removeValue(forKey: register.srcMac)
            if configuration.allowP2P {
                // A host behind us answers as itself, so the peer maps its MAC to our socket.
                let answering = register.dstMac.isZero ? configuration.mac : register.dstMac
                sendControl(.registerAck(RegisterAck(cookie: register.cookie, dstMac: register.srcMac,
                                                     srcMac: answering)), to: sock)
            }
        }
        handlePeerSeen(register.srcMac, sock: sock, viaSupernode: viaSupernode, now: now)
        if !viaSupernode { recordPeerStamp(stamp, mac: register.srcMac) }
    }
}
