import N2NWire

// RX path (spec 5.7) for datagrams from the main socket and the discovery socket.
extension EdgeEngine {
    /// One UDP datagram and its source. The buffer is modified in place (header decryption).
    public func handleDatagram(_ datagram: UnsafeMutableRawBufferPointer, from source: PeerSocket) {
        var stamp: HeaderSeal?
        if let headerCipher {
            do {
                stamp = try headerCipher.decryptSealed(datagram).seal
            } catch {
                statistics.countDrop(DropReason(error))
                return
            }
        }
        let decoded: DecodedPacket
        do {
            decoded = try WireCodec.decode(UnsafeRawBufferPointer(datagram))
        } catch {
            statistics.countDrop(DropReason(error))
            logger.debug("dropping datagram from \(source): \(error)")
            return
        }
        guard decoded.header.community == configuration.community else {
            statistics.countDrop(.otherCommunity)
            return
        }
        let viaSupernode = decoded.header.flags.contains(.fromSupernode)
        let now = clock.monotonicNanoseconds
        switch decoded.message {
        case .packet(let header):
            handlePacket(header, viaSupernode: viaSupernode,
                         payload: UnsafeRawBufferPointer(rebasing: datagram[decoded.bodyEnd...]),
                         source: source, stamp: stamp, now: now)
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
        case .registerSuper, .queryPeer, .ignored:
            statistics.countDrop(.ignoredType)
            logger.debug("ignoring \(decoded.header.code) from \(source)")
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

    /// The peer's socket: the supernode's sock field unless absent or loopback, else the UDP source.
    @inline(__always)
    func peerSocket(_ sock: PeerSocket?, source: PeerSocket) -> PeerSocket {
        if let sock, !sock.address.isLoopback { return sock }
        return source
    }

    @inline(__always)
    func isForeignSource(_ mac: MACAddress) -> Bool {
        mac != configuration.mac && !mac.isGroup && !mac.isZero
    }

    func handlePacket(_ header: PacketHeader, viaSupernode: Bool, payload: UnsafeRawBufferPointer,
                      source: PeerSocket, stamp: HeaderSeal?, now: Int64) {
        guard isForeignSource(header.srcMac) else {
            statistics.countDrop(.badSourceMAC)
            return
        }
        guard admit(viaSupernode: viaSupernode, srcMac: header.srcMac, source: source, stamp: stamp) else { return }
        let sock = peerSocket(header.sock, source: source)
        if viaSupernode {
            statistics.rxSupernode &+= 1
            if header.dstMac.isBroadcast { statistics.rxSupernodeBroadcast &+= 1 }
            statistics.lastSupernode = clock.wallTime.seconds
        } else {
            statistics.rxP2P &+= 1
            statistics.lastP2P = clock.wallTime.seconds
            pending.removeValue(forKey: header.srcMac)
        }
        peerSeen(header.srcMac, sock: sock, viaSupernode: viaSupernode, now: now)
        if !viaSupernode { recordPeerStamp(stamp, mac: header.srcMac) }

        let length: Int
        do {
            length = try pipeline.open(payload: payload, transform: header.transform, into: frameBuffer)
        } catch {
            switch error {
            case .transform(.wrongTransform): statistics.countDrop(.wrongTransform)
            case .transform(.decompressionFailed), .transform(.unsupportedCompression): statistics.countDrop(.decompressFailed)
            case .badFrameLength: statistics.countDrop(.shortFrame)
            default: statistics.countDrop(.transformFailed)
            }
            logger.debug("dropping PACKET from \(header.srcMac): \(error)")
            return
        }
        let frame = UnsafeRawBufferPointer(rebasing: frameBuffer[0..<length])
        statistics.transformRx &+= 1
        if configuration.dropMulticast && EdgeFrameFilters.isFilteredMulticast(frame) {
            statistics.countDrop(.rxMulticast)
            return
        }
        if !configuration.allowRouting && EdgeFrameFilters.rxIsRouted(frame, ownIPv4: tapIPv4) {
            statistics.countDrop(.rxRouted)
            return
        }
        frames.writeFrame(frame)
    }

    func handleRegister(_ register: Register, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64) {
        if register.dstMac.isZero {
            if register.srcMac == configuration.mac { return } // our own discovery REGISTER looped back
        } else if register.dstMac != configuration.mac {
            statistics.countDrop(.registerNotForUs)
            return
        }
        guard isForeignSource(register.srcMac) else {
            statistics.countDrop(.badSourceMAC)
            return
        }
        guard admit(viaSupernode: viaSupernode, srcMac: register.srcMac, source: source, stamp: stamp) else { return }
        let sock = peerSocket(register.sock, source: source)
        if !viaSupernode {
            pending.removeValue(forKey: register.srcMac)
            if configuration.allowP2P {
                sendControl(.registerAck(RegisterAck(cookie: register.cookie, dstMac: register.srcMac,
                                                     srcMac: configuration.mac)), to: sock)
            }
        }
        peerSeen(register.srcMac, sock: sock, viaSupernode: viaSupernode, now: now)
        if !viaSupernode { recordPeerStamp(stamp, mac: register.srcMac) }
    }
}
