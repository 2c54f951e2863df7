import Testing
@testable import ProgramSupport

/// A tool-info document with the given argument objects (as swift-argument-parser writes them).
private func toolInfo(_ arguments: [String], version: Int = 0) -> String {
    #"{"serializationVersion":\#(version),"command":{"commandName":"t","abstract":"x","arguments":["#
        + arguments.joined(separator: ",") + "]}}"
}

private func option(_ kind: String, _ names: [(String, String)], parsing: String = "unconditional") -> String {
    let list = names.map { #"{"kind":"\#($0.0)","name":"\#($0.1)"}"# }.joined(separator: ",")
    return #"{"kind":"\#(kind)","shouldDisplay":true,"isOptional":true,"isRepeating":false,"parsingStrategy":"\#(parsing)","names":[\#(list)]}"#
}

@Suite struct ProcessOptionDeclarationsTests {
    @Test func optionsFlagsLongOnlyAndAttachedValues() throws {
        let json = toolInfo([
            option("option", [("short", "c"), ("long", "community"), ("long", "comm")]),
            option("flag", [("short", "f")], parsing: "default"),
            option("option", [("short", "A")]),
            option("option", [("long", "pidfile")]),
            option("flag", [("short", "h"), ("long", "help")]),
        ])
        let table = try OptionTable(declarations: json, attachedValueDefaults: ["A": "3"])
        #expect(table.specs == [
            OptionSpec(short: "c", long: ["community", "comm"], argument: .required),
            OptionSpec(short: "f"),
            OptionSpec(short: "A", argument: .optionalAttached(bareValue: "3")),
            OptionSpec(longOnly: "pidfile", argument: .required),
            OptionSpec(short: "h", long: ["help"]),
        ])
    }

    @Test func theDerivedTableDrivesArgvAndConfigFiles() throws {
        let table = try OptionTable(declarations: toolInfo([
            option("option", [("short", "A")]), option("option", [("long", "pidfile")]),
        ]), attachedValueDefaults: ["A": "3"])
        let argv = ArgvNormaliser.tokenise(["-A", "--pid=/x"], table: table)
        #expect(ArgvNormaliser.render(argv.options, table: table) == ["-A", "3", "--pidfile", "/x"])
        let file = ConfigFileGrammar.parse("--pidfile /y\n-A5\n", path: "f", table: table)
        #expect(file.options.map(\.value) == ["/y", "5"])
        #expect(file.options.map(\.origin) == [.configFile(path: "f", line: 1), .configFile(path: "f", line: 2)])
    }

    @Test(arguments: [
        (toolInfo([option("positional", [])]), "positional arguments have no getopt form"),
        (toolInfo([option("flag", [("longWithSingleDash", "help")])]), "getopt has no longWithSingleDash names"),
        (toolInfo([option("option", [("long", "a"), ("long", "b")])]), "exactly one long name"),
        (toolInfo([option("option", [("short", "c")]), option("flag", [("short", "c")])]), "two options share a name"),
        (toolInfo([option("option", [("short", "c"), ("long", "x")]), option("flag", [("long", "x")])]), "two options share a name"),
        (toolInfo([option("option", [("short", "c")])], version: 1), "version 1 is not supported"),
        (toolInfo([option("option", [("short", "k")], parsing: "default")]), "option 'k' must parse its value unconditionally"),
        ("not json", "unreadable tool info"),
    ] as [(String, String)])
    func declarationsGetoptCannotExpressAreRejected(_ json: String, _ reason: String) {
        #expect {
            _ = try OptionTable(declarations: json)
        } throws: { error in
            (error as? OptionDeclarationError)?.reason.contains(reason) == true
        }
    }

    @Test func attachedValueDefaultsMustNameADeclaredOption() {
        #expect(throws: OptionDeclarationError.self) {
            _ = try OptionTable(declarations: toolInfo([option("option", [("short", "A")])]), attachedValueDefaults: ["z": "1"])
        }
        #expect(throws: OptionDeclarationError.self) {
            _ = try OptionTable(declarations: toolInfo([option("flag", [("short", "z")])]), attachedValueDefaults: ["z": "1"])
        }
    }
}

@Suite struct ProcessOptionBlameTests {
    @Test func firstOptionRejectedAloneIsBlamed() {
        let options = [
            ParsedOption(key: "a", value: "1", spelling: "-a"),
            ParsedOption(key: "b", value: "bad", spelling: "-b", origin: .configFile(path: "f", line: 3)),
            ParsedOption(key: "c", value: "bad", spelling: "-c"),
        ]
        let culprit = OptionBlame.firstRejected(options) { $0.allSatisfy { $0.value != "bad" } }
        #expect(culprit?.key == "b")
        #expect(culprit?.origin.messagePrefix == "f:3: ")
        #expect(OptionOrigin.commandLine.messagePrefix == "")
        #expect(OptionBlame.firstRejected(Array(options.prefix(1))) { _ in true } == nil)
    }
}
