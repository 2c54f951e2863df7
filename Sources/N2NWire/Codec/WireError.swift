/// The fields a decoder can find missing; named in `WireError.truncated` so a drop says exactly what was wrong.
public enum WireField: String, Sendable {
    case commonHeader = "common header"
    case cookie, srcMac, dstMac, edgeMac, targetMac, mac
    case sock, sockFamily = "sock family", transform, lifetime, backupCount = "num_sn", backupSock = "backup sock"
    case authScheme = "auth scheme", authTokenLength = "auth token size", authToken = "auth token"
    case aflags
    // v3 fields (v3 spec 1.4).
    case deviceAddress = "dev_addr", deviceDescription = "dev_desc", keyTime = "key_time"
    case load, uptime, version, compression, preferredSock = "preferred sock", supernodeEntry = "supernode entry"
}

/// Why a datagram could not be decoded or encoded. Every case is a clean drop, never a crash.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The datagram ended before `field`: it needed `needed` bytes from the start, it had `available`.
    case truncated(WireField, needed: Int, available: Int)
    /// Byte 0 was not the dialect's version (2, or 3 for the v3 codec).
    case badVersion(UInt8)
    /// An auth token longer than the receiving buffer: 32 bytes in v2 (spec 10.1 item 1), 48 in v3.
    case authTokenTooLong(Int)
    /// The community field has no NUL within its 16 bytes (rejected by a supernode, spec 1.5).
    case communityNotTerminated
    /// The output buffer cannot hold the encoded packet; also a v3 supernode list longer than
    /// the 44 entries a stock receiver's buffer holds (`available` is then that capacity in bytes).
    case bufferTooSmall(needed: Int, available: Int)

    public var description: String {
        switch self {
        case let .truncated(field, needed, available):
            "truncated packet: \(field.rawValue) needs \(needed) bytes, datagram has \(available)"
        case let .badVersion(v): "unsupported packet version \(v)"
        case let .authTokenTooLong(n): "auth token size \(n) exceeds the receive buffer"
        case .communityNotTerminated: "community name is not NUL-terminated"
        case let .bufferTooSmall(needed, available): "buffer too small: need \(needed), have \(available)"
        }
    }

    /// A short stable name for counters and logs.
    public var counterName: String {
        switch self {
        case .truncated: "truncated"
        case .badVersion: "bad_version"
        case .authTokenTooLong: "auth_token_too_long"
        case .communityNotTerminated: "community_unterminated"
        case .bufferTooSmall: "buffer_too_small"
        }
    }
}
