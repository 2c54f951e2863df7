#if canImport(Glibc)
import Glibc
#endif
import Logging
import LinuxSystem
import PacketCore
import ProgramSupport

// edge: parse the command line (Sources/Edge/CLI), then the shared start-up sequence (spec 5.2).
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

        return StartupSequence.run(
            configuration.processSettings, logger: logger,
            open: { () throws(StartupFailure) -> EdgeRuntime in
                // TAP, sockets, keys, routes (spec 5.2 steps 3-6).
                do {
                    return try EdgeRuntime(config: configuration, logger: logger)
                } catch {
                    throw StartupFailure("\(error)")
                }
            },
            run: { runtime, daemonised in
                logger.notice("\(configuration.startupLine)")
                for warning in configuration.startupWarnings { logger.warning("\(warning)") }
                return runtime.run(daemonised: daemonised)
            })
    }
}
