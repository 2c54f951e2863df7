import Glibc
import Logging
import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport

/// Start-up and shutdown of the `supernode` process in n2n 2.8's order and with its exit statuses
/// (spec 8.5): bind the sockets (254 on failure), daemonise unless -f (251), drop privileges (1), serve
/// until SIGTERM/SIGINT (0).
enum SupernodeLauncher {
    static let bindFailureStatus: Int32 = 254
    static let daemonFailureStatus: Int32 = 251
    static let privilegeFailureStatus: Int32 = 1

    static func run(_ configuration: SupernodeConfiguration, warnings: [String]) -> Int32 {
        ProcessLog.verbosity.store(configuration.verbosity, ordering: .relaxed)
        let logger = Logger(label: "supernode") { _ in ProcessLogHandler() }
        for warning in warnings { logger.warning("\(warning)") }

        var whitelist: [Community]?
        if let path = configuration.communityFile {
            let (communities, warning) = CommunityFile.loadForSupernode(path)
            if let warning { logger.warning("\(warning)") }
            if let communities {
                whitelist = communities
                logger.notice("loaded \(communities.count) communities from \(path); only these may register")
            }
        }

        let service: SupernodeService
        do {
            service = try SupernodeService(port: configuration.localPort, managementPort: configuration.managementPort,
                                           logger: logger)
        } catch {
            logger.critical("\(error)")
            return bindFailureStatus
        }

        if !configuration.foreground {
            do {
                try Daemon.daemonise()
            } catch {
                logger.critical("\(error)")
                return daemonFailureStatus
            }
            ProcessLog.switchToSyslog(identifier: "supernode")
        }

        switch PrivilegeDrop.plan(requestedUID: configuration.userID, requestedGID: configuration.groupID) {
        case let .drop(ids, source):
            do {
                try PrivilegeDrop.apply(ids)
                logger.notice("dropped privileges to uid \(ids.uid) gid \(ids.gid) (\(source))")
            } catch {
                logger.critical("\(error)")
                return privilegeFailureStatus
            }
        case let .keep(reason):
            logger.warning("keeping privileges: \(reason)")
        }

        do {
            try service.prepare(whitelist: whitelist, logger: logger)
        } catch {
            logger.critical("cannot set up the event loop: \(error)")
            return bindFailureStatus
        }
        logger.notice("supernode \(N2NVersion.string) listening on UDP port \(service.localPort), management on 127.0.0.1:\(service.managementPort)")
        do {
            try service.run()
        } catch {
            logger.error("event loop failed: \(error)")
        }
        logger.notice("supernode stopping: \(service.summary)")
        return 0
    }
}
