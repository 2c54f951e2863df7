import ArgumentParser
import N2NWire
import PacketCore

/// Turns `supernode`'s arguments and configuration file into a `SupernodeConfiguration`, or into
/// the exit n2n 2.8 would make: no arguments or `-h` print the help and exit 1 (spec 8.2, 8.5);
/// anything invalid prints the problem and the usage and exits 1.
///
/// Deliberate differences from 2.8: unknown options, stray arguments, values `atoi` would have
/// read as 0 and an unreadable configuration file stop the supernode (2.8 went on with what it
/// had parsed); `-c` only records the path (load it with `CommunityFile`), so a later `-c` simply
/// replaces an earlier one.
public enum SupernodeCommandLine {
    public static let programName = "supernode"

    public static func evaluate(
        _ arguments: [String],
        readFile: (String) throws(FileReadError) -> String = { path throws(FileReadError) in try TextFile.read(path) },
        columns: Int? = nil
    ) -> CommandLineOutcome<SupernodeConfiguration> {
        let table = SupernodeCommand.optionTable
        guard !arguments.isEmpty else { return .exit(help(columns: columns)) }

        var options: [ParsedOption] = []
        var warnings: [String] = []
        var firstError: String?
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

        if options.contains(where: { $0.key == "h" }) { return .exit(help(columns: columns)) }
        if options.contains(where: { $0.key == "version" }) {
            return .exit(CommandLineExit(status: 0, output: SupernodeCommand.configuration.version + "\n"))
        }
        if firstError == nil, let error = cli.error { firstError = "\(error)" }
        if firstError == nil, let stray = cli.positionals.first { firstError = "unexpected argument '\(stray)'" }
        if let firstError { return .exit(usageError(SupernodeCLIError(firstError), warnings: warnings)) }

        let command: SupernodeCommand
        do {
            command = try SupernodeCommand.parse(ArgvNormaliser.render(options, table: table))
        } catch {
            return .exit(usageError(SupernodeCLIError(SupernodeCommand.message(for: error)), warnings: warnings))
        }
        var config = SupernodeConfiguration()
        if let v = command.localPort { config.localPort = v }
        if let v = command.managementPort { config.managementPort = v }
        config.communityFile = command.communityFile
        config.foreground = command.foreground
        config.userID = command.userID
        config.groupID = command.groupID
        config.verbosity = Verbosity.default + command.verbose
        if config.communityFile == "" {
            return .exit(usageError(SupernodeCLIError("the community file name (-c) is empty"), warnings: warnings))
        }
        return .run(config, warnings: warnings)
    }

    public static func evaluateProcess() -> CommandLineOutcome<SupernodeConfiguration> {
        evaluate(Array(CommandLine.arguments.dropFirst()))
    }

    public static func helpText(columns: Int? = nil) -> String {
        SupernodeCommand.helpMessage(columns: columns)
    }

    static func help(columns: Int?) -> CommandLineExit {
        CommandLineExit(status: SupernodeCLIError.exitStatus, output: helpText(columns: columns) + "\n")
    }

    static let usageText = formatUsage(SupernodeCommand.usageString())

    static func usageError(_ error: SupernodeCLIError, warnings: [String]) -> CommandLineExit {
        var text = warnings.map { "\(programName): warning: \($0)\n" }.joined()
        text += "\(programName): \(error)\n\n" + usageText
        text += "\nSee '\(programName) -h' for all options.\n"
        return CommandLineExit(status: SupernodeCLIError.exitStatus, errorOutput: text)
    }
}
