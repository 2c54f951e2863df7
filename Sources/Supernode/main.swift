import N2NWire

let args = CommandLine.arguments.dropFirst()
if args.contains("--version") {
    print("supernode \(N2NVersion.string) - \(N2NVersion.protocolDescription)")
} else {
    print("usage: supernode -l <port> [-c <community file>] [-f] [-v]")
}
