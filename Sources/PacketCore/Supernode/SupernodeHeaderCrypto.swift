import N2NWire

/// What trial decryption of one datagram with one community's header key found (spec 4.5).
public enum HeaderOpenResult: Sendable, Equatable {
    /// The magic did not match: not this community's key. The datagram must be left untouched.
    case notThisCommunity
    /// The magic matched but the checksum did not (spec 4.7: drop, try no further community).
    /// The datagram's contents are then unspecified.
    case checksumMismatch
    /// Decrypted in place into the plain layout (spec 4.5 step 4); `stamp` is the sender's time stamp,
    /// `headerLength` the H the sender encrypted over.
    case opened(stamp: UInt64, headerLength: Int)
}

/// One community's header-encryption keys as the supernode needs them (spec 4.4, 4.5). Implementations
/// must not allocate per call and must reject a header length outside 20...N (spec 10.1 item 2).
public protocol SupernodeHeaderCipher: AnyObject {
    /// Tries this community's key on a received datagram and, on a magic match, decrypts it in place.
    func open(_ datagram: UnsafeMutableRawBufferPointer) -> HeaderOpenResult

    /// Encrypts a plain datagram in place over its first `headerLength` bytes with `stamp` (spec 4.4).
    /// False if it cannot (header length outside 20...min(N, 255)); the datagram must then not be sent.
    func seal(_ datagram: UnsafeMutableRawBufferPointer, headerLength: Int, stamp: UInt64) -> Bool
}

/// Builds the header cipher of a whitelisted community (spec 4.2: keys derive from the 16 name bytes).
public typealias SupernodeHeaderCipherFactory = (Community) -> any SupernodeHeaderCipher
