import N2NWire

/// `EdgeHeaderCipher` over N2NWire's `HeaderCipher` (spec 4): the community's keys plus the random
/// source for the 16 random pre-IV bits.
public final class CommunityHeaderCipher: EdgeHeaderCipher {
    public let cipher: HeaderCipher
    let random: RandomSource

    public init(community: Community, random: RandomSource) {
        cipher = HeaderCipher(community: community)
        self.random = random
    }

    public func encrypt(_ packet: UnsafeMutableRawBufferPointer, headerLength: Int, stamp: UInt64) {
        // Fails only for H outside 20...min(N, 255), which no message the edge builds has.
        try? cipher.encrypt(packet, headerLength: headerLength, stamp: stamp, random: random)
    }

    public func decrypt(_ packet: UnsafeMutableRawBufferPointer) -> (stamp: UInt64, headerLength: Int)? {
        try? cipher.decrypt(packet)
    }
}
