/// The two header keys of a v3 community (v3 spec 5.2): `Kh` keys the Speck128/128 keystream,
/// `Kiv = H128(Kh)` the Speck128/128 IV block. Static keys derive Kh from the 20-byte community
/// field, dynamic ones (user/password communities) from the 16-byte dynamic key.
public struct V3HeaderKeys: Sendable {
    /// The community field the receiver restores into bytes 4...23 before the checksum.
    public let community: V3Community
    /// Kh, 16 bytes.
    public let headerKey: [UInt8]
    /// Kiv, 16 bytes.
    public let ivKey: [UInt8]
    public let headerCipher: Speck128
    public let ivCipher: Speck128

    /// Keys with Kh given (the dynamic case hashes its key to Kh first: `init(community:dynamicKey:)`).
    public init(community: V3Community, headerKey: [UInt8]) {
        precondition(headerKey.count == 16, "Kh is 16 bytes")
        self.community = community
        self.headerKey = headerKey
        ivKey = PearsonB.hash128(headerKey)
        headerCipher = Speck128(key: headerKey)
        ivCipher = Speck128(key: ivKey)
    }

    /// The static keys: Kh = H128(C20).
    public init(community: V3Community) {
        self.init(community: community, headerKey: PearsonB.hash128(community.bytes))
    }

    /// The dynamic keys of a user/password community: Kh′ = H128(dyn16).
    public init(community: V3Community, dynamicKey: [UInt8]) {
        precondition(dynamicKey.count == 16, "the dynamic key is 16 bytes")
        self.init(community: community, headerKey: PearsonB.hash128(dynamicKey))
    }
}
