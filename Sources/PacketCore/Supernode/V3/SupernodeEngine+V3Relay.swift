import N2NWire

// 3.x relaying and peer queries (v3 spec 9.3 PACKET, REGISTER, QUERY_PEER): re-encoded with the
// sender's socket, re-sealed with a fresh stamp, sent through the same sink and fan-out as 2.x.
extension SupernodeEngine {
    func handleV3Packet(_ packet: V3DecodedPacket, _ m: V3PacketHeader, _ datagram: UnsafeMutableRawBufferPointer,
                        _ found: SupernodeCommunity?, _ sealed: V3Opened?, _ source: PeerSocket, _ now: Int64) {
        guard let c = found else { return drop(.unknownCommunity, source) }
        statistics.lastForward = now
        guard admitV3Sender(m.srcMac, c, sealed, jitter: true, source, now) else { return }

        var target: PeerSocket?
        var copies = Int.max
        if m.dstMac.isSupernodeMulticast {
            copies = broadcastBudget(m.srcMac, c, now)
            guard copies > 0 else { return drop(.broadcastRateLimited, source) }
        } else {
            guard let edge = c.edges[m.dstMac] else { return drop(.unknownDestination, source) }
            target = edge.socket
        }

        // As for 2.x: the relayed copy names the sender's socket only to receivers of its family.
        let header = packet.header
        let cipher = v3ReplyCipher(c, sealed)
        func relayed(naming sock: PeerSocket?) -> UnsafeRawBufferPointer? {
            let body = V3PacketHeader(srcMac: m.srcMac, dstMac: m.dstMac, sock: sock, compression: m.compression,
                                      transform: m.transform)
            let outHeader = V3CommonHeader(ttl: header.ttl - 1, code: .packet, flags: Self.v3ReplyFlags,
                                           community: header.community)
            let payloadLength = datagram.count - packet.bodyEnd
            guard body.headerLength + payloadLength <= scratch.count else {
                drop(.oversize, source)
                return nil
            }
            guard let headerLength = encodeV3(outHeader, .packet(body), source) else { return nil }
            if payloadLength > 0 {
                scratch.baseAddress!.advanced(by: headerLength)
                    .copyMemory(from: datagram.baseAddress!.advanced(by: packet.bodyEnd), byteCount: payloadLength)
            }
            let length = headerLength + payloadLength
            if let cipher { guard sealV3(cipher, length: length, headerLength: headerLength, source) else { return nil } }
            return UnsafeRawBufferPointer(rebasing: scratch[0..<length])
        }
        deliverRelayed(to: target, in: c, from: m.srcMac, budget: copies, source, now, relayed)
    }

    func handleV3Register(_ header: V3CommonHeader, _ m: V3Register, _ found: SupernodeCommunity?,
                          _ sealed: V3Opened?, _ source: PeerSocket, _ now: Int64) {
        guard let c = found else { return drop(.unknownCommunity, source) }
        statistics.lastForward = now
        guard admitV3Sender(m.srcMac, c, sealed, jitter: false, source, now) else { return }
        guard !m.dstMac.isSupernodeMulticast else { return drop(.multicastRegister, source) }
        guard let target = c.edges[m.dstMac]?.socket else { return drop(.unknownDestination, source) }
        guard target.sameFamily(as: source) else { return drop(.otherFamily, source) }
        var body = m
        body.sock = source
        let outHeader = V3CommonHeader(ttl: header.ttl - 1, code: .register, flags: Self.v3ReplyFlags,
                                       community: header.community)
        guard let length = encodeV3(outHeader, .register(body), source) else { return }
        if let cipher = v3ReplyCipher(c, sealed) {
            guard sealV3(cipher, length: length, headerLength: length, source) else { return }
        }
        output.enqueue(UnsafeRawBufferPointer(rebasing: scratch[0..<length]), to: target)
        statistics.forwarded &+= 1
    }

    /// PING (all-zero target) → PONG; otherwise PEER_INFO about a registered edge.
    func handleV3QueryPeer(_ header: V3CommonHeader, _ m: V3QueryPeer, _ found: SupernodeCommunity?,
                           _ sealed: V3Opened?, _ source: PeerSocket, _ now: Int64) {
        if m.isPing {
            // Answered for any community a registration could create; plain when it is not here.
            guard found != nil || !isLocked else { return drop(.unknownCommunity, source) }
            if let c = found, let sealed { guard checkV3Stamp(sealed, c, m.srcMac, jitter: true, source) else { return } }
            // The load field goes out as 0, as 3.1.1 sends it (v3 spec 9.7).
            let pong = V3PeerInfo(srcMac: v3.options.mac, mac: .zero, sock: source, load: 0, uptime: uptimeSeconds,
                                  version: v3.options.versionText)
            let replyHeader = V3CommonHeader(code: .peerInfo, flags: .fromSupernode, community: header.community)
            return replyV3(replyHeader, .peerInfo(pong), sealWith: v3ReplyCipher(found, sealed), to: source)
        }
        guard let c = found else { return drop(.unknownCommunity, source) }
        guard admitV3Sender(m.srcMac, c, sealed, jitter: true, source, now) else { return }
        guard let target = c.edges[m.targetMac] else { return drop(.unknownDestination, source) }
        guard target.socket.sameFamily(as: source) else { return drop(.otherFamily, source) }
        let info = V3PeerInfo(srcMac: m.srcMac, mac: m.targetMac, sock: target.socket,
                              preferredSock: c.v3.edges[m.targetMac]?.preferredSocket, load: 0,
                              uptime: uptimeSeconds, version: v3.options.versionText)
        let replyHeader = V3CommonHeader(code: .peerInfo, flags: .fromSupernode, community: header.community)
        replyV3(replyHeader, .peerInfo(info), sealWith: v3ReplyCipher(c, sealed), to: source)
    }
}
