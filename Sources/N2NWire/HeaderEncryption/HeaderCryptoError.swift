/// Why a header could not be encrypted, decrypted or accepted (spec 4). Every case is a counted
/// drop, never a crash.
public enum HeaderCryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The datagram is shorter than the 20-byte common header.
    case tooShort(Int)
    /// Bytes 12...14 did not decrypt to "n2n" under this community's key: the packet is plain,
    /// garbage, or from another community.
    case noMagic
    /// The decrypted header length is outside 20...N (spec 10.1 item 2).
    case badHeaderLength(Int, packetLength: Int)
    /// Encrypting: the header length given is outside 20...min(N, 255).
    case invalidHeaderLength(Int, packetLength: Int)
    /// The Pearson-16 checksum of the restored datagram does not match the one in the pre-IV.
    case badChecksum(expected: UInt16, computed: UInt16)
    /// The time stamp is 16 s or more away from the local clock (spec 4.6 step 1).
    case stampOutsideWindow(stamp: UInt64, now: UInt64)
    /// The time stamp is more than 160 ms older than the newest one seen (spec 4.6 step 2).
    case replayed(stamp: UInt64, previous: UInt64)

    public var description: String {
        switch self {
        case let .tooShort(n): "datagram of \(n) bytes is shorter than a header"
        case .noMagic: "header does not decrypt with this community's key"
        case let .badHeaderLength(h, n): "decrypted header length \(h) invalid for a \(n)-byte datagram"
        case let .invalidHeaderLength(h, n): "cannot encrypt a \(h)-byte header of a \(n)-byte datagram"
        case let .badChecksum(e, c): "header checksum mismatch: packet says \(hex16(e)), computed \(hex16(c))"
        case let .stampOutsideWindow(s, now): "time stamp \(hex64(s)) too far from local time \(hex64(now))"
        case let .replayed(s, p): "time stamp \(hex64(s)) older than the last accepted \(hex64(p))"
        }
    }

    /// A short stable name for counters and logs.
    public var counterName: String {
        switch self {
        case .tooShort: "header_too_short"
        case .noMagic: "header_no_magic"
        case .badHeaderLength: "header_bad_length"
        case .invalidHeaderLength: "header_invalid_length"
        case .badChecksum: "header_bad_checksum"
        case .stampOutsideWindow: "header_stamp_window"
        case .replayed: "header_replayed"
        }
    }
}

private func hex16(_ v: UInt16) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: 4 - s.count) + s
}

private func hex64(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: 16 - s.count) + s
}
