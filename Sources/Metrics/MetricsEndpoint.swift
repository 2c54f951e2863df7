/// Where `--metrics` serves: `ADDR:PORT`, or a bare `PORT` meaning 127.0.0.1 (loopback unless
/// the user names another address). Only dotted IPv4 addresses, so nothing is resolved.
public struct MetricsEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let hostPart: Substring
        let portPart: Substring
        switch parts.count {
        case 1: (hostPart, portPart) = ("127.0.0.1", parts[0])
        case 2: (hostPart, portPart) = (parts[0], parts[1])
        default: return nil
        }
        guard let port = Int(portPart), (1...65535).contains(port) else { return nil }
        let octets = hostPart.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ $0.count <= 3 && UInt8($0) != nil }) else { return nil }
        host = String(hostPart)
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
}
