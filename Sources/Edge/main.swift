import N2NWire

let args = CommandLine.arguments.dropFirst()
if args.contains("--version") {
    print("edge \(N2NVersion.string) - \(N2NVersion.protocolDescription)")
} else {
    print("usage: edge -c <community> -l <supernode host:port> -a <ip> [options]")
}
