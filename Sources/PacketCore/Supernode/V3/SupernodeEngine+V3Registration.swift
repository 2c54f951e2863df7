import N2NWire

// 3.x registrations (v3 spec 9.3 REGISTER_SUPER, UNREGISTER_SUPER; 6.2 simple ID; 9.5 auto-IP).
extension SupernodeEngine {
    func handleV3RegisterSuper(_ header: V3CommonHeader, _ m: V3RegisterSuper, _ found: SupernodeCommunity?,
                               _ sealed: V3Opened?, _ source: PeerSocket, _ now: Int64) {
        statistics.registerSuper &+= 1
        statistics.lastRegisterSuper = now
        let mac = m.edgeMac
        guard mac != v3.options.mac else { return drop(.badSourceMAC, source) }
        let c: SupernodeCommunity
        if let found {
            c = found
        } else {
            // Stock 3.x drops a community it does not list without an answer.
            guard !isLocked else {
                if refusalLog.admit(now: now) {
                    logger.notice("refused 3.x REGISTER_SUPER from \(mac) at \(source): community \(header.community) is not listed")
                }
                return drop(.communityNotAllowed, source)
            }
            guard let key = header.community.supernodeKey,
                  let created = createCommunity(key, dialect: .v3, mac, source, now) else { return }
            c = created
        }
        if let sealed { guard checkV3Stamp(sealed, c, mac, jitter: false, source) else { return } }
        guard m.auth.scheme != V3Auth.schemeUserPassword else {
            if refusalLog.admit(now: now) {
                logger.notice("refused REGISTER_SUPER from \(mac) at \(source): user/password authentication is not supported yet")
            }
            return nakV3(header, m, c, sealed, source, now)
        }
        guard adoptHeaderMode(c, encrypted: sealed != nil, source, now) else { return }
        c.dialect = .v3
        c.v3.field = header.community
        if c.v3.subnet == nil { c.v3.subnet = v3Subnet(for: c) }

        var assigned = V3DeviceAddress.none
        if !mac.isZero {
            // 3.x renames the entry of an edge that comes back with a new MAC and its old address;
            // here only when the token proves it is the same edge (stock renames first, then NAKs).
            if c.edges[mac] == nil, m.deviceAddress.address != 0,
               let old = c.v3.edges.first(where: { $0.value.address.address == m.deviceAddress.address
                   && (!v3.options.spoofingProtection || $0.value.auth == m.auth) })?.key {
                c.edges[mac] = c.edges.removeValue(forKey: old)
                c.v3.edges[mac] = c.v3.edges.removeValue(forKey: old)
            }
            if var edge = c.edges[mac] {
                let info = c.v3.edges[mac]
                if v3.options.spoofingProtection, let info, info.auth.scheme != V3Auth.schemeNone, info.auth != m.auth {
                    if refusalLog.admit(now: now) {
                        logger.notice("refused REGISTER_SUPER from \(mac) at \(source) in \(c.name): simple-ID token differs from the registered edge's")
                    }
                    return nakV3(header, m, c, sealed, source, now)
                }
                if edge.socket != source {
                    // Without the token check (-M) a live registration is not given away (rebindHoldoff).
                    if !v3.options.spoofingProtection, options.rebindHoldoff > 0, edge.socket.address != source.address,
                       now - edge.lastHeard < options.rebindHoldoff * Self.second {
                        return drop(.rebindRefused, source)
                    }
                    guard quotas.macs(source) < options.maxMacsPerSocket else {
                        return refuseQuota("MAC quota of the socket", mac, source, now)
                    }
                    logger.info("edge \(mac) in \(c.name) moved \(edge.socket) -> \(source)")
                    quotas.removeMac(edge.socket)
                    quotas.addMac(source)
                    edge.socket = source
                    c.v3.edges[mac]?.preferredSocket = m.sock
                }
                edge.lastSeen = now
                edge.lastHeard = now
                c.edges[mac] = edge
                if let info { assigned = V3Assign.needsAddress(m.deviceAddress) ? info.address : .none }
            } else {
                guard edgeCount < options.maxEdges else { return drop(.tableFull, source) }
                guard quotas.macs(source) < options.maxMacsPerSocket else {
                    return refuseQuota("MAC quota of the socket", mac, source, now)
                }
                guard quotas.macs(address: source.address) < options.maxMacsPerAddress else {
                    return refuseQuota("MAC quota of the address \(source.address)", mac, source, now)
                }
                guard c.edges.count < options.maxEdgesPerCommunity else {
                    return refuseQuota("edge quota of community \(c.name)", mac, source, now)
                }
                if V3Assign.needsAddress(m.deviceAddress) { assigned = v3HostAddress(in: c, for: m.deviceDescription, except: mac) }
                var edge = SupernodeEdge(socket: source, now: now, headerNow: v3Now, burst: options.broadcastBurst)
                if let sealed { _ = edge.replay.accept(sealed.seal.stamp, fingerprint: sealed.seal.fingerprint) }
                c.edges[mac] = edge
                c.v3.edges[mac] = V3EdgeInfo(
                    auth: v3.options.spoofingProtection ? m.auth : .none, description: m.deviceDescription.text,
                    address: assigned.address != 0 ? assigned : m.deviceAddress, preferredSocket: m.sock)
                edgeCount += 1
                quotas.addMac(source)
                logger.info("edge \(mac) registered in \(c.name) (3.x) from \(source)")
            }
        } else if V3Assign.needsAddress(m.deviceAddress) {
            // IP bootstrap (all-zero MAC): answered with an address, not added (v3 spec 9.3 step 8).
            assigned = v3HostAddress(in: c, for: m.deviceDescription, except: mac)
        }

        let ack = V3RegisterSuperAck(cookie: m.cookie, srcMac: v3.options.mac, deviceAddress: assigned,
                                     lifetime: options.registrationLifetime, sock: source)
        let replyHeader = V3CommonHeader(code: .registerSuperAck, flags: Self.v3ReplyFlags, community: header.community)
        replyV3(replyHeader, .registerSuperAck(ack), sealWith: v3ReplyCipher(c, sealed), to: source)
    }

    /// REGISTER_SUPER_NAK (v3 spec 9.3 step 9), rate-limited like 2.x's refusals; counted as `auth_refused`.
    func nakV3(_ header: V3CommonHeader, _ m: V3RegisterSuper, _ c: SupernodeCommunity, _ sealed: V3Opened?,
               _ source: PeerSocket, _ now: Int64) {
        drop(.authRefused, source)
        guard naks.admit(source, now: now) else { return drop(.nakRateLimited, source) }
        statistics.registerSuperNak &+= 1
        let nakHeader = V3CommonHeader(code: .registerSuperNak, flags: Self.v3ReplyFlags, community: header.community)
        replyV3(nakHeader, .registerSuperNak(V3RegisterSuperNak(cookie: m.cookie, srcMac: m.edgeMac)),
                sealWith: v3ReplyCipher(c, sealed), to: source)
    }

    /// v3 spec 9.3: deletes the edge when its token matches (under `-M`: when sent from its socket).
    func handleV3UnregisterSuper(_ m: V3UnregisterSuper, _ found: SupernodeCommunity?, _ sealed: V3Opened?,
                                 _ source: PeerSocket, _ now: Int64) {
        guard let c = found else { return drop(.unknownCommunity, source) }
        guard let edge = c.edges[m.srcMac] else { return drop(.unknownDestination, source) }
        if let sealed { guard checkV3Stamp(sealed, c, m.srcMac, jitter: false, source) else { return } }
        if let info = c.v3.edges[m.srcMac], info.auth.scheme != V3Auth.schemeNone, info.auth != m.auth {
            return drop(.authRefused, source)
        }
        // Without a stored token (-M) only the registered socket may take its edge away.
        if c.v3.edges[m.srcMac]?.auth.scheme ?? V3Auth.schemeNone == V3Auth.schemeNone, edge.socket != source {
            return drop(.unregisteredSender, source)
        }
        c.edges[m.srcMac] = nil
        c.v3.edges[m.srcMac] = nil
        edgeCount -= 1
        quotas.removeMac(edge.socket)
        logger.info("edge \(m.srcMac) unregistered from \(c.name)")
    }

    // MARK: - Automatic addresses (v3 spec 9.5)

    /// The community's auto-IP subnet: from the community file, else hashed into the `-a` pool,
    /// avoiding the subnets of other communities; nil when the pool is exhausted.
    func v3Subnet(for c: SupernodeCommunity) -> V3DeviceAddress? {
        if let given = v3.options.communitySubnets[c.name] { return given }
        let pool = v3.options.autoIPPool
        var taken = Set<UInt32>()
        for other in communities.values where other !== c {
            if let s = other.v3.subnet { taken.insert(s.address) }
        }
        let shift = 32 - UInt32(pool.prefixLength)
        let field = V3Community(c.name).bytes
        let start = UInt32(truncatingIfNeeded: PearsonB.hash64(field)) % pool.count
        func free(_ index: UInt32) -> Bool {
            let net = pool.first &+ index << shift
            return !taken.contains(net) && !v3.options.communitySubnets.values.contains { V3Assign.overlaps($0, net, pool.prefixLength) }
        }
        // Down to the first subnet, then up to the last; `taken` bounds the steps.
        var index = start
        while true {
            if free(index) { return V3DeviceAddress(address: pool.first &+ index << shift, prefixLength: pool.prefixLength) }
            if index == 0 { break }
            index -= 1
        }
        index = start
        while index + 1 < pool.count {
            index += 1
            if free(index) { return V3DeviceAddress(address: pool.first &+ index << shift, prefixLength: pool.prefixLength) }
        }
        return nil
    }

    /// An edge address in the community's subnet: the description's hash as host part, moved down
    /// (then up) past addresses other edges hold.
    func v3HostAddress(in c: SupernodeCommunity, for description: WireBytes, except mac: MACAddress) -> V3DeviceAddress {
        guard let subnet = c.v3.subnet else { return .none }
        let hostMask = UInt32.max >> UInt32(subnet.prefixLength)
        var taken = Set<UInt32>()
        for (other, info) in c.v3.edges where other != mac { taken.insert(info.address.address) }
        let net = subnet.address & ~hostMask
        var host = UInt32(truncatingIfNeeded: PearsonB.hash64(description.bytes)) & hostMask
        if host == 0 { host = 1 }
        if host == hostMask { host = hostMask - 1 }
        let start = host
        while host >= 1 {
            if !taken.contains(net | host) { return V3DeviceAddress(address: net | host, prefixLength: subnet.prefixLength) }
            host -= 1
        }
        host = start
        while host + 1 < hostMask {
            host += 1
            if !taken.contains(net | host) { return V3DeviceAddress(address: net | host, prefixLength: subnet.prefixLength) }
        }
        return .none
    }
}

/// The address rules of v3 spec 9.3 step 5 and 9.5.
enum V3Assign {
    /// 0, 255.255.255.255, prefix 0 or 169.254.0.0/16: the edge asks for an address.
    static func needsAddress(_ a: V3DeviceAddress) -> Bool {
        a.address == 0 || a.address == UInt32.max || a.prefixLength == 0 || a.address >> 16 == 0xA9FE
    }

    static func overlaps(_ a: V3DeviceAddress, _ net: UInt32, _ length: UInt8) -> Bool {
        let shortest = UInt32(min(a.prefixLength, length))
        let mask = shortest == 0 ? 0 : UInt32.max << (32 - shortest)
        return a.address & mask == net & mask
    }
}
