import ArgumentParser
import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport

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

        let gathered = GatheredOptions(arguments, table: table, readFile: readFile)
        if gathered.wantsHelp { return .exit(help(columns: columns)) }
        if gathered.wantsVersion {
            return .exit(CommandLineExit(status: 0, output: SupernodeCommand.configuration.version + "\n"))
        }
        let warnings = gathered.warnings
        if let firstError = gathered.firstError {
            return .exit(usageError(SupernodeCLIError(firstError), warnings: warnings))
        }

        let command: SupernodeCommand
        do {
            command = try SupernodeCommand.parse(ArgvNormaliser.render(gathered.options, table: table))
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
        .usageError(program: programName, problem: "\(error)", warnings: warnings, usage: usageText,
                    status: SupernodeCLIError.exitStatus)
    }
}
