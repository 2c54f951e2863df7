import PacketCore
import ProgramSupport
import Testing
@testable import Edge

/// The short options of a getopt string (`k:a:b` ...): letter -> "none", "required" or "optional".
func getoptKinds(_ optstring: String) -> [Character: String] {
    var result: [Character: String] = [:]
    var chars = Array(optstring)[...]
    while let letter = chars.popFirst() {
        var colons = 0
        while chars.first == ":" {
            colons += 1
            chars = chars.dropFirst()
        }
        result[letter] = ["none", "required", "optional"][colons]
    }
    return result
}

/// The table's short options in the same terms.
func tableKinds(_ table: OptionTable) -> [Character: String] {
    var result: [Character: String] = [:]
    for spec in table.specs {
        guard let short = spec.short else { continue }
        result[short] = switch spec.argument {
        case .none: "none"
        case .required: "required"
        case .optionalAttached: "optional"
        }
    }
    return result
}

/// The getopt table is derived from `EdgeCommand`'s declarations; it must be n2n 2.8's vocabulary.
@Suite struct CLIEdgeOptionTableTests {
    let table = EdgeCommand.optionTable

    /// 2.8's letters, with -S taking 3.1.1's optional level, plus 3.1.1's -I -e -J -P -R.
    @Test func shortOptionsAreN2N28sAnd311s() {
        #expect(tableKinds(table) == getoptKinds("k:a:bc:Eu:g:m:M:s:d:l:p:fvhrt:i:S::DL:z::A::Hn:T:I:e:J:P:R:"))
    }

    @Test func longNamesAreN2N28sPlusVersionPidfileAndNoOffload() {
        var longs: [String: String] = [:]
        for spec in table.specs {
            for long in spec.longNames { longs[long] = spec.key }
        }
        #expect(longs == [
            "community": "c", "euid": "u", "egid": "g", "tun-device": "d", "supernode-list": "l",
            "verbose": "v", "help": "h", "version": "version", "pidfile": "pidfile", "no-offload": "no-offload", "workers": "workers",
            "igmp-snooping": "igmp-snooping", "igmp-query-interval": "igmp-query-interval",
            "igmp-membership-timeout": "igmp-membership-timeout",
            "no-mss-clamp": "no-mss-clamp", "max-local-hosts": "max-local-hosts",
            "management-password": "management-password", "metrics": "metrics",
            "protocol": "protocol", "select-rtt": "select-rtt", "select-mac": "select-mac",
        ])
        #expect(table.spec(key: "igmp-snooping")?.argument == OptionSpec.Argument.none)
        #expect(table.spec(key: "igmp-query-interval")?.argument == .required)
        #expect(table.spec(key: "igmp-membership-timeout")?.short == nil)
        #expect(table.spec(key: "metrics")?.argument == .required)
        #expect(table.spec(key: "no-offload")?.argument == OptionSpec.Argument.none)
        #expect(table.spec(key: "version")?.argument == OptionSpec.Argument.none)
        #expect(table.spec(key: "pidfile")?.argument == .required)
        #expect(table.spec(key: "pidfile")?.short == nil)
    }

    @Test func bareCipherAndCompressionMeanTheirDefaults() {
        #expect(table.spec(short: "A")?.argument == .optionalAttached(bareValue: "3"))
        #expect(table.spec(short: "z")?.argument == .optionalAttached(bareValue: "1"))
    }

    @Test func configFileGrammarUsesTheSameTable() throws {
        // A long name the declarations gained (--pidfile) is understood in a file without any
        // second list: the file grammar reads the derived table.
        let c = try #require(edgeConfig(["e.conf"], files: ["e.conf": "-c=bench\n-l=10.0.0.1:1\n-a=10.1.0.1\n--pidfile=/run/e.pid\n"]))
        #expect(c.pidFile == "/run/e.pid")
    }

    @Test func igmpSnoopingImpliesMulticastAndTakesItsTimers() throws {
        let file = "-c=bench\n-l=10.0.0.1:1\n-a=10.1.0.1\n--igmp-snooping\n--igmp-query-interval=4\n--igmp-membership-timeout=9\n"
        let c = try #require(edgeConfig(["e.conf"], files: ["e.conf": file]))
        #expect(c.acceptMulticast)
        let settings = try #require(c.multicastSnooping)
        #expect(settings.timers.queryInterval == 4 * MembershipTimers.second)
        #expect(settings.timers.groupMembershipInterval == 9 * MembershipTimers.second)
        let plain = try #require(edgeConfig(["-c", "x", "-l", "10.0.0.1:1", "-a", "10.1.0.1"]))
        #expect(plain.multicastSnooping == nil && !plain.acceptMulticast)
    }
}
