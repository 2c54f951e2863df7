import Glibc
import LinuxSystem
import PacketCore
import ProgramSupport

switch SupernodeCommandLine.evaluateProcess() {
case let .exit(request):
    request.perform()
case let .run(configuration, warnings):
    exit(SupernodeLauncher.run(configuration, warnings: warnings))
}
