/// The options of an n2n program's command line whose first argument may name a configuration file
/// (`edge edge.conf -l ...`): the file's options first, then the command line's, as n2n reads them.
/// Both programs evaluate them in the same order: `-h` anywhere wins over every error, then
/// `--version`, then `firstError`, and only then the program's own checks.
public struct GatheredOptions: Sendable {
    public private(set) var options: [ParsedOption] = []
    /// The configuration file's warnings.
    public private(set) var warnings: [String] = []
    /// The first problem: in the file or reading it, in the command line's syntax, or a stray
    /// non-option argument.
    public private(set) var firstError: String?

    /// - Parameters:
    ///   - arguments: the arguments without the program name.
    ///   - readFile: reads the configuration file named by a first non-option argument.
    ///   - strayHint: text appended to the stray-argument error, given the stray argument and the
    ///     command-line arguments (without the file name).
    public init(
        _ arguments: [String], table: OptionTable,
        readFile: (String) throws(FileReadError) -> String,
        strayHint: (_ stray: String, _ arguments: [String]) -> String = { _, _ in "" }
    ) {
        var cliArguments = arguments[...]
        if let path = arguments.first, !path.hasPrefix("-") {
            cliArguments = arguments.dropFirst()
            do throws(FileReadError) {
                let file = ConfigFileGrammar.parse(try readFile(path), path: path, table: table)
                options += file.options
                warnings += file.warnings
                firstError = file.error
            } catch {
                firstError = "configuration file: \(error)"
            }
        }
        let cli = ArgvNormaliser.tokenise(cliArguments, table: table)
        options += cli.options
        if firstError == nil, let error = cli.error { firstError = "\(error)" }
        if firstError == nil, let stray = cli.positionals.first {
            firstError = "unexpected argument '\(stray)'" + strayHint(stray, Array(cliArguments))
        }
    }

    public var wantsHelp: Bool { options.contains { $0.key == "h" } }
    public var wantsVersion: Bool { options.contains { $0.key == "version" } }
}

extension CommandLineExit {
    /// The warnings and the problem on standard error, each line prefixed with the program name;
    /// with `usage`, the usage and a pointer to `-h` follow.
    public static func usageError(program: String, problem: String, warnings: [String], usage: String?,
                                  status: Int32) -> CommandLineExit {
        var text = warnings.map { "\(program): warning: \($0)\n" }.joined()
        text += "\(program): \(problem)\n"
        if let usage {
            text += "\n" + usage + "\nSee '\(program) -h' for all options.\n"
        }
        return CommandLineExit(status: status, errorOutput: text)
    }
}
