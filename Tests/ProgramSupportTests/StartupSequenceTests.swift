import Glibc
import Logging
import Synchronization
import Testing
@testable import ProgramSupport

/// What the fake process did, in order, and what was logged.
private final class Journal: Sendable {
    let steps = Mutex<[String]>([])
    let logs = Mutex<[String]>([])

    func add(_ step: String) { steps.withLock { $0.append(step) } }
    var recorded: [String] { steps.withLock { $0 } }
    var logged: [String] { logs.withLock { $0 } }
}

private struct JournalLogHandler: LogHandler {
    let journal: Journal
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        journal.logs.withLock { $0.append("\(event.level): \(event.message)") }
    }
}

/// How the fake process behaves.
private struct Behaviour {
    var daemonFails: DaemonError.Step?
    var pidWriteErrno: Int32?
    var plan = PrivilegePlan.drop(AccountIDs(uid: 65534, gid: 65534), source: "user nobody")
    var dropFails = false
}

private func fakeSystem(_ behaviour: Behaviour, _ journal: Journal) -> StartupSystem {
    StartupSystem(
        daemonise: { inDaemon throws(DaemonError) in
            if let step = behaviour.daemonFails {
                journal.add("daemonise failed")
                throw DaemonError(step: step, errno: EPERM)
            }
            journal.add("daemonise")
            let e = inDaemon()
            if e != 0 { throw DaemonError(step: .ready, errno: e) }
        },
        switchToSyslog: { journal.add("syslog \($0)") },
        processID: { 4242 },
        currentDirectory: { "/srv/n2n" },
        privilegePlan: { uid, gid in
            journal.add("plan \(uid.map(String.init) ?? "-")/\(gid.map(String.init) ?? "-")")
            return behaviour.plan
        },
        applyPrivileges: { ids throws(PrivilegeDropError) in
            if behaviour.dropFails { throw .setuid(ids.uid, errno: EPERM) }
            journal.add("drop \(ids.uid)")
        },
        writePidFile: { file, pid throws(PidFileError) in
            if let e = behaviour.pidWriteErrno { throw PidFileError(path: file.path, errno: e) }
            journal.add("pidfile \(file.path) \(pid)")
        },
        removePidFile: { file, pid in
            journal.add("remove \(file.path) \(pid)")
            return true
        })
}

private func settings(foreground: Bool = false, pidFile: String? = nil,
                      policy: DaemonFailurePolicy = .stayInForeground) -> ProcessSettings {
    ProcessSettings(identifier: "prog", foreground: foreground, userID: 7, groupID: nil, pidFile: pidFile,
                    daemonFailure: policy)
}

/// Runs the sequence with a fake process; `openFails` makes step 1 fail, `runStatus` is step 4's.
private func start(_ settings: ProcessSettings, _ behaviour: Behaviour = Behaviour(), openFails: Bool = false,
                   runStatus: Int32 = 0) -> (status: Int32, journal: Journal) {
    let journal = Journal()
    let logger = Logger(label: "test") { _ in JournalLogHandler(journal: journal) }
    let status = StartupSequence.run(
        settings, logger: logger, system: fakeSystem(behaviour, journal),
        open: { () throws(StartupFailure) -> String in
            journal.add("open")
            if openFails { throw StartupFailure("cannot open TAP") }
            return "resources"
        },
        run: { program, daemonised in
            journal.add("run \(program) daemonised=\(daemonised)")
            return runStatus
        })
    return (status, journal)
}

@Suite struct ProcessStartupSequenceTests {
    @Test func daemonWritesThePidFileBeforeDroppingPrivilegesAndRemovesItAfterRunning() {
        let (status, journal) = start(settings(pidFile: "/run/prog.pid"))
        #expect(status == 0)
        #expect(journal.recorded == [
            "open", "daemonise", "pidfile /run/prog.pid 4242", "syslog prog", "plan 7/-", "drop 65534",
            "run resources daemonised=true", "remove /run/prog.pid 4242",
        ])
    }

    @Test func foregroundWritesThePidFileItself() {
        let (status, journal) = start(settings(foreground: true, pidFile: "/run/prog.pid"))
        #expect(status == 0)
        #expect(journal.recorded == [
            "open", "pidfile /run/prog.pid 4242", "plan 7/-", "drop 65534", "run resources daemonised=false",
            "remove /run/prog.pid 4242",
        ])
    }

    @Test func withoutPidFileNothingIsWrittenOrRemoved() {
        let (_, journal) = start(settings(foreground: true))
        #expect(journal.recorded == ["open", "plan 7/-", "drop 65534", "run resources daemonised=false"])
    }

    @Test func aRelativePidFileIsResolvedBeforeDaemonising() {
        let (_, journal) = start(settings(pidFile: "run/prog.pid"))
        #expect(journal.recorded.contains("pidfile /srv/n2n/run/prog.pid 4242"))
    }

    @Test(arguments: [0, 1, 3] as [Int32])
    func theRunStatusIsTheExitStatus(_ runStatus: Int32) {
        #expect(start(settings(), runStatus: runStatus).status == runStatus)
    }

    @Test func openFailureIsExitOneBeforeDaemonising() {
        let (status, journal) = start(settings(pidFile: "/p"), openFails: true)
        #expect(status == ExitStatus.failure)
        #expect(journal.recorded == ["open"])
        #expect(journal.logged == ["critical: cannot open TAP"])
    }

    @Test func edgePolicyStaysInTheForegroundWhenDaemonisingFails() {
        let (status, journal) = start(settings(pidFile: "/p"), Behaviour(daemonFails: .setsid))
        #expect(status == 0)
        #expect(journal.recorded == [
            "open", "daemonise failed", "pidfile /p 4242", "plan 7/-", "drop 65534", "run resources daemonised=false",
            "remove /p 4242",
        ])
        #expect(journal.logged.contains { $0.hasPrefix("error: cannot become a daemon") && $0.hasSuffix("staying in the foreground") })
    }

    @Test func supernodePolicyFailsWhenDaemonisingFails() {
        let (status, journal) = start(settings(policy: .fail), Behaviour(daemonFails: .fork))
        #expect(status == ExitStatus.failure)
        #expect(journal.recorded == ["open", "daemonise failed"])
    }

    @Test(arguments: [DaemonFailurePolicy.stayInForeground, .fail])
    func aPidFileTheDaemonCannotWriteIsExitOne(_ policy: DaemonFailurePolicy) {
        let (status, journal) = start(settings(pidFile: "/run/prog.pid", policy: policy), Behaviour(pidWriteErrno: EACCES))
        #expect(status == ExitStatus.failure)
        #expect(journal.recorded == ["open", "daemonise"])
        #expect(journal.logged == ["critical: cannot write the pid file '/run/prog.pid': Permission denied"])
    }

    @Test func aPidFileTheForegroundCannotWriteIsExitOne() {
        let (status, journal) = start(settings(foreground: true, pidFile: "/p"), Behaviour(pidWriteErrno: EROFS))
        #expect(status == ExitStatus.failure)
        #expect(journal.recorded == ["open"])
    }

    @Test func privilegeDropFailureIsExitOneAndRemovesThePidFile() {
        let (status, journal) = start(settings(pidFile: "/p"), Behaviour(dropFails: true))
        #expect(status == ExitStatus.failure)
        #expect(journal.recorded == ["open", "daemonise", "pidfile /p 4242", "syslog prog", "plan 7/-", "remove /p 4242"])
        #expect(journal.logged.last?.hasPrefix("critical: unable to drop privileges") == true)
    }

    @Test func keepingPrivilegesIsLoggedAndRuns() {
        let (status, journal) = start(settings(foreground: true), Behaviour(plan: .keep(reason: "not running as root")))
        #expect(status == 0)
        #expect(journal.recorded == ["open", "plan 7/-", "run resources daemonised=false"])
        #expect(journal.logged == ["warning: keeping privileges: not running as root"])
    }

    @Test func exitStatusesAreDistinct() {
        #expect([ExitStatus.success, ExitStatus.failure, ExitStatus.usage] == [0, 1, 2])
    }
}
