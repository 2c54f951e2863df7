import PacketCore

extension SupernodeAddress {
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
}
