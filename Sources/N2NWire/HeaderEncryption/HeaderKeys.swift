/// The two header-encryption keys of a community (spec 4.2) and their Speck schedules.
///
/// `Khdr = Pearson-128(C16)` keys the Speck128/128 keystream; `Kiv` = bytes 4...15 of
/// `Pearson-128(Khdr)` keys the Speck96/96 pre-IV encryption. Built once per community.
public struct HeaderKeys: Sendable {
    public let community: Community
    /// Khdr, 16 bytes.
    public let headerKey: [UInt8]
    /// Kiv, 12 bytes.
    public let ivKey: [UInt8]
    /// Speck128/128 under Khdr.
    public let headerCipher: Speck128
    /// Speck96/96 under Kiv.
    public let ivCipher: Speck96

    public init(community: Community) {
        self.community = community
        headerKey = Pearson.hash128(community.bytes)
        ivKey = Array(Pearson.hash128(headerKey)[4..<16])
        headerCipher = Speck128(key: headerKey)
        ivCipher = Speck96(key: ivKey)
    }
}
