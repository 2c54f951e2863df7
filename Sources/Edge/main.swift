#if canImport(Glibc)
import Glibc
#endif
import Logging
import LinuxSystem
import PacketCore
import ProgramSupport

// edge: parse the command line (Sources/Edge/CLI), then set up and run (spec 5.2).
switch EdgeCommandLine.evaluateProcess() {
case let .exit(request):
    request.perform()
case let .run(configuration, warnings):
    exit(EdgeMain.run(configuration, warnings: warnings))
}

enum EdgeMain {
    static func run(_ configuration: EdgeConfiguration, warnings: [String]) -> Int32 {
        ProcessLog.verbosity.store(configuration.verbosity, ordering: .relaxed)
        LoggingSystem.bootstrap { _ in ProcessLogHandler() }
        let logger = Logger(label: "edge")
        for warning in warnings { logger.warning("\(warning)") }

        // TAP, sockets, keys, routes (spec 5.2 steps 3-6); any failure is exit 1 (spec 8.5).
        let runtime: EdgeRuntime
        do {
            runtime = try EdgeRuntime(config: configuration, logger: logger)
        } catch {
            logger.error("\(error)")
            return 1
        }

        var daemonised = false
        if !configuration.foreground {
            do {
                try Daemon.daemonise()
                daemonised = true
                ProcessLog.switchToSyslog(identifier: "edge")
            } catch {
                logger.error("cannot become a daemon (\(error)); staying in the foreground")
            }
        }

        // After the TAP and the sockets are open (spec 8.5: failure is exit 1).
        switch PrivilegeDrop.plan(requestedUID: configuration.userID, requestedGID: configuration.groupID) {
        case let .drop(ids, source):
            do {
                try PrivilegeDrop.apply(ids)
                logger.notice("running as uid \(ids.uid) gid \(ids.gid) (\(source))")
            } catch {
                logger.error("cannot drop privileges: \(error)")
                return 1
            }
        case let .keep(reason):
            logger.warning("\(reason)")
        }

        logger.notice("edge started: community \(configuration.communityName), supernodes \(configuration.supernodes.map(\.description).joined(separator: ", "))")
        return runtime.run(daemonised: daemonised)
    }
}
