import Glibc
import Logging
import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport

/// Start-up and shutdown of the `supernode` process through the shared `StartupSequence`: bind the
/// sockets, daemonise unless -f, drop privileges (any failure: exit 1), serve until SIGTERM/SIGINT
/// (exit 0; 1 if the event loop fails).
enum SupernodeLauncher {
    /// The whitelist and the bound service, opened as root.
    struct Opened {
        var service: SupernodeService
        var whitelist: [Community]?
    }

    static func run(_ configuration: SupernodeConfiguration, warnings: [String],
                    system: StartupSystem = .live) -> Int32 {
        ProcessLog.verbosity.store(configuration.verbosity, ordering: .relaxed)
        let logger = Logger(label: "supernode") { _ in ProcessLogHandler() }
        for warning in warnings { logger.warning("\(warning)") }

        return StartupSequence.run(
            configuration.processSettings, logger: logger, system: system,
            open: { () throws(StartupFailure) -> Opened in try open(configuration, logger: logger) },
            run: { opened, _ in serve(opened, configuration: configuration, logger: logger) })
    }

    static func open(_ configuration: SupernodeConfiguration, logger: Logger) throws(StartupFailure) -> Opened {
        var whitelist: [Community]?
        if let path = configuration.communityFile {
            // An unreadable whitelist is a start-up error, never an open supernode (issue 10 item 11).
            do {
                whitelist = try CommunityFile.loadForSupernode(path)
            } catch {
                throw StartupFailure("community file (-c): \(error)")
            }
        }
        do {
            let service = try SupernodeService(port: configuration.localPort, managementPort: configuration.managementPort,
                                               logger: logger)
            return Opened(service: service, whitelist: whitelist)
        } catch {
            throw StartupFailure("\(error)")
        }
    }

    static func serve(_ opened: Opened, configuration: SupernodeConfiguration, logger: Logger) -> Int32 {
        let service = opened.service
        service.managementPassword = configuration.managementPassword
        service.metricsEndpoint = configuration.metrics
        service.communityFile = configuration.communityFile
        do {
            try service.prepare(options: configuration.engineOptions(whitelist: opened.whitelist), logger: logger)
        } catch {
            logger.critical("cannot set up the event loop: \(error)")
            return ExitStatus.failure
        }
        logger.notice("\(configuration.startupLine(port: service.localPort, managementPort: service.managementPort, whitelist: opened.whitelist))")
        logger.info("UDP socket: \(service.socket.family == .ipv6 ? "IPv4 and IPv6 (dual-stack [::])" : "IPv4 only (no IPv6 in this kernel)"); offloads: \(service.offloads)")
        var status = ExitStatus.success
        do {
            try service.run()
        } catch {
            logger.error("event loop failed: \(error)")
            status = ExitStatus.failure
        }
        service.stopMetrics()
        logger.notice("supernode stopping: \(service.summary)")
        return status
    }
}
