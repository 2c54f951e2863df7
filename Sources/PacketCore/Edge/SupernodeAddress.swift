import N2NWire

/// A supernode as given to `-l` (spec 8.1): a host name, a dotted IPv4 address or an IPv6 address
/// (written in brackets on the command line), and a port. Names are resolved by the edge at run
/// time (n2n re-resolves them at every registration round).
public struct SupernodeAddress: Sendable, Hashable, CustomStringConvertible {
    /// The name or address, without brackets.
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// The address when `host` is an IPv4 or IPv6 literal (no resolution needed).
    public var literal: PeerSocket? {
        guard let address = IPAddress(host) else { return nil }
        return PeerSocket(address: address, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
