import N2NWire
import PacketCore
import ProgramSupport
import Testing
@testable import Supernode

/// 3.1.1's supernode command line beside 2.8's (issue 15).
@Suite struct CLISupernodeV3OptionsTests {
    func run(_ args: [String]) -> SupernodeConfiguration? {
        if case .run(let config, _) = SupernodeCommandLine.evaluate(args) { return config }
        return nil
    }

    func refusal(_ args: [String]) -> String? {
        if case .exit(let exit) = SupernodeCommandLine.evaluate(args), exit.status == ExitStatus.usage { return exit.errorOutput }
        return nil
    }

    @Test func dashPAndDashLBothSetThePort() {
        #expect(run(["-p", "7777"])?.localPort == 7777)
        #expect(run(["-l", "7778"])?.localPort == 7778)
    }

    @Test func federationIsRefusedClearly() throws {
        #expect(try #require(refusal(["-l", "10.0.0.1:7654"])).contains("federation"))
        #expect(try #require(refusal(["-p", "7654", "-F", "myfed"])).contains("federation (supernodes joined together), which is not supported yet"))
    }

    @Test func v3OptionsReachTheConfiguration() throws {
        let c = try #require(run(["-p", "7654", "-a", "10.10.0.0-10.10.255.0/24", "-M", "-V", "ours", "-m", "02:53:4e:00:00:09"]))
        #expect(c.v3.autoIPPool == V3AddressPool(first: 0x0A0A_0000, last: 0x0A0A_FF00, prefixLength: 24))
        #expect(!c.v3.spoofingProtection)
        #expect(c.v3.versionText == "ours")
        #expect(c.v3.mac == MACAddress(2, 0x53, 0x4E, 0, 0, 9))
        #expect(run(["-p", "7654"])?.v3.spoofingProtection == true)
        #expect(refusal(["-p", "7654", "-a", "10.0.0.0/24"]) != nil)
        #expect(refusal(["-p", "7654", "-m", "nonsense"]) != nil)
    }

    @Test func communityFileV3Lines() {
        let text = "# comment\nmynet 10.20.30.0/24\nplain\n* alice 1234abcd\nspaced name\n"
        #expect(CommunityFile.parse(Array(text.utf8)).map(\.name) == ["mynet", "plain", "spaced name"])
        let lines = CommunityFile.v3Lines(Array(text.utf8))
        #expect(lines.subnets == ["mynet": V3DeviceAddress(address: 0x0A14_1E00, prefixLength: 24)])
        #expect(lines.userLines == [4])
        #expect(lines.refusal?.contains("user/password authentication is not supported yet") == true)
        #expect(CommunityFile.v3Lines(Array("a\nb 10.0.0.0/8\n".utf8)).refusal == nil)
    }
}
