import N2NWire

// The 3.x control plane (v3 spec 9): receive, header keys, replies. It shares the community table,
// quotas, limits, counters, scratch buffer and sink with the 2.x one; the dispatch between the two
// is `handleDatagram` (SupernodeEngine+Dialects).
extension SupernodeEngine {
    /// A 3.x datagram whose header was decrypted with one community's v3 keys.
    struct V3Opened {
        var community: SupernodeCommunity
        var seal: HeaderSeal
        var headerLength: Int
    }

    /// SOCKET|FROM_SUPERNODE, built once (see `relayFlags`).
    static let v3ReplyFlags = relayFlags

    /// Keys a listed community for 3.x `-H` edges (v3 spec 5.2: static keys from the 20-byte field).
    func addV3Keys(_ c: SupernodeCommunity) {
        c.v3.cipher = V3HeaderCipher(community: V3Community(c.name))
        v3.trialOrder.append(c)
    }

    /// v3 spec 9.2 after classification.
    func handleV3Datagram(_ datagram: UnsafeMutableRawBufferPointer, from source: PeerSocket, opened sealed: V3Opened?,
                          _ now: Int64) {
        let raw = UnsafeRawBufferPointer(datagram)
        let community: SupernodeCommunity?
        if let sealed {
            community = sealed.community
        } else {
            guard let key = V3Community(loadingFrom: raw, at: 4).supernodeKey else {
                return drop(.communityNameTooLong, source)
            }
            community = communities[key]
            if let c = community, c.headerMode == .encrypted { return drop(.plainInEncryptedCommunity, source) }
        }
        if let c = community, c.dialect == .v2 { return drop(.dialectMismatch, source) }

        let packet: V3DecodedPacket
        do {
            packet = try V3Codec.decode(raw)
        } catch {
            return drop(DropReason(error), source)
        }
        let header = packet.header
        guard header.ttl > 0 else { return drop(.ttlZero, source) }
        // No federation yet: nothing a supernode relayed may come in (v3 spec 9.2 step 5).
        if header.flags.contains(.fromSupernode) {
            return drop(header.code == .packet || header.code == .register ? .relayLoop : .spoofedSupernode, source)
        }
        switch packet.message {
        case .registerSuper(let m):
            handleV3RegisterSuper(header, m, community, sealed, source, now)
        case .unregisterSuper(let m):
            handleV3UnregisterSuper(m, community, sealed, source, now)
        case .packet(let m):
            handleV3Packet(packet, m, datagram, community, sealed, source, now)
        case .register(let m):
            handleV3Register(header, m, community, sealed, source, now)
        case .queryPeer(let m):
            handleV3QueryPeer(header, m, community, sealed, source, now)
        default:
            drop(.ignoredType, source)
        }
    }

    /// Trial decryption with the v3 keys of the listed communities not held by 2.x edges (v3 spec
    /// 5.8). nil: no key matched; `.some(nil)`: a key matched and the checksum did not (counted).
    func openV3Encrypted(_ datagram: UnsafeMutableRawBufferPointer, from source: PeerSocket) -> V3Opened?? {
        for c in v3.trialOrder where c.dialect != .v2 {
            guard let cipher = c.v3.cipher else { continue }
            do throws(HeaderCryptoError) {
                let (seal, headerLength) = try cipher.decryptSealed(datagram)
                c.v3.encryptedPackets &+= 1
                return V3Opened(community: c, seal: seal, headerLength: headerLength)
            } catch {
                if case .badChecksum = error {
                    drop(.headerChecksum, source)
                    return .some(nil)
                }
            }
        }
        return nil
    }

    /// The current wall time as a v3 stamp without counter (window checks).
    var v3Now: UInt64 {
        let t = clock.wallTime
        return V3Stamp.now(unixSeconds: UInt64(truncatingIfNeeded: t.seconds), microseconds: UInt64(max(t.microseconds, 0)))
    }

    /// v3 spec 5.3/5.7: window and replay slot of a known edge, or the window alone.
    func checkV3Stamp(_ sealed: V3Opened, _ c: SupernodeCommunity, _ mac: MACAddress, jitter: Bool,
                      _ source: PeerSocket) -> Bool {
        do throws(HeaderCryptoError) {
            if let i = c.edges.index(forKey: mac) {
                try V3Stamp.check(sealed.seal, now: v3Now, slot: &c.edges.values[i].replay, allowJitter: jitter)
            } else if !HeaderStamp.isWithinFrame(sealed.seal.stamp, now: v3Now) {
                throw HeaderCryptoError.stampOutsideWindow(stamp: sealed.seal.stamp, now: v3Now)
            }
            return true
        } catch {
            drop(DropReason(error), source)
            return false
        }
    }

    /// Admission of PACKET, REGISTER and QUERY_PEER (as `admitSender` for 2.x): header mode,
    /// registered sender, stamp; refreshes the sender's `lastHeard`.
    func admitV3Sender(_ mac: MACAddress, _ c: SupernodeCommunity, _ sealed: V3Opened?, jitter: Bool,
                       _ source: PeerSocket, _ now: Int64) -> Bool {
        if sealed != nil, c.headerMode == .plain {
            drop(.encryptedInPlainCommunity, source)
            return false
        }
        if options.requireRegisteredSender {
            guard let edge = c.edges[mac], edge.socket == source else {
                drop(.unregisteredSender, source)
                return false
            }
        }
        if let sealed, !checkV3Stamp(sealed, c, mac, jitter: jitter, source) { return false }
        if let i = c.edges.index(forKey: mac), c.edges.values[i].socket == source { c.edges.values[i].lastHeard = now }
        return true
    }

    /// Header-encrypts the first `length` scratch bytes over `headerLength` with a fresh stamp.
    func sealV3(_ cipher: V3HeaderCipher, length: Int, headerLength: Int, _ source: PeerSocket) -> Bool {
        let t = clock.wallTime
        let stamp = v3.stamps.next(unixSeconds: UInt64(truncatingIfNeeded: t.seconds),
                                   microseconds: UInt64(max(t.microseconds, 0)))
        do {
            try cipher.encrypt(UnsafeMutableRawBufferPointer(rebasing: scratch[0..<length]), headerLength: headerLength,
                               stamp: stamp, random: v3.random)
            return true
        } catch {
            drop(.sealFailed, source)
            return false
        }
    }

    func encodeV3(_ header: V3CommonHeader, _ message: V3Message, _ source: PeerSocket) -> Int? {
        do {
            return try V3Codec.encode(header, message, into: scratch)
        } catch {
            drop(.oversize, source)
            return nil
        }
    }

    /// Sends a control message, header-encrypted with `cipher` when given.
    func replyV3(_ header: V3CommonHeader, _ message: V3Message, sealWith cipher: V3HeaderCipher?,
                 to destination: PeerSocket) {
        guard let length = encodeV3(header, message, destination) else { return }
        if let cipher { guard sealV3(cipher, length: length, headerLength: length, destination) else { return } }
        output.enqueue(UnsafeRawBufferPointer(rebasing: scratch[0..<length]), to: destination)
        statistics.replies &+= 1
    }

    /// The key replies in `c` are sealed with: the community's, when its edges encrypt.
    func v3ReplyCipher(_ c: SupernodeCommunity?, _ sealed: V3Opened?) -> V3HeaderCipher? {
        sealed == nil ? nil : c?.v3.cipher
    }

    /// Seconds since start (PONG, PEER_INFO).
    var uptimeSeconds: UInt32 {
        UInt32(clamping: (clock.monotonicNanoseconds - startNanoseconds) / Self.second)
    }
}
