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

    /// `host:port`, as n2n 2.8 splits it (at the colon; there is no IPv6 transport).
    public static func parse(_ text: String) throws(OptionValueError) -> SupernodeAddress {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw OptionValueError("expected <host>:<port>, e.g. supernode.example.net:7654") }
        let host = String(parts[0])
        guard !host.isEmpty else { throw OptionValueError("the host name is empty") }
        guard !host.contains(where: { $0.isWhitespace }) else { throw OptionValueError("the host name contains white space") }
        let port: UInt16
        do { port = try OptionValues.remotePort(String(parts[1])) } catch {
            throw OptionValueError("bad port '\(parts[1])': \(error.reason)")
        }
        return SupernodeAddress(host: host, port: port)
    }

    /// The address when `host` is a dotted IPv4 literal (no resolution needed).
    public var literal: PeerSocket? {
        guard case .v4(let a)? = IPAddress(ipv4: host) else { return nil }
        return PeerSocket(ipv4: a, port: port)
    }

    public var description: String { "\(host):\(port)" }
}
