import Glibc
import Logging
import Testing
@testable import ProgramSupport
import PacketCore
import LinuxSystem

@Suite struct ProcessLoggingTests {
    @Test func verbosityFollowsN2NTraceLevels() {
        #expect(Verbosity.default == 2)
        #expect(Verbosity.logLevel(0) == .error)
        #expect(Verbosity.logLevel(1) == .warning)
        #expect(Verbosity.logLevel(2) == .notice)
        #expect(Verbosity.logLevel(3) == .info)
        #expect(Verbosity.logLevel(4) == .debug)
        #expect(Verbosity.logLevel(5) == .trace)
        #expect(Verbosity.logLevel(-3) == .error)
    }

    @Test func syslogPriorities() {
        #expect(Syslog.priority(.error) == LOG_ERR)
        #expect(Syslog.priority(.warning) == LOG_WARNING)
        #expect(Syslog.priority(.notice) == LOG_NOTICE)
        #expect(Syslog.priority(.info) == LOG_INFO)
        #expect(Syslog.priority(.debug) == LOG_DEBUG)
        #expect(Syslog.priority(.critical) == LOG_CRIT)
    }

    @Test func handlerUsesN2NLevelNames() {
        #expect(ProcessLogHandler.label(.notice) == "NORMAL")
        #expect(ProcessLogHandler.label(.warning) == "WARNING")
        #expect(ProcessLogHandler.label(.error) == "ERROR")
        #expect(ProcessLogHandler.label(.debug) == "DEBUG")
    }

    @Test func effectiveValueOfBareOptions() {
        let table = OptionTable([OptionSpec(short: "A", argument: .optionalAttached(bareValue: "3")), OptionSpec(short: "k", argument: .required)])
        #expect(table.effectiveValue(of: ParsedOption(key: "A", value: nil, spelling: "-A")) == "3")
        #expect(table.effectiveValue(of: ParsedOption(key: "A", value: "5", spelling: "-A")) == "5")
        #expect(table.effectiveValue(of: ParsedOption(key: "k", value: nil, spelling: "-k")) == nil)
    }
}
