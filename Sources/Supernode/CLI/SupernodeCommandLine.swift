import ArgumentParser
import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport

/// Turns `supernode`'s arguments and configuration file into a `SupernodeConfiguration`, or into
/// an exit (see `ExitStatus`): `-h`/`--help` and `--version` print on standard output and exit 0;
/// no arguments print the help on standard error and exit 2; anything invalid prints the problem
/// (after `file:line:` when it is on a configuration-file line) and the usage and exits 2.
/// n2n 2.8 exited 1 in all these cases (spec 8.2, 8.5), the status of a failed start.
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
        guard !arguments.isEmpty else {
            return .exit(CommandLineExit(status: ExitStatus.usage, errorOutput: helpText(columns: columns) + "\n"))
        }

        let gathered = GatheredOptions(arguments, table: table, readFile: readFile)
        if gathered.wantsHelp { return .exit(help(columns: columns)) }
        if gathered.wantsVersion {
            return .exit(CommandLineExit(status: ExitStatus.success, output: SupernodeCommand.configuration.version + "\n"))
        }
        let warnings = gathered.warnings
        if let firstError = gathered.firstError {
            return .exit(usageError(SupernodeCLIError(firstError), warnings: warnings))
        }

        let command: SupernodeCommand
        do {
            command = try SupernodeCommand.parse(ArgvNormaliser.render(gathered.options, table: table))
        } catch {
            return .exit(usageError(SupernodeCLIError(parseErrorMessage(error, options: gathered.options)), warnings: warnings))
        }
        var config = SupernodeConfiguration()
        if let v = command.localPort { config.localPort = v }
        if let v = command.managementPort { config.managementPort = v }
        config.communityFile = command.communityFile
        config.foreground = command.foreground
        config.pidFile = command.pidFile
        if let v = command.managementPassword { config.managementPassword = v }
        config.metrics = command.metrics
        config.userID = command.userID
        config.groupID = command.groupID
        config.verbosity = Verbosity.default + command.verbose
        if let v = command.broadcastRate { config.broadcastRate = v }
        if let v = command.broadcastBurst { config.broadcastBurst = v }
        if config.communityFile == "" {
            return .exit(usageError(SupernodeCLIError("the community file name (-c) is empty"), warnings: warnings))
        }
        if config.pidFile == "" {
            return .exit(usageError(SupernodeCLIError("the pid file name (--pidfile) is empty"), warnings: warnings))
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
        CommandLineExit(status: ExitStatus.success, output: helpText(columns: columns) + "\n")
    }

    /// The argument parser's message, naming the configuration-file line of the option it rejected.
    static func parseErrorMessage(_ error: any Error, options: [ParsedOption]) -> String {
        OptionBlame.message(
            for: error, options: options, table: SupernodeCommand.optionTable,
            parse: { _ = try SupernodeCommand.parse($0) }, describe: { SupernodeCommand.message(for: $0) })
    }

    static let usageText = formatUsage(SupernodeCommand.usageString())

    static func usageError(_ error: SupernodeCLIError, warnings: [String]) -> CommandLineExit {
        .usageError(program: programName, problem: "\(error)", warnings: warnings, usage: usageText,
                    status: SupernodeCLIError.exitStatus)
    }
}
