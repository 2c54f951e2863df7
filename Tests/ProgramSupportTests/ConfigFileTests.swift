import Testing
@testable import ProgramSupport
import PacketCore
import LinuxSystem

private let table = OptionTable([
    OptionSpec(short: "k", argument: .required),
    OptionSpec(short: "c", long: ["community"], argument: .required),
    OptionSpec(short: "l", long: ["supernode-list"], argument: .required),
    OptionSpec(short: "f"),
    OptionSpec(short: "v", long: ["verbose"]),
    OptionSpec(short: "A", argument: .optionalAttached(bareValue: "3")),
    OptionSpec(short: "z", argument: .optionalAttached(bareValue: "1")),
])

private func parse(_ text: String) -> ConfigFileOptions {
    ConfigFileGrammar.parse(text, path: "t.conf", table: table)
}

private func pairs(_ r: ConfigFileOptions) -> [String] {
    r.options.map { o in o.value.map { "\(o.key)=\($0)" } ?? o.key }
}

@Suite struct ProcessConfigFileTests {
    @Test func trimRemovesWhiteSpaceAndQuotes() {
        #expect(ConfigFileGrammar.trim("  \"'-c=x'\"\t ") == "-c=x")
        #expect(ConfigFileGrammar.trim("\"\"") == "")
        #expect(ConfigFileGrammar.trim("a b") == "a b")
    }

    @Test func allForms() {
        let r = parse("""
            --community=one
            --community two
            --community  =three
            -c=four
            -c five
            -c\tsix
            -cseven
            -A3
            -A
            -A=2
            -A 5
            -z1
            -z
            -f
            --verbose
            -vvv
            """)
        #expect(pairs(r) == [
            "c=one", "c=two", "c==three", "c=four", "c=five", "c=six", "c=seven",
            "A=3", "A", "A=2", "A=5", "z=1", "z", "f", "v", "v", "v", "v",
        ])
        #expect(r.warnings.isEmpty)
        #expect(r.error == nil)
    }

    /// n2n 2.8's edge dereferenced a null value here (spec 10.4 item 32).
    @Test func shortOptionWithSpacedValueIsAccepted() {
        let r = parse("-k my secret key\n-l 10.0.0.1:7654\n")
        #expect(pairs(r) == ["k=my secret key", "l=10.0.0.1:7654"])
        #expect(r.error == nil)
    }

    @Test func quotes() {
        let r = parse("""
            "-c=bench"
            -c="my net"
            --community "quoted"
            '-k=secret'
            -k 'single'
            """)
        #expect(pairs(r) == ["c=bench", "c=my net", "c=quoted", "k=secret", "k=single"])
    }

    @Test func skippedLines() {
        let r = parse("# comment\n\n \n-\nx\n  # indented comment\n-f\r\n\"\"\n")
        #expect(pairs(r) == ["f"])
        #expect(r.warnings == [])
    }

    @Test func crlfLineEndings() {
        let r = parse("-c=bench\r\n-k secret\r\n--community=last\r\n")
        #expect(pairs(r) == ["c=bench", "k=secret", "c=last"])
    }

    @Test func unrecognizedLinesAndUnknownOptionsWarn() {
        let r = parse("community=bench\n-x=1\n--nosuch=2\n--communityfoo=3\n-fq\n-f\n")
        #expect(pairs(r) == ["f", "f"])
        #expect(r.warnings == [
            "t.conf:1: skipping unrecognized line: community=bench",
            "t.conf:2: unknown option '-x' ignored",
            "t.conf:3: unknown option '--nosuch' ignored",
            "t.conf:4: unknown option '--communityfoo' ignored",
            "t.conf:5: unknown option '-q' in '-fq' ignored",
        ])
        #expect(r.error == nil)
    }

    @Test func flagWithValueWarns() {
        let r = parse("-f=yes\n--verbose 2\n-f=\n")
        #expect(pairs(r) == ["f", "v", "f"])
        #expect(r.warnings == [
            "t.conf:1: option '-f' takes no value; 'yes' ignored",
            "t.conf:2: option '--verbose' takes no value; '2' ignored",
        ])
    }

    @Test(arguments: ["-c", "--community", "-k", "-fk"])
    func missingValueIsAnErrorNotACrash(_ line: String) {
        let r = parse("-f\n\(line)\n-v\n")
        #expect(r.error != nil)
        #expect(r.error?.hasPrefix("t.conf:2: option '-") == true)
        #expect(pairs(r).first == "f")
        #expect(!pairs(r).contains("v"))  // parsing stops at the error
    }

    @Test func emptyValuesAreValues() {
        let r = parse("-k=\n--community=\n-A=\n")
        #expect(pairs(r) == ["k=", "c=", "A="])
        #expect(r.error == nil)
    }

    @Test func originsCarryLineNumbers() {
        let r = parse("# x\n-f\n\n-c=a\n")
        #expect(r.options.map(\.origin) == [
            .configFile(path: "t.conf", line: 2), .configFile(path: "t.conf", line: 4),
        ])
    }
}
