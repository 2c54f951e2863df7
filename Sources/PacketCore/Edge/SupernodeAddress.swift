import N2NWire

/// A supernode as given to `-l` (spec 8.1): a host name or dotted IPv4 address, and a port. Names
/// are resolved by the edge at run time (n2n re-resolves them at every registration round).
public struct SupernodeAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// The address when `host` is a dotted IPv4 literal (no resolution needed).
    public var literal: PeerSocket? {
        guard case .v4(let a)? = IPAddress(ipv4: host) else { return nil }
        return PeerSocket(ipv4: a, port: port)
    }

    public var description: String { "\(host):\(port)" }
}
