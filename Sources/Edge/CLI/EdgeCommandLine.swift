import ArgumentParser
import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport

/// Turns `edge`'s arguments, environment and configuration file into an `EdgeConfiguration`, or
/// into an exit (see `ExitStatus`):
///
/// * `-h`, `--help`: help on standard output, exit 0; `--version` likewise;
/// * no arguments: the help on standard error, exit 2 (there is nothing to run);
/// * an incomplete or invalid configuration: the problem and the usage on standard error, exit 2;
///   a problem on a configuration-file line starts with `file:line:`;
/// * an unsupported `-A`/`-z` value or a third `-l`: the problem on standard error, exit 2.
///
/// n2n 2.8 exited 0 for the invalid configurations and 1 for the last group (spec 8.5); both are
/// usage errors here so that a bad configuration cannot pass for a clean stop.
///
/// Order: defaults, then `N2N_KEY` (key, and Twofish as the default cipher), then the file, then the
/// command line; a key with cipher null (e.g. `-A1 -k x`) then switches to Twofish, as in n2n.
///
/// Deliberate differences from 2.8, which continued or crashed: unknown options, stray
/// non-option arguments (`-A 3` is a bare `-A` plus `3`), values `atoi` would have read as 0,
/// bad `-n` routes and an unreadable configuration file are all reported as invalid configuration.
/// `-h` anywhere (before a syntax error) wins over every error; 2.8 acted on it when reached.
public enum EdgeCommandLine {
    public static let programName = "edge"

    /// - Parameters:
    ///   - arguments: the arguments without the program name.
    ///   - environment: the process environment (only `N2N_KEY` is read).
    ///   - readFile: reads the configuration file named by a first non-option argument.
    ///   - columns: help text width; nil = the terminal's.
    public static func evaluate(
        _ arguments: [String],
        environment: [String: String],
        readFile: (String) throws(FileReadError) -> String = { path throws(FileReadError) in try TextFile.read(path) },
        columns: Int? = nil
    ) -> CommandLineOutcome<EdgeConfiguration> {
        let table = EdgeCommand.optionTable
        guard !arguments.isEmpty else { return .exit(noArguments(columns: columns)) }

        let gathered = GatheredOptions(arguments, table: table, readFile: readFile, strayHint: strayHint)
        if gathered.wantsHelp { return .exit(help(columns: columns)) }
        if gathered.wantsVersion {
            return .exit(CommandLineExit(status: ExitStatus.success, output: EdgeCommand.configuration.version + "\n"))
        }
        let options = gathered.options
        var warnings = gathered.warnings
        if let firstError = gathered.firstError {
            return .exit(usageError(.invalidConfiguration(firstError), warnings: warnings))
        }

        // What 2.8 rejects while parsing, with exit 1, in order of appearance.
        var supernodeCount = 0
        for option in options {
            switch option.key {
            case "A":
                do { _ = try EdgeOptionValues.cipher(table.effectiveValue(of: option) ?? "") } catch {
                    return .exit(usageError(.fatal(option.origin.messagePrefix + error.reason), warnings: warnings))
                }
                if option.value == nil {
                    warnings.append("a bare -A is deprecated; it means -A3 (AES-CBC)")
                }
            case "z":
                do { _ = try EdgeOptionValues.compression(table.effectiveValue(of: option) ?? "") } catch {
                    return .exit(usageError(.fatal(option.origin.messagePrefix + error.reason), warnings: warnings))
                }
            case "l":
                supernodeCount += 1
                if supernodeCount > 2 && !options.contains(where: { $0.key == "protocol" && $0.value == "3" }) {
                    return .exit(usageError(.fatal("too many supernodes: at most two -l (\(option.origin))"), warnings: warnings))
                }
            case "b":
                warnings.append("-b is ignored: supernode names are re-resolved at every registration round")
            default:
                break
            }
        }
        if options.filter({ $0.key == "s" }).count > 1 {
            warnings.append("multiple subnet masks (-s) supplied; the last one is used")
        }

        // The last -d is the one used; checked here, where its file line is still known.
        if let device = options.last(where: { $0.key == "d" }), case .configFile = device.origin {
            do throws(EdgeCLIError) {
                try EdgeConfiguration.checkTapName(device.value ?? "", prefix: device.origin.messagePrefix)
            } catch {
                return .exit(usageError(error, warnings: warnings))
            }
        }

        let command: EdgeCommand
        do {
            command = try EdgeCommand.parse(ArgvNormaliser.render(options, table: table))
        } catch {
            return .exit(usageError(.invalidConfiguration(parseErrorMessage(error, options: options)), warnings: warnings))
        }

        var config = EdgeConfiguration()
        let v3 = command.wireProtocol == 3
        if let envKey = environment["N2N_KEY"] {
            config.key = envKey
            config.transform = v3 ? .aesCBC : .twofish
        }
        apply(command, to: &config, warnings: &warnings)
        if let refusal = refusal(command) {
            return .exit(usageError(.fatal(refusal), warnings: warnings))
        }
        if config.transform == .null && config.key != nil {
            // n2n 3.x: a key alone means AES (v3 spec 8.2); 2.x: Twofish.
            warnings.append("switching to \(v3 ? "AES" : "Twofish") as a key was provided")
            config.transform = v3 ? .aesCBC : .twofish
        }
        do throws(EdgeCLIError) {
            warnings += try config.validate()
        } catch {
            return .exit(usageError(error, warnings: warnings))
        }
        return .run(config, warnings: warnings)
    }

    /// Reads the real process arguments and environment.
    public static func evaluateProcess() -> CommandLineOutcome<EdgeConfiguration> {
        var environment: [String: String] = [:]
        if let key = ProcessEnvironment.value("N2N_KEY") { environment["N2N_KEY"] = key }
        return evaluate(Array(CommandLine.arguments.dropFirst()), environment: environment)
    }

    /// The n2n 3.x options this edge does not implement, and the 3.x options given without
    /// `--protocol 3`: a clear refusal instead of a silent difference.
    static func refusal(_ command: EdgeCommand) -> String? {
        if command.userName != nil || command.federationKey != nil {
            return "user/password authentication (-J, -P) is not supported yet"
        }
        if !command.rules.isEmpty { return "traffic filter rules (-R) are not supported yet" }
        if command.supernodeOnly == 2 { return "TCP to the supernode (-S2) is not supported yet; -S1 relays over UDP" }
        guard command.wireProtocol != 3 else { return nil }
        let v3Only: [(Bool, String)] = [(command.deviceDescription != nil, "-I"), (command.preferredAddress != nil, "-e"),
                                        (command.selectRTT, "--select-rtt"), (command.selectMAC, "--select-mac")]
        if let (_, name) = v3Only.first(where: \.0) { return "\(name) is an n2n 3.x option: add --protocol 3" }
        return nil
    }

    static func apply(_ command: EdgeCommand, to config: inout EdgeConfiguration, warnings: inout [String]) {
        let v3 = command.wireProtocol == 3
        config.wireProtocol = command.wireProtocol ?? 2
        if let name = command.community {
            config.community = Community(name)
            if name.utf8.count > Community.maxNameLength {
                config.longCommunityName = String(decoding: name.utf8.prefix(V3Community.maxNameLength), as: UTF8.self)
            }
            if v3 && name.utf8.count > V3Community.maxNameLength {
                warnings.append("community name truncated to \(V3Community.maxNameLength) bytes: '\(config.fullCommunityName)'")
            } else if !v3 && name.utf8.count > Community.maxNameLength {
                warnings.append("community name truncated to \(Community.maxNameLength) bytes: '\(config.communityName)'")
            }
        }
        config.supernodes = command.supernodes
        if let v = command.tapName { config.tapName = v }
        if let v = command.tapAddress { config.tapAddress = v }
        if let v = command.netmask { config.netmask = v }
        if let length = command.tapAddress?.prefixLength { config.netmask = EdgeOptionValues.netmask(prefixLength: length) }
        if let v = command.deviceDescription { config.deviceDescription = String(decoding: v.utf8.prefix(16), as: UTF8.self) }
        if let v = command.preferredAddress {
            if v == "auto" { config.preferredAddress = 0 } else if case .v4(let a)? = IPAddress(ipv4: v) { config.preferredAddress = a } else {
                warnings.append("-e \(v) is not an IPv4 address or 'auto'; ignored")
            }
        }
        config.selection = command.selectMAC ? .mac : command.selectRTT ? .rtt : .load
        if let v = command.mtu { config.mtu = v }
        if let v = command.mac { config.mac = v }
        if let v = command.key { config.key = v }
        if let v = command.cipher { config.transform = v }
        if let v = command.compression { config.compression = v }
        config.headerEncryption = command.headerEncryption
        config.acceptMulticast = command.acceptMulticast || command.igmpSnooping
        if command.igmpSnooping {
            config.multicastSnooping = EdgeMulticastSettings(queryIntervalSeconds: command.igmpQueryInterval,
                                                             membershipTimeoutSeconds: command.igmpMembershipTimeout)
        } else if command.igmpQueryInterval != nil || command.igmpMembershipTimeout != nil {
            warnings.append("--igmp-query-interval and --igmp-membership-timeout have no effect without --igmp-snooping")
        }
        config.allowP2P = command.supernodeOnly == nil
        config.allowRouting = command.allowRouting
        if let v = command.registerTTL { config.registerTTL = v }
        if let v = command.localPort { config.localPort = v }
        if let v = command.managementPort { config.managementPort = v }
        if let v = command.registerInterval { config.registerInterval = v }
        config.tos = command.tos
        config.pmtuDiscovery = command.pmtuDiscovery
        config.routes = command.routes
        config.userID = command.userID
        config.groupID = command.groupID
        config.foreground = command.foreground
        config.pidFile = command.pidFile
        config.offload = !command.noOffload
        config.clampMSS = !command.noMSSClamp
        if let v = command.maxLocalHosts { config.maxLocalHosts = v }
        if let v = command.workers { config.workers = v }
        if let v = command.managementPassword { config.managementPassword = v }
        config.metrics = command.metrics
        config.verbosity = Verbosity.default + command.verbose
    }

    public static func helpText(columns: Int? = nil) -> String {
        EdgeCommand.helpMessage(columns: columns)
    }

    static func help(columns: Int?) -> CommandLineExit {
        CommandLineExit(status: ExitStatus.success, output: helpText(columns: columns) + "\n")
    }

    /// Nothing to run: the help, as n2n prints it, but as the usage error it is.
    static func noArguments(columns: Int?) -> CommandLineExit {
        CommandLineExit(status: ExitStatus.usage, errorOutput: helpText(columns: columns) + "\n")
    }

    /// The argument parser's message, naming the configuration-file line of the option it rejected.
    static func parseErrorMessage(_ error: any Error, options: [ParsedOption]) -> String {
        OptionBlame.message(
            for: error, options: options, table: EdgeCommand.optionTable,
            parse: { _ = try EdgeCommand.parse($0) }, describe: { EdgeCommand.message(for: $0) })
    }

    /// Built once: the argument parser's usage rendering is not cheap.
    static let usageText = formatUsage(EdgeCommand.usageString())

    static func usageError(_ error: EdgeCLIError, warnings: [String]) -> CommandLineExit {
        let usage: String? = if case .invalidConfiguration = error { usageText } else { nil }
        return .usageError(program: programName, problem: "\(error)", warnings: warnings, usage: usage,
                           status: error.exitStatus)
    }

    /// `-A 3` is a bare -A (AES) followed by a stray `3` for getopt; say how to write it.
    static func strayHint(_ stray: String, in arguments: [String]) -> String {
        guard let i = arguments.firstIndex(of: stray), i > 0 else { return "" }
        let previous = arguments[i - 1]
        if previous == "-A" || previous == "-z" {
            return " (\(previous) takes its value attached: write \(previous)\(stray))"
        }
        return ""
    }
}
