import N2NWire

/// `n2n-keygen`, as n2n 3.1.1's tool (v3 spec 6.6): `n2n-keygen USER PASSWORD` prints the
/// supernode community-file line `* USER KEY`, `n2n-keygen -F NAME` the edge option `-P KEY`.
/// Anything else prints the usage on standard error and exits with status 1, as the stock tool.
///
/// Two refusals the stock tool does not make, because its output would not work: a user name the
/// supernode's file and the edge's `-I` cannot hold (empty, over 15 bytes, or with blanks), and
/// the note that a federation name is hashed without its leading '*' (the supernode strips it).
public enum KeygenCommandLine {
    public static let usage = """
        n2n-keygen: keys for n2n 3.x user/password authentication

          usage:  n2n-keygen <username> <password>
                  n2n-keygen -F <federation name>

          The first prints the line that admits the user in the supernode's community file
          (under its community); the second the -P option that gives edges the federation's
          public key. See n2n-keygen(1).

        """

    public static func evaluate(_ arguments: [String]) -> CommandLineExit {
        switch arguments.count {
        case 2 where arguments[0] == "-F":
            var name = arguments[1]
            var note = ""
            if name.hasPrefix("*") {
                name.removeFirst()
                note = "n2n-keygen: the supernode hashes its -F name without the leading '*': key of '\(name)'\n"
            }
            guard !name.isEmpty else { return CommandLineExit(status: 1, errorOutput: "n2n-keygen: empty federation name\n") }
            let key = KeyText.encode(UserPasswordKeys.federationPublicKey(name: name))
            return CommandLineExit(status: 0, output: "-P \(key)\n", errorOutput: note)
        case 2 where !arguments[0].hasPrefix("-"):
            let user = arguments[0]
            guard !user.isEmpty, user.utf8.count <= 15, !user.contains(where: { $0 == " " || $0 == "\t" }) else {
                return CommandLineExit(
                    status: 1,
                    errorOutput: "n2n-keygen: user name '\(user)' must be 1 to 15 bytes without blanks (the edge's -I and the supernode's file hold no more)\n")
            }
            let key = KeyText.encode(UserPasswordKeys.publicKey(user: user, password: arguments[1]))
            return CommandLineExit(status: 0, output: "* \(user) \(key)\n")
        default:
            return CommandLineExit(status: 1, errorOutput: usage)
        }
    }
}
