import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport

extension EdgeConfiguration {
    /// What the shared start-up sequence needs; the edge stays in the foreground when it cannot
    /// become a daemon, as n2n 2.8 did.
    public var processSettings: ProcessSettings {
        ProcessSettings(identifier: "edge", foreground: foreground, userID: userID, groupID: groupID,
                        pidFile: pidFile, daemonFailure: .stayInForeground)
    }

    /// The line logged at the default level once the edge runs: what an operator checks first.
    public var startupLine: String {
        let address = tapAddress.map { "\(IPAddress.v4($0.ipv4))/\(netmask.nonzeroBitCount) (\($0.mode.rawValue))" } ?? "none"
        return "edge started: community \(communityName), cipher \(transform), "
            + "compression \(Self.compressionName(compression)), header encryption \(headerEncryption ? "on" : "off"), "
            + "MTU \(mtu), TAP \(tapName) \(address), "
            + "supernodes \(supernodes.map(\.description).joined(separator: ", "))"
    }

    /// Warnings logged at the default level with the start-up line.
    public var startupWarnings: [String] {
        guard transform == .null else { return [] }
        return ["encryption is off (cipher null, no key): frames cross the network readable by anyone; "
            + "give -k <key> or set N2N_KEY"]
    }

    static func compressionName(_ id: CompressionID) -> String {
        switch id {
        case .none: "none"
        case .lzo: "LZO"
        case .zstd: "zstd"
        }
    }
}
