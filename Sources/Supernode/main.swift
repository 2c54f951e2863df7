import PacketCore

switch SupernodeCommandLine.evaluateProcess() {
case let .exit(request):
    request.perform()
case let .run(configuration, warnings):
    for warning in warnings { writeAll("supernode: warning: \(warning)\n", to: 2) }
    writeAll(configuration.summary + "\n", to: 1)
    if let path = configuration.communityFile {
        let (communities, warning) = CommunityFile.loadForSupernode(path)
        if let warning { writeAll("supernode: warning: \(warning)\n", to: 2) }
        if let communities { writeAll("loaded \(communities.count) communities from \(path)\n", to: 1) }
    }
}
