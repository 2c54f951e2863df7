import N2NWire
import PacketCore

extension SupernodeAddress {
    /// `host:port` as n2n 2.8 splits it, or `[IPv6 address]:port` (the brackets keep the address's
    /// colons apart from the port's, as in URLs).
    public static func parse(_ text: String) throws(OptionValueError) -> SupernodeAddress {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw OptionValueError("missing ']' after the IPv6 address") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.first == ":" else { throw OptionValueError("expected [<IPv6 address>]:<port>, e.g. [2001:db8::1]:7654") }
            portText = rest.dropFirst()
            guard case .v6? = IPAddress(ipv6: host) else { throw OptionValueError("'\(host)' is not an IPv6 address") }
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count > 2, IPAddress(ipv6: text) != nil || IPAddress(ipv6: parts.dropLast().joined(separator: ":")) != nil {
                throw OptionValueError("write an IPv6 address in brackets: [<address>]:<port>, e.g. [2001:db8::1]:7654")
            }
            guard parts.count == 2 else { throw OptionValueError("expected <host>:<port>, e.g. supernode.example.net:7654") }
            host = parts[0]
            portText = parts[1]
        }
        guard !host.isEmpty else { throw OptionValueError("the host name is empty") }
        guard !host.contains(where: { $0.isWhitespace }) else { throw OptionValueError("the host name contains white space") }
        let port: UInt16
        do { port = try OptionValues.remotePort(String(portText)) } catch {
            throw OptionValueError("bad port '\(portText)': \(error.reason)")
        }
        return SupernodeAddress(host: String(host), port: port)
    }
}
