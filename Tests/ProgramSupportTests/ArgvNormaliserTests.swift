import Testing
@testable import ProgramSupport
import PacketCore
import LinuxSystem

/// A table shaped like edge's: required values, flags, optional attached values, long names.
private let table = OptionTable([
    OptionSpec(short: "k", argument: .required),
    OptionSpec(short: "c", long: ["community"], argument: .required),
    OptionSpec(short: "u", long: ["euid"], argument: .required),
    OptionSpec(short: "g", long: ["egid"], argument: .required),
    OptionSpec(short: "f"),
    OptionSpec(short: "v", long: ["verbose"]),
    OptionSpec(short: "A", argument: .optionalAttached(bareValue: "3")),
    OptionSpec(short: "z", argument: .optionalAttached(bareValue: "1")),
    OptionSpec(longOnly: "version"),
])

private func pairs(_ r: NormalisedArguments) -> [String] {
    r.options.map { o in o.value.map { "\(o.key)=\($0)" } ?? o.key }
}

@Suite struct ProcessArgvNormaliserTests {
    @Test func separateAndAttachedValues() {
        let r = ArgvNormaliser.tokenise(["-k", "secret", "-cbench"], table: table)
        #expect(pairs(r) == ["k=secret", "c=bench"])
        #expect(r.error == nil && r.positionals.isEmpty)
    }

    @Test func valueIsTakenWhateverItLooksLike() {
        let r = ArgvNormaliser.tokenise(["-k", "-v", "-c", "--", "-k", "--verbose"], table: table)
        #expect(pairs(r) == ["k=-v", "c=--", "k=--verbose"])
    }

    @Test func flagClusters() {
        #expect(pairs(ArgvNormaliser.tokenise(["-vvv"], table: table)) == ["v", "v", "v"])
        #expect(pairs(ArgvNormaliser.tokenise(["-v", "-v"], table: table)) == ["v", "v"])
        #expect(pairs(ArgvNormaliser.tokenise(["-fvkkey"], table: table)) == ["f", "v", "k=key"])
        #expect(pairs(ArgvNormaliser.tokenise(["-fk", "key"], table: table)) == ["f", "k=key"])
    }

    @Test func optionalValuesOnlyAttached() {
        #expect(pairs(ArgvNormaliser.tokenise(["-A3"], table: table)) == ["A=3"])
        #expect(pairs(ArgvNormaliser.tokenise(["-z1", "-z"], table: table)) == ["z=1", "z"])
        #expect(pairs(ArgvNormaliser.tokenise(["-fA5"], table: table)) == ["f", "A=5"])
        let spaced = ArgvNormaliser.tokenise(["-A", "3"], table: table)
        #expect(pairs(spaced) == ["A"])
        #expect(spaced.positionals == ["3"])
        #expect(pairs(ArgvNormaliser.tokenise(["-A=3"], table: table)) == ["A==3"])
    }

    @Test func longNames() {
        #expect(pairs(ArgvNormaliser.tokenise(["--community=x", "--community", "y"], table: table)) == ["c=x", "c=y"])
        #expect(pairs(ArgvNormaliser.tokenise(["--comm", "y", "--verb", "--version"], table: table)) == ["c=y", "v", "version"])
        #expect(pairs(ArgvNormaliser.tokenise(["--community="], table: table)) == ["c="])
        let r = ArgvNormaliser.tokenise(["--comm=q"], table: table)
        #expect(r.options.first?.spelling == "--community")
    }

    @Test func longNameErrors() {
        #expect(ArgvNormaliser.tokenise(["--e", "1"], table: table).error
            == .ambiguousOption("--e", candidates: ["--euid", "--egid"]))
        #expect(ArgvNormaliser.tokenise(["--nope"], table: table).error == .unknownOption("--nope"))
        #expect(ArgvNormaliser.tokenise(["--verbose=2"], table: table).error == .unexpectedValue("--verbose", value: "2"))
        #expect(ArgvNormaliser.tokenise(["--community"], table: table).error == .missingValue("--community"))
        #expect(ArgvNormaliser.tokenise(["--"], table: table).error == nil)
        #expect(ArgvNormaliser.tokenise(["--="], table: table).error == .unknownOption("--"))
    }

    @Test func shortErrorsStopLikeGetopt() {
        let r = ArgvNormaliser.tokenise(["-f", "-x", "-v"], table: table)
        #expect(r.error == .unknownOption("-x"))
        #expect(pairs(r) == ["f"])
        #expect(ArgvNormaliser.tokenise(["-c"], table: table).error == .missingValue("-c"))
        #expect(ArgvNormaliser.tokenise(["-fc"], table: table).error == .missingValue("-c"))
        #expect(ArgvNormaliser.tokenise(["-fq"], table: table).error == .unknownOption("-q"))
    }

    @Test func positionalsAndTerminator() {
        let r = ArgvNormaliser.tokenise(["a", "-f", "-", "b", "--", "-v", "c"], table: table)
        #expect(pairs(r) == ["f"])
        #expect(r.positionals == ["a", "-", "b", "-v", "c"])
    }

    @Test func renderIsCanonical() {
        let r = ArgvNormaliser.tokenise(["-vvkx", "-A", "-z2", "--comm=-c", "--version", "-A5"], table: table)
        #expect(ArgvNormaliser.render(r.options, table: table)
            == ["-v", "-v", "-k", "x", "-A", "3", "-z", "2", "-c", "-c", "--version", "-A", "5"])
    }

    @Test func originIsRecorded() {
        let r = ArgvNormaliser.tokenise(["-f"], table: table, origin: .configFile(path: "x.conf", line: 4))
        #expect(r.options.first?.origin == .configFile(path: "x.conf", line: 4))
        #expect(r.options.first?.origin.description == "x.conf:4")
    }

    @Test func errorTexts() {
        #expect(OptionSyntaxError.unknownOption("-x").description == "unknown option '-x'")
        #expect(OptionSyntaxError.missingValue("-c").description == "option '-c' requires a value")
        #expect(OptionSyntaxError.unexpectedValue("--verbose", value: "2").description
            == "option '--verbose' takes no value (got '2')")
    }
}

@Suite struct ProcessOptionValuesTests {
    @Test(arguments: ["", "+1", "1e3", " 1", "1 ", "0x10", "١٢", "99999999999999999999999", "--1", "-"])
    func integerRejectsGarbage(_ text: String) {
        #expect(throws: OptionValueError.self) { try OptionValues.integer(text, in: -100...100) }
    }

    @Test func integerRanges() throws {
        #expect(try OptionValues.integer("42", in: 0...100) == 42)
        #expect(try OptionValues.integer("-7", in: -10...0) == -7)
        #expect(try OptionValues.integer("007", in: 0...10) == 7)
        #expect(throws: OptionValueError("out of range 0...100")) { try OptionValues.integer("101", in: 0...100) }
    }

    @Test func ports() throws {
        #expect(try OptionValues.localPort("0") == 0)
        #expect(try OptionValues.localPort("65535") == 65535)
        #expect(throws: OptionValueError.self) { try OptionValues.localPort("65536") }
        #expect(throws: OptionValueError.self) { try OptionValues.localPort("70000") }
        #expect(throws: OptionValueError.self) { try OptionValues.localPort("-1") }
        #expect(throws: OptionValueError.self) { try OptionValues.remotePort("0") }
        #expect(try OptionValues.remotePort("7654") == 7654)
    }

    @Test func accountIDs() throws {
        #expect(try OptionValues.accountID("0") == 0)
        #expect(try OptionValues.accountID("4294967294") == 4_294_967_294)
        #expect(throws: OptionValueError.self) { try OptionValues.accountID("4294967295") }
        #expect(throws: OptionValueError.self) { try OptionValues.accountID("nobody") }
        #expect(throws: OptionValueError.self) { try OptionValues.accountID("-1") }
    }
}
