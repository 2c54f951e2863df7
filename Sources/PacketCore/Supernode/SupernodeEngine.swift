import LinuxSystem
import Logging
import N2NWire

/// The supernode's protocol logic (spec 6): registrations, relaying, peer queries, header encryption,
/// purging and statistics. No sockets: datagrams come in through `handleDatagram`, replies and relayed
/// copies leave through the output sink. Single-threaded; not Sendable.
///
/// Header-encryption modes (spec 4.7, with the fix of spec 10.2 item 16). 2.8 fixes a whitelisted
/// community's mode with the first packet it sees, so one forged plain packet disables `-H` for it
/// until restart. Here the mode follows the registered edges instead:
/// * a whitelisted community starts *unknown*; a plain REGISTER_SUPER makes it *plain*, an encrypted
///   (verified) one makes it *encrypted*;
/// * while *encrypted*, plain packets naming it are dropped (no downgrade), as in 2.8;
/// * while *plain*, encrypted packets other than REGISTER_SUPER are dropped; an encrypted
///   REGISTER_SUPER upgrades it to *encrypted* and evicts the plain edges, but only once no plain
///   edge has been heard for `headerModeSwitchQuiet` seconds: the `-H` key is derived from the
///   community name, so knowing the name must not be enough to evict live plain edges (issue 10
///   item 6; docs/security.md);
/// * when a purge leaves it without edges it returns to *unknown*.
/// Nothing changes on the wire. Dynamically created communities are plain for ever (no keys).
///
/// Time: every age, purge and rate is measured on the injected clock's monotonic time, so a step
/// of the wall clock cannot purge or refresh anything; wall time only feeds header stamps (whose
/// format is wall time) and what people read. The engine reports its next timer as
/// `nextDeadline`; the host calls `tick()` when it has passed.
public final class SupernodeEngine {
    public private(set) var options: SupernodeEngineOptions
    public let clock: any MonotonicClock
    /// Monotonic nanoseconds at creation (uptime).
    public let startNanoseconds: Int64
    public private(set) var statistics = SupernodeStatistics()
    /// Communities by lookup key (spec 6.1).
    public private(set) var communities: [Community: SupernodeCommunity] = [:]
    /// Registered edges over all communities.
    public private(set) var edgeCount = 0
    public var isLocked: Bool { options.whitelist != nil }
    public var logger: Logger

    private let output: any DatagramSink
    private let random: (any RandomSource)?
    /// Keys communities listed later by `replaceWhitelist`.
    private let headerCipherFactory: SupernodeHeaderCipherFactory?
    /// Communities with header keys, in trial-decryption order (spec 4.7, re-sorted by `sortTrialOrder`).
    private var trialOrder: [SupernodeCommunity] = []
    /// The community each header-encrypted edge's socket registered in: tried first, so trial
    /// decryption costs one attempt for registered edges whatever the number of communities
    /// (spec 10.3 item 22). Rebuilt at every purge.
    private var sourceHint: [PeerSocket: SupernodeCommunity] = [:]
    /// Where relayed datagrams and replies are built; reused for every packet.
    private let scratch: UnsafeMutableRawBufferPointer
    /// Monotonic nanoseconds of the next purge and the next re-sort of the trial order.
    private var nextPurge: Int64
    private var nextSort: Int64
    /// Per-socket, per-address counts behind the quotas (issue 10 item 5).
    private var quotas = SupernodeQuotas()
    /// Refused registrations and relay loops are logged through these (issue 10 item 8).
    private var refusalLog: RateLimitedLog
    private var loopLog: RateLimitedLog
    /// Broadcast frames the per-sender budget cut short (issue 18: it says so, not only in a counter).
    private var budgetLog: RateLimitedLog
    private var naks: NakLimiter
    /// Sockets a broadcast already went to: one copy per socket however many MACs it registered
    /// (issue 10 item 2). Kept between packets so the fan-out does not allocate.
    private var fanOutSeen = Set<PeerSocket>(minimumCapacity: 256)

    /// - Parameters:
    ///   - headerCipherFactory: builds header keys for whitelisted communities; nil = no `-H` support.
    ///   - random: source of the 12 random stamp bits of sealed headers (required with a cipher factory).
    public init(options: SupernodeEngineOptions, output: any DatagramSink,
                headerCipherFactory: SupernodeHeaderCipherFactory? = nil, random: (any RandomSource)? = nil,
                logger: Logger = Logger(label: "n2n.supernode"), clock: any MonotonicClock) {
        precondition(options.purgeInterval >= 1 && options.sortInterval >= 1, "timer intervals must be >= 1 s")
        self.options = options
        self.output = output
        self.random = random
        self.headerCipherFactory = headerCipherFactory
        self.logger = logger
        self.clock = clock
        let now = clock.monotonicNanoseconds
        startNanoseconds = now
        nextPurge = now + options.purgeInterval * Self.second
        nextSort = now + options.sortInterval * Self.second
        refusalLog = RateLimitedLog(burst: options.refusalLogBurst, summaryInterval: 60 * Self.second, now: now)
        loopLog = RateLimitedLog(burst: options.refusalLogBurst, summaryInterval: 60 * Self.second, now: now)
        budgetLog = RateLimitedLog(burst: options.refusalLogBurst, summaryInterval: 60 * Self.second, now: now)
        naks = NakLimiter(rate: options.nakRate, spacing: options.nakSpacing * Self.second, capacity: 4096, now: now)
        // Room for the largest input plus the sock a relay inserts (IPv6 at most).
        scratch = .allocate(byteCount: max(options.maxDatagramSize, 64) + 64, alignment: 16)
        scratch.initializeMemory(as: UInt8.self, repeating: 0)
        for listed in options.whitelist ?? [] { addListed(listed.lookupKey) }
    }

    private func addListed(_ key: Community) {
        guard key != Community(low: 0, high: 0), communities[key] == nil else { return }
        let c = SupernodeCommunity(community: key, whitelisted: true, cipher: headerCipherFactory?(key))
        communities[key] = c
        if c.cipher != nil { trialOrder.append(c) }
    }

    deinit { scratch.deallocate() }

    // MARK: - Receive pipeline (spec 6.3)

    /// Processes one datagram from the main UDP socket. The buffer is modified (header decryption in
    /// place); everything sent in response goes to the output sink before this returns.
    public func handleDatagram(_ datagram: UnsafeMutableRawBufferPointer, from source: PeerSocket) {
        let now = clock.monotonicNanoseconds
        let n = datagram.count
        if n == 0 { statistics.count(.empty); return }
        guard n >= CommonHeader.size else { return drop(.tooShort, source) }

        var community: SupernodeCommunity?
        var sealed: Opened?
        if headerLooksPlain(UnsafeRawBufferPointer(datagram)) {
            community = communities[Community(loadingFrom: UnsafeRawBufferPointer(datagram), at: 4).lookupKey]
            if let c = community, c.headerMode == .encrypted { return drop(.plainInEncryptedCommunity, source) }
        } else if trialOrder.isEmpty {
            return drop(Self.plainFailure(datagram), source)
        } else {
            guard let opened = openEncrypted(datagram, from: source) else { return }
            community = opened.community
            sealed = opened
        }

        let packet: DecodedPacket
        do {
            packet = try WireCodec.decode(UnsafeRawBufferPointer(datagram))
        } catch {
            return drop(DropReason(error), source)
        }
        guard packet.header.ttl > 0 else { return drop(.ttlZero, source) }

        switch packet.message {
        case .registerSuper(let m):
            handleRegisterSuper(packet.header, m, community, sealed, source, now)
        case .packet(let m):
            handlePacket(packet, m, datagram, community, sealed, source, now)
        case .register(let m):
            handleRegister(packet.header, m, datagram, community, sealed, source, now)
        case .queryPeer(let m):
            handleQueryPeer(packet.header, m, community, sealed, source, now)
        default:
            drop(.ignoredType, source)
        }
    }

    /// A locked supernode refuses a community it does not list: a REGISTER_SUPER_NAK (which 2.x edges
    /// ignore and ours log), counted in `reg_nak` and as a drop, and logged. Both the NAK and the log
    /// line are rate-limited, so a scanner gets little and the log stays small (issue 10 item 8).
    private func refuse(_ header: CommonHeader, _ m: RegisterSuper, _ source: PeerSocket, _ now: Int64) {
        if refusalLog.admit(now: now) {
            logger.notice("refused REGISTER_SUPER from \(m.edgeMac) at \(source): community \(header.community.name) is not listed")
        }
        drop(.communityNotAllowed, source)
        guard naks.admit(source, now: now) else { return drop(.nakRateLimited, source) }
        statistics.registerSuperNak &+= 1
        let nakHeader = CommonHeader(ttl: CommonHeader.defaultTTL, code: .registerSuperNak, flags: Self.nakFlags,
                                     community: header.community)
        reply(nakHeader, .registerSuperNak(RegisterSuperNak(cookie: m.cookie)), encryptedWith: nil, to: source, now)
    }

    /// A registration refused by a quota: counted, logged through the refusal bucket, no answer.
    private func refuseQuota(_ what: String, _ mac: MACAddress, _ source: PeerSocket, _ now: Int64) {
        if refusalLog.admit(now: now) { logger.notice("refused REGISTER_SUPER from \(mac) at \(source): \(what)") }
        drop(.quotaExceeded, source)
    }

    /// Spec 6.3.4.
    private func handleRegisterSuper(_ header: CommonHeader, _ m: RegisterSuper, _ found: SupernodeCommunity?,
                                     _ sealed: Opened?, _ source: PeerSocket, _ now: Int64) {
        statistics.registerSuper &+= 1
        statistics.lastRegisterSuper = now
        let c: SupernodeCommunity
        if let found {
            c = found
        } else {
            guard !isLocked else { return refuse(header, m, source, now) }
            guard communities.count < options.maxCommunities else { return drop(.tableFull, source) }
            guard quotas.communities(createdBy: source.address) < options.maxCommunitiesPerAddress else {
                return refuseQuota("too many communities from \(source.address)", m.edgeMac, source, now)
            }
            guard quotas.macs(source) < options.maxMacsPerSocket else {
                return refuseQuota("MAC quota of the socket", m.edgeMac, source, now)
            }
            c = SupernodeCommunity(community: header.community.lookupKey, whitelisted: false, cipher: nil)
            c.creator = source.address
            quotas.addCommunity(createdBy: source.address)
            communities[c.community] = c
            logger.info("community \(c.name) created")
        }
        if let sealed {
            guard checkStamp(sealed, c, m.edgeMac, source, now) else { return }
            if c.headerMode == .plain {
                // Header encryption wins over plain only once the plain edges are quiet (type comment).
                let quietSince = now - options.headerModeSwitchQuiet * Self.second
                if c.edges.values.contains(where: { $0.lastHeard > quietSince }) {
                    return drop(.encryptedInPlainCommunity, source)
                }
                logger.notice("community \(c.name) switches to header encryption; \(c.edges.count) quiet plain edges evicted")
                edgeCount -= c.edges.count
                c.edges.removeAll()
                quotas.recount(communities.values)
            }
            c.headerMode = .encrypted
        } else if c.headerMode == .unknown {
            c.headerMode = .plain
        }

        let mac = m.edgeMac
        if var edge = c.edges[mac] {
            if edge.socket != source {
                if options.rebindHoldoff > 0, edge.socket.address != source.address,
                   now - edge.lastHeard < options.rebindHoldoff * Self.second {
                    return drop(.rebindRefused, source)
                }
                guard quotas.macs(source) < options.maxMacsPerSocket else {
                    return refuseQuota("MAC quota of the socket", mac, source, now)
                }
                guard edge.socket.address.quotaKey == source.address.quotaKey
                        || quotas.macs(address: source.address) < options.maxMacsPerAddress else {
                    return refuseQuota("MAC quota of the address", mac, source, now)
                }
                logger.info("edge \(mac) in \(c.name) moved \(edge.socket) -> \(source)")
                quotas.removeMac(edge.socket)
                quotas.addMac(source)
                edge.socket = source
            }
            edge.lastSeen = now
            edge.lastHeard = now
            c.edges[mac] = edge
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
            var edge = SupernodeEdge(socket: source, now: now, headerNow: wallStamp(), burst: options.broadcastBurst)
            if let sealed { _ = edge.replay.accept(sealed.stamp, fingerprint: sealed.fingerprint) }
            c.edges[mac] = edge
            edgeCount += 1
            quotas.addMac(source)
            logger.info("edge \(mac) registered in \(c.name) from \(source)")
        }
        if sealed != nil { sourceHint[source] = c }

        let ack = RegisterSuperAck(cookie: m.cookie, edgeMac: mac, lifetime: options.registrationLifetime,
                                   sock: source, backupCount: 0)
        let replyHeader = CommonHeader(ttl: CommonHeader.defaultTTL, code: .registerSuperAck,
                                       flags: Self.relayFlags, community: header.community)
        reply(replyHeader, .registerSuperAck(ack), encryptedWith: sealed == nil ? nil : c.cipher, to: source, now)
    }

    /// Spec 6.3.1.
    private func handlePacket(_ packet: DecodedPacket, _ m: PacketHeader, _ datagram: UnsafeMutableRawBufferPointer,
                              _ found: SupernodeCommunity?, _ sealed: Opened?, _ source: PeerSocket, _ now: Int64) {
        guard let c = found else { return drop(.unknownCommunity, source) }
        guard !packet.header.flags.contains(.fromSupernode) else { return dropRelayLoop(m.srcMac, c, source, now) }
        statistics.lastForward = now
        guard admitSender(m.srcMac, c, sealed, source, now) else { return }

        let group = m.dstMac.isSupernodeMulticast
        var unicastTarget: PeerSocket?
        var copies = Int.max
        if group {
            copies = broadcastBudget(m.srcMac, c, now)
            guard copies > 0 else { return broadcastThrottled(m.srcMac, c, source, sent: 0, now) }
        } else {
            guard let edge = c.edges[m.dstMac] else { return drop(.unknownDestination, source) }
            unicastTarget = edge.socket
        }

        // The relayed copy names the sender's socket only to receivers of the sender's family: a
        // stock edge, or any edge registered over IPv4, cannot use an IPv6 sock (and an IPv6-only
        // edge no IPv4 one), so the others get a copy without it and keep relaying.
        let header = packet.header
        let cipher = sealed == nil ? nil : c.cipher
        func relayed(naming sock: PeerSocket?) -> UnsafeRawBufferPointer? {
            let outHeader = CommonHeader(ttl: header.ttl - 1, code: .packet, flags: Self.relayFlags,
                                         community: header.community)
            let body = PacketHeader(srcMac: m.srcMac, dstMac: m.dstMac, sock: sock, transform: m.transform)
            let payloadLength = datagram.count - packet.bodyEnd
            guard body.headerLength + payloadLength <= scratch.count else {
                drop(.oversize, source)
                return nil
            }
            guard let headerLength = encode(outHeader, .packet(body), source) else { return nil }
            if payloadLength > 0 {
                scratch.baseAddress!.advanced(by: headerLength)
                    .copyMemory(from: datagram.baseAddress!.advanced(by: packet.bodyEnd), byteCount: payloadLength)
            }
            let length = headerLength + payloadLength
            if let cipher { guard seal(cipher, length: length, headerLength: headerLength, source, now) else { return nil } }
            return UnsafeRawBufferPointer(rebasing: scratch[0..<length])
        }

        if let target = unicastTarget {
            guard let bytes = relayed(naming: target.sameFamily(as: source) ? source : nil) else { return }
            output.enqueue(bytes, to: target)
            statistics.forwarded &+= 1
        } else {
            // Never back to the socket it came from (2.8 left this as a REVISIT note): no legitimate
            // second edge shares a public socket, and it keeps one host from multiplying its own traffic.
            // One copy per socket (MACs behind one socket share it), and copies, not packets, are
            // what the sender's budget pays for (issue 10 item 2). Receivers of the sender's family
            // first, then the others, each pass from one sealed buffer.
            fanOutSeen.removeAll(keepingCapacity: true)
            var sent = 0
            passes: for pass in 0..<2 {
                let sameFamily = pass == 0
                var queued = false
                for (mac, edge) in c.edges where mac != m.srcMac && edge.socket != source
                    && edge.socket.sameFamily(as: source) == sameFamily {
                    guard fanOutSeen.insert(edge.socket).inserted else { continue }
                    guard sent < copies else {
                        broadcastThrottled(m.srcMac, c, source, sent: sent, now)
                        break passes
                    }
                    // One sealed buffer, one message per receiver: the batch references the first copy.
                    if queued {
                        output.enqueueAgain(to: edge.socket)
                    } else {
                        guard let bytes = relayed(naming: sameFamily ? source : nil) else { break passes }
                        output.enqueue(bytes, to: edge.socket)
                        queued = true
                    }
                    sent += 1
                }
            }
            statistics.broadcast &+= UInt64(sent)
            chargeBroadcast(m.srcMac, c, copies: sent)
        }
    }

    /// Spec 6.3.2.
    private func handleRegister(_ header: CommonHeader, _ m: Register, _ datagram: UnsafeMutableRawBufferPointer,
                                _ found: SupernodeCommunity?, _ sealed: Opened?, _ source: PeerSocket, _ now: Int64) {
        guard let c = found else { return drop(.unknownCommunity, source) }
        guard !header.flags.contains(.fromSupernode) else { return dropRelayLoop(m.srcMac, c, source, now) }
        statistics.lastForward = now
        guard admitSender(m.srcMac, c, sealed, source, now) else { return }
        guard !m.dstMac.isSupernodeMulticast else { return drop(.multicastRegister, source) }
        guard let target = c.edges[m.dstMac]?.socket else { return drop(.unknownDestination, source) }
        // A REGISTER names the sender's socket for the target to answer: across families it cannot.
        guard target.sameFamily(as: source) else { return drop(.otherFamily, source) }

        let cipher = sealed == nil ? nil : c.cipher
        let relayed: UnsafeRawBufferPointer
        do {
            let outHeader = CommonHeader(ttl: header.ttl - 1, code: .register, flags: Self.relayFlags,
                                         community: header.community)
            let body = Register(cookie: m.cookie, srcMac: m.srcMac, dstMac: m.dstMac, sock: source)
            guard let length = encode(outHeader, .register(body), source) else { return }
            if let cipher { guard seal(cipher, length: length, headerLength: length, source, now) else { return } }
            relayed = UnsafeRawBufferPointer(rebasing: scratch[0..<length])
        }
        output.enqueue(relayed, to: target)
        statistics.forwarded &+= 1
    }

    /// Spec 6.3.5.
    private func handleQueryPeer(_ header: CommonHeader, _ m: QueryPeer, _ found: SupernodeCommunity?,
                                 _ sealed: Opened?, _ source: PeerSocket, _ now: Int64) {
        guard let c = found else { return drop(.unknownCommunity, source) }
        guard admitSender(m.srcMac, c, sealed, source, now) else { return }
        guard let target = c.edges[m.targetMac]?.socket else { return drop(.unknownDestination, source) }
        // No PEER_INFO naming a socket the asker cannot use (it keeps relaying through us).
        guard target.sameFamily(as: source) else { return drop(.otherFamily, source) }
        let replyHeader = CommonHeader(ttl: CommonHeader.defaultTTL, code: .peerInfo, flags: .fromSupernode,
                                       community: header.community)
        reply(replyHeader, .peerInfo(PeerInfo(aflags: 0, mac: m.targetMac, sock: target)),
              encryptedWith: sealed == nil ? nil : c.cipher, to: source, now)
    }

    // MARK: - Checks

    /// SOCKET|FROM_SUPERNODE, built once: an OptionSet array literal allocates an array in debug builds.
    static let relayFlags = PacketFlags(rawValue: PacketFlags.socket.rawValue | PacketFlags.fromSupernode.rawValue)
    static let nakFlags = PacketFlags.fromSupernode

    /// Why a datagram that does not look plain was refused when no community has header keys.
    static func plainFailure(_ b: UnsafeMutableRawBufferPointer) -> DropReason {
        if b[0] != CommonHeader.version { return .badVersion }
        if b[19] != 0 { return .communityUnterminated }
        return .unknownType
    }

    /// A header-encrypted datagram after decryption.
    struct Opened {
        var community: SupernodeCommunity
        var stamp: UInt64
        var headerLength: Int
        var fingerprint: UInt64
    }

    /// Trial decryption (spec 4.7): the community the source socket registered in first, then every
    /// community with keys in order of recent encrypted traffic. Counts the drop when nothing matches.
    private func openEncrypted(_ datagram: UnsafeMutableRawBufferPointer, from source: PeerSocket) -> Opened? {
        let fingerprint = ReplayGuard.fingerprint(UnsafeRawBufferPointer(datagram))
        let hinted = sourceHint[source]
        // Index -1 stands for the hinted community, tried before the others and not again after.
        for i in -1..<trialOrder.count {
            let c: SupernodeCommunity
            if i < 0 {
                guard let hinted else { continue }
                c = hinted
            } else {
                c = trialOrder[i]
                if c === hinted { continue }
            }
            guard let cipher = c.cipher else { continue }
            switch cipher.open(datagram) {
            case .opened(let stamp, let headerLength):
                c.encryptedPackets &+= 1
                return Opened(community: c, stamp: stamp, headerLength: headerLength, fingerprint: fingerprint)
            case .checksumMismatch:
                drop(.headerChecksum, source)
                return nil
            case .notThisCommunity:
                continue
            }
        }
        drop(.headerUndecryptable, source)
        return nil
    }

    /// Spec 4.6 for the supernode: the stamp must be within ±16 s, and not older than (or a repeat of)
    /// what the edge entry for `mac` has seen. Unlike 2.8 this applies to FROM_SUPERNODE packets too
    /// (spec 10.2 item 13: no 2.x supernode sends to another, so the flag proves nothing).
    private func checkStamp(_ sealed: Opened, _ c: SupernodeCommunity, _ mac: MACAddress, _ source: PeerSocket,
                            _ now: Int64) -> Bool {
        guard HeaderStamp.isWithinFrame(sealed.stamp, now: wallStamp()) else {
            drop(.headerStampWindow, source)
            return false
        }
        if let accepted = c.edges[mac]?.replay.accept(sealed.stamp, fingerprint: sealed.fingerprint), !accepted {
            drop(.headerReplay, source)
            return false
        }
        return true
    }

    /// Common admission of PACKET, REGISTER and QUERY_PEER: header mode, registered sender, stamp.
    private func admitSender(_ mac: MACAddress, _ c: SupernodeCommunity, _ sealed: Opened?, _ source: PeerSocket,
                             _ now: Int64) -> Bool {
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
        if let sealed, !checkStamp(sealed, c, mac, source, now) { return false }
        // The registered socket is live: the MAC is not up for grabs (rebindHoldoff).
        if let i = c.edges.index(forKey: mac), c.edges.values[i].socket == source { c.edges.values[i].lastHeard = now }
        return true
    }

    /// A PACKET/REGISTER that a supernode already relayed: a 2.x edge never sends one, and a 2.x
    /// supernode never sends to another, so relaying it again can only be a loop that forged
    /// registrations built between two supernodes (issue 10 item 1). Dropped, counted, and logged
    /// through a token bucket.
    private func dropRelayLoop(_ mac: MACAddress, _ c: SupernodeCommunity, _ source: PeerSocket, _ now: Int64) {
        if loopLog.admit(now: now) {
            logger.notice("dropped PACKET/REGISTER from \(source) already relayed by a supernode (\(mac) in \(c.name))")
        }
        drop(.relayLoop, source)
    }

    /// Token bucket per sending edge, one token per copy: how many copies this broadcast may make.
    /// Unregistered senders (only possible with `requireRegisteredSender` off) are not limited.
    private func broadcastBudget(_ mac: MACAddress, _ c: SupernodeCommunity, _ now: Int64) -> Int {
        guard options.broadcastRate > 0, let i = c.edges.index(forKey: mac) else { return Int.max }
        let elapsed = Double(now - c.edges.values[i].broadcastRefill) / 1e9
        if elapsed > 0 {
            c.edges.values[i].broadcastTokens = min(options.broadcastBurst,
                                                    c.edges.values[i].broadcastTokens + elapsed * options.broadcastRate)
            c.edges.values[i].broadcastRefill = now
        }
        return Int(c.edges.values[i].broadcastTokens)
    }

    /// The sender's budget cut this frame short: counted once per frame, remembered on the sender for
    /// management, logged through a bucket.
    private func broadcastThrottled(_ mac: MACAddress, _ c: SupernodeCommunity, _ source: PeerSocket, sent: Int, _ now: Int64) {
        drop(.broadcastRateLimited, source)
        if let i = c.edges.index(forKey: mac) {
            c.edges.values[i].broadcastThrottled &+= 1
            c.edges.values[i].broadcastThrottledAt = now
        }
        if budgetLog.admit(now: now) {
            logger.notice("broadcast from \(mac) in \(c.name) cut after \(sent) copies: its budget (--broadcast-rate \(Int(options.broadcastRate)) copies/s, --broadcast-burst \(Int(options.broadcastBurst))) is spent")
        }
    }

    private func chargeBroadcast(_ mac: MACAddress, _ c: SupernodeCommunity, copies: Int) {
        guard options.broadcastRate > 0, copies > 0, let i = c.edges.index(forKey: mac) else { return }
        c.edges.values[i].broadcastTokens -= Double(copies)
    }

    // MARK: - Output helpers

    private func encode(_ header: CommonHeader, _ message: Message, _ source: PeerSocket) -> Int? {
        do {
            return try WireCodec.encode(header, message, into: scratch)
        } catch {
            drop(.oversize, source)
            return nil
        }
    }

    /// Header-encrypts the first `length` scratch bytes with a fresh stamp; counts a failure.
    private func seal(_ cipher: any SupernodeHeaderCipher, length: Int, headerLength: Int, _ source: PeerSocket,
                      _ now: Int64) -> Bool {
        var bits: UInt16 = 0
        if let random { withUnsafeMutableBytes(of: &bits) { random.fill($0) } }
        let sealed = cipher.seal(UnsafeMutableRawBufferPointer(rebasing: scratch[0..<length]), headerLength: headerLength,
                                 stamp: wallStamp(random12: bits))
        if !sealed { drop(.sealFailed, source) }
        return sealed
    }

    private func reply(_ header: CommonHeader, _ message: Message, encryptedWith cipher: (any SupernodeHeaderCipher)?,
                       to destination: PeerSocket, _ now: Int64) {
        guard let length = encode(header, message, destination) else { return }
        if let cipher { guard seal(cipher, length: length, headerLength: length, destination, now) else { return } }
        output.enqueue(UnsafeRawBufferPointer(rebasing: scratch[0..<length]), to: destination)
        statistics.replies &+= 1
    }

    private func drop(_ reason: DropReason, _ source: PeerSocket) {
        statistics.count(reason)
        logger.debug("dropped datagram from \(source): \(reason)")
    }

    // MARK: - Timers and I/O feedback (spec 6.4)

    static let second: Int64 = 1_000_000_000

    /// The current wall time as a header stamp (spec 4.3); `random12` fills the low 12 bits.
    @inline(__always)
    func wallStamp(random12: UInt16 = 0) -> UInt64 {
        EdgeReplayWindow.stamp(clock.wallTime, random12: random12)
    }

    /// Monotonic nanoseconds of the next timer (purge or re-sort); the host calls `tick()` then.
    public var nextDeadline: Int64 { min(nextPurge, nextSort) }

    /// Runs the purge and the trial-order re-sort when they are due (any time is safe).
    public func tick() {
        let now = clock.monotonicNanoseconds
        if now >= nextPurge {
            purge()
            nextPurge = now + options.purgeInterval * Self.second
        }
        if now >= nextSort {
            sortTrialOrder()
            nextSort = now + options.sortInterval * Self.second
        }
        if let n = refusalLog.summary(now: now) { logger.notice("\(n) more refused REGISTER_SUPERs not logged") }
        if let n = loopLog.summary(now: now) { logger.notice("\(n) more relay-loop datagrams not logged") }
        if let n = budgetLog.summary(now: now) { logger.notice("\(n) more broadcast frames cut by --broadcast-rate not logged") }
    }

    /// Removes edges not seen for `edgeTimeout` seconds (monotonic); deletes emptied open-mode
    /// communities and returns emptied whitelisted ones to header mode *unknown*.
    public func purge() {
        let cutoff = clock.monotonicNanoseconds - options.edgeTimeout * Self.second
        var emptied: [Community] = []
        var remaining = 0
        for (key, c) in communities {
            let before = c.edges.count
            c.edges = c.edges.filter { $0.value.lastSeen >= cutoff }
            if c.edges.count != before {
                logger.info("purged \(before - c.edges.count) edges from \(c.name)")
            }
            remaining += c.edges.count
            if c.edges.isEmpty {
                if c.whitelisted { c.headerMode = .unknown } else { emptied.append(key) }
            }
        }
        for key in emptied {
            logger.info("community \(communities[key]?.name ?? "") deleted (no edges)")
            communities[key] = nil
        }
        edgeCount = remaining
        quotas.recount(communities.values)
        naks.reset()
        sourceHint.removeAll(keepingCapacity: true)
        for c in trialOrder where c.headerMode == .encrypted {
            for edge in c.edges.values { sourceHint[edge.socket] = c }
        }
    }

    /// A reloaded `-c` file: communities newly listed are created (header keys included), those no
    /// longer listed are deleted with their edges, and those kept keep their edges, header mode and
    /// counters, so a reload costs the edges of the communities that stay nothing. Only a locked
    /// supernode has a list to replace: in open mode this returns nil and changes nothing.
    public func replaceWhitelist(_ list: [Community]) -> WhitelistChange? {
        guard options.whitelist != nil else { return nil }
        let keys = Set(list.map(\.lookupKey)).subtracting([Community(low: 0, high: 0)])
        var change = WhitelistChange()
        for (key, c) in communities where !keys.contains(key) {
            change.removed.append(c.name)
            change.edgesDropped += c.edges.count
            edgeCount -= c.edges.count
            communities[key] = nil
        }
        trialOrder.removeAll { !keys.contains($0.community) }
        for key in list.map(\.lookupKey) where communities[key] == nil && keys.contains(key) {
            addListed(key)
            change.added.append(key.name)
        }
        options.whitelist = list
        change.listed = communities.count
        quotas.recount(communities.values)
        sourceHint = sourceHint.filter { keys.contains($0.value.community) }
        if !change.removed.isEmpty || !change.added.isEmpty {
            logger.notice("community file reloaded: \(change)")
        }
        return change
    }

    /// Orders trial decryption by encrypted packets since the last sort, busiest first (spec 6.4).
    public func sortTrialOrder() {
        trialOrder.sort { $0.encryptedPackets > $1.encryptedPackets }
        for c in trialOrder { c.encryptedPackets = 0 }
    }

    /// Counts a datagram the I/O layer refused before the engine saw it (e.g. cut by the receive buffer).
    public func noteDropped(_ reason: DropReason) {
        statistics.count(reason)
    }

    /// Adds send failures reported by the I/O layer to the `errors` statistic.
    public func noteSendErrors(_ count: Int) {
        statistics.errors &+= UInt64(max(count, 0))
    }
}
