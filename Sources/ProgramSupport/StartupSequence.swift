#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Why a program's resources (TAP, sockets) could not be opened.
public struct StartupFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// The one start-up sequence of both programs:
///
/// 1. open what needs root (TAP, sockets), while a failure still reaches the terminal and the
///    exit status reaches the caller;
/// 2. become a daemon unless `-f`, writing the pid file in the daemon before the original process
///    exits (so it exists when systemd or a script looks); with `-f`, write it in the foreground;
/// 3. drop privileges;
/// 4. run until stopped; then remove the pid file if it is still ours and we still may.
///
/// Any failure in steps 1-3 is `ExitStatus.failure`; step 4's status is the program's.
public enum StartupSequence {
    public static func run<Program>(
        _ settings: ProcessSettings, logger: Logger, system: StartupSystem = .live,
        open: () throws(StartupFailure) -> Program,
        run: (_ program: Program, _ daemonised: Bool) -> Int32
    ) -> Int32 {
        let program: Program
        do {
            program = try open()
        } catch {
            logger.critical("\(error)")
            return ExitStatus.failure
        }

        let pidFile = settings.pidFile.map { PidFile($0, relativeTo: system.currentDirectory() ?? "/") }
        var daemonised = false
        var pidFileWritten = false
        if !settings.foreground {
            do throws(DaemonError) {
                try system.daemonise {
                    guard let pidFile else { return 0 }
                    do throws(PidFileError) {
                        try system.writePidFile(pidFile, system.processID())
                        return 0
                    } catch {
                        return error.errno == 0 ? EIO : error.errno
                    }
                }
                daemonised = true
                pidFileWritten = pidFile != nil
                system.switchToSyslog(settings.identifier)
            } catch {
                if error.step == .ready, let pidFile {
                    logger.critical("\(PidFileError(path: pidFile.path, errno: error.errno))")
                    return ExitStatus.failure
                }
                switch settings.daemonFailure {
                case .fail:
                    logger.critical("\(error)")
                    return ExitStatus.failure
                case .stayInForeground:
                    logger.error("cannot become a daemon (\(error)); staying in the foreground")
                }
            }
        }
        if let pidFile, !pidFileWritten {
            do throws(PidFileError) {
                try system.writePidFile(pidFile, system.processID())
            } catch {
                logger.critical("\(error)")
                return ExitStatus.failure
            }
        }
        // The daemon's pid, read once: it is the pid in the file.
        let pid = system.processID()
        func removePidFile() {
            guard let pidFile else { return }
            if !system.removePidFile(pidFile, pid) {
                logger.info("pid file \(pidFile.path) left in place (not ours any more, or no permission after dropping privileges)")
            }
        }

        switch system.privilegePlan(settings.userID, settings.groupID) {
        case let .drop(ids, source):
            do throws(PrivilegeDropError) {
                try system.applyPrivileges(ids)
                logger.notice("running as uid \(ids.uid) gid \(ids.gid) (\(source))")
            } catch {
                logger.critical("\(error)")
                removePidFile()
                return ExitStatus.failure
            }
        case let .keep(reason):
            logger.warning("keeping privileges: \(reason)")
        }

        let status = run(program, daemonised)
        removePidFile()
        return status
    }
}
