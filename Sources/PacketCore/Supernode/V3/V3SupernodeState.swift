import N2NWire

/// Which wire dialect a community speaks (issue 15): fixed by its first registration. A community
/// from the `-c` file is *unclaimed* until then, and again once purged empty.
public enum SupernodeDialect: Sendable, Equatable, CustomStringConvertible {
    case unclaimed
    case v2
    case v3

    public var description: String {
        switch self {
        case .unclaimed: "unclaimed"
        case .v2: "2"
        case .v3: "3"
        }
    }
}

/// What a 3.x registration adds to an edge entry (v3 spec 9.1): kept beside `SupernodeEdge`, whose
/// socket, ages, replay slot and broadcast budget serve both dialects.
public struct V3EdgeInfo: Sendable, Equatable {
    /// The stored auth block; scheme 0 = not checked (`-M`, v3 spec 6.2).
    public var auth: V3Auth
    public var description: String
    /// The TAP address the edge announced or was given.
    public var address: V3DeviceAddress
    /// The local socket the edge announced in REGISTER_SUPER (PEER_INFO's preferred socket).
    public var preferredSocket: PeerSocket?
}

/// The 3.x part of a community: the 20-byte field its edges send, v3 header keys (listed
/// communities), the auto-IP subnet and the 3.x fields of its edges.
public struct V3CommunityPart {
    public internal(set) var field: V3Community?
    var cipher: V3HeaderCipher?
    public internal(set) var subnet: V3DeviceAddress?
    public internal(set) var edges: [MACAddress: V3EdgeInfo] = [:]
    /// Encrypted datagrams since the last re-sort of the v3 trial order.
    var encryptedPackets: UInt64 = 0
}

/// Engine-wide 3.x state: trial order of communities with v3 header keys and the stamp sequence.
final class V3SupernodeState {
    var options: V3SupernodeOptions
    var trialOrder: [SupernodeCommunity] = []
    var stamps = V3StampGenerator()
    let random: any RandomSource

    init(options: V3SupernodeOptions, random: (any RandomSource)?) {
        self.options = options
        self.random = random ?? ZeroRandom()
    }
}

/// Stands in when the engine was built without a random source (tests without `-H`).
private final class ZeroRandom: RandomSource {
    func fill(_ buffer: UnsafeMutableRawBufferPointer) { buffer.initializeMemory(as: UInt8.self, repeating: 0) }
}

extension V3Community {
    /// The community as our table keys it: the name's 16-byte v2 field when the name has at most
    /// 15 bytes; nil for longer names (our table holds 16-byte names).
    var supernodeKey: Community? {
        var bytes = self
        return withUnsafeBytes(of: &bytes) { raw -> Community? in
            guard raw[0..<16].contains(0) else { return nil }
            return Community(loadingFrom: UnsafeRawBufferPointer(rebasing: raw[0..<16]), at: 0).lookupKey
        }
    }
}
