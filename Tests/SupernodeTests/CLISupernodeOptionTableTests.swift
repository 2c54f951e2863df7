import ProgramSupport
import Testing
@testable import Supernode

/// The getopt table is derived from `SupernodeCommand`'s declarations; it must be n2n 2.8's vocabulary.
@Suite struct CLISupernodeOptionTableTests {
    let table = SupernodeCommand.optionTable

    @Test func shortOptionsAreN2N28s() {
        var kinds: [Character: Bool] = [:]
        for spec in table.specs {
            if let short = spec.short { kinds[short] = spec.takesValue }
        }
        // n2n 2.8: "fl:u:g:t:c:vh"
        #expect(kinds == ["f": false, "l": true, "u": true, "g": true, "t": true, "c": true, "v": false, "h": false])
    }

    @Test func longNamesAreN2N28sPlusVersionAndPidfile() {
        var longs: [String: String] = [:]
        for spec in table.specs {
            for long in spec.longNames { longs[long] = spec.key }
        }
        #expect(longs == [
            "foreground": "f", "local-port": "l", "mgmt-port": "t", "communities": "c", "verbose": "v",
            "help": "h", "version": "version", "pidfile": "pidfile",
            "management-password": "management-password", "metrics": "metrics",
            "broadcast-rate": "broadcast-rate", "broadcast-burst": "broadcast-burst",
        ])
        #expect(table.spec(key: "metrics")?.argument == .required)
        #expect(table.spec(key: "management-password")?.short == nil)
        #expect(table.spec(key: "pidfile")?.argument == .required)
    }
}
