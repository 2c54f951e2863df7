import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport

extension SupernodeConfiguration {
    /// What the shared start-up sequence needs; a supernode that cannot become a daemon does not
    /// start.
    public var processSettings: ProcessSettings {
        ProcessSettings(identifier: "supernode", foreground: foreground, userID: userID, groupID: groupID,
                        pidFile: pidFile, daemonFailure: .fail)
    }

    /// The line logged at the default level once the supernode serves, with the ports actually bound
    /// (`-l 0` picks one) and the whitelist actually loaded (an unreadable `-c` file means open).
    public func startupLine(port: UInt16, managementPort: UInt16, whitelist: [Community]?) -> String {
        let communities: String =
            if let whitelist, let communityFile {
                "\(whitelist.count) allowed from \(communityFile) (locked)"
            } else {
                "open (any community may register)"
            }
        return "supernode \(N2NVersion.string) started: UDP port \(port), management 127.0.0.1:\(managementPort), "
            + "communities \(communities)"
    }
}
