import N2NWire

/// The real header encryption (N2NWire's `HeaderCipher`, spec 4.4/4.5) behind the engine's cipher protocol.
public final class CommunityHeaderCipher: SupernodeHeaderCipher {
    public let cipher: HeaderCipher
    private let random: any RandomSource

    public init(community: Community, random: any RandomSource) {
        cipher = HeaderCipher(community: community)
        self.random = random
    }

    /// A factory for `SupernodeEngine` that keys every whitelisted community.
    public static func factory(random: any RandomSource) -> SupernodeHeaderCipherFactory {
        { community in CommunityHeaderCipher(community: community, random: random) }
    }

    public func open(_ datagram: UnsafeMutableRawBufferPointer) -> HeaderOpenResult {
        // Most trials fail (another community's datagram, or a 3.x one tried with 2.x keys first):
        // the magic test answers them without a thrown error, which costs an allocation here.
        guard cipher.matches(UnsafeRawBufferPointer(datagram)) else { return .notThisCommunity }
        do throws(HeaderCryptoError) {
            let (stamp, headerLength) = try cipher.decrypt(datagram)
            return .opened(stamp: stamp, headerLength: headerLength)
        } catch {
            // No magic or an impossible H (spec 10.1 item 2) leaves the datagram untouched: try the
            // next community. A bad checksum means the key matched and the datagram is spoilt.
            if case .badChecksum = error { return .checksumMismatch }
            return .notThisCommunity
        }
    }

    public func seal(_ datagram: UnsafeMutableRawBufferPointer, headerLength: Int, stamp: UInt64) -> Bool {
        do {
            try cipher.encrypt(datagram, headerLength: headerLength, stamp: stamp, random: random)
            return true
        } catch {
            return false
        }
    }
}
