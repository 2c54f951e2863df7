import PacketCore

switch EdgeCommandLine.evaluateProcess() {
case let .exit(request):
    request.perform()
case let .run(configuration, warnings):
    for warning in warnings { writeAll("edge: warning: \(warning)\n", to: 2) }
    writeAll(configuration.summary + "\n", to: 1)
}
