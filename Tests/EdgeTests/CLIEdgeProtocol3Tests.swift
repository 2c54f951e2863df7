import Testing
import N2NWire
import PacketCore
@testable import Edge

/// `--protocol 3`: n2n 3.1.1's command line and meanings (v3 spec 8.2, 11).
@Suite struct CLIEdgeProtocol3Tests {
    let v3 = ["--protocol", "3", "-c", "mynet", "-l", "10.250.0.254:7654"]

    @Test func aKeyAloneMeansAESAndNoAddressMeansAssigned() throws {
        let c = try #require(edgeConfig(v3 + ["-k", "s3cret"]))
        #expect(c.wireProtocol == 3)
        #expect(c.transform == .aesCBC)
        #expect(c.tapAddress == nil)
        let v2 = try #require(edgeConfig(baseArguments + ["-k", "s3cret"]))
        #expect(v2.wireProtocol == 2 && v2.transform == .twofish)
        #expect(try #require(edgeConfig(v3, environment: ["N2N_KEY": "k"])).transform == .aesCBC)
    }

    @Test func addressWithPrefixLengthSetsTheNetmask() throws {
        let c = try #require(edgeConfig(v3 + ["-a", "10.1.2.3/16"]))
        #expect(c.tapAddress?.ipv4 == 0x0A01_0203)
        #expect(c.netmask == 0xFFFF_0000)
        let exit = try #require(edgeExit(baseArguments + ["-a", "10.1.2.3/16"]))
        #expect(exit.errorOutput.contains("--protocol 3"))
    }

    @Test func v3OptionsTakeTheirMeanings() throws {
        let c = try #require(edgeConfig(v3 + ["-I", "office-router-number-9", "-e", "192.168.1.7", "--select-rtt", "-S1", "-z2", "-A5", "-k", "x", "-D"]))
        #expect(c.deviceDescription == "office-router-nu")
        #expect(c.preferredAddress == 0xC0A8_0107)
        #expect(c.selection == .rtt)
        #expect(!c.allowP2P)
        #expect(c.compression == .zstd)
        #expect(c.transform == .speckCTR)
        #expect(c.pmtuDiscovery)
        #expect(try #require(edgeConfig(v3 + ["--select-mac"])).selection == .mac)
        #expect(try #require(edgeConfig(v3 + ["-c", "a-nineteen-byte-nam"])).fullCommunityName == "a-nineteen-byte-nam")
    }

    @Test(arguments: [
        (["-J", "alice"], "user/password authentication (-J, -P) is not supported yet"),
        (["-P", "pub"], "user/password authentication (-J, -P) is not supported yet"),
        (["-R", "rule"], "traffic filter rules (-R) are not supported yet"),
        (["-S2"], "TCP to the supernode (-S2) is not supported yet"),
    ])
    func unsupportedOptionsAreRefusedClearly(extra: [String], message: String) throws {
        let exit = try #require(edgeExit(v3 + extra))
        #expect(exit.status == 2)
        #expect(exit.errorOutput.contains(message))
    }

    @Test func v3OnlyOptionsNeedTheProtocol() throws {
        let exit = try #require(edgeExit(baseArguments + ["-I", "x"]))
        #expect(exit.errorOutput.contains("-I is an n2n 3.x option: add --protocol 3"))
        // 2.8's bare -S keeps its meaning.
        #expect(try #require(edgeConfig(baseArguments + ["-S"])).allowP2P == false)
    }

    @Test func aStockEdgeConfPlusOneLine() throws {
        let conf = """
            # stock n2n 3.x edge.conf
            -d=n2n0
            -c=mynetwork
            -k=mysecretpass
            -a=192.168.100.1
            -p=50001
            -l=7.7.7.7:7777
            --protocol=3
            """
        let c = try #require(edgeConfig(["/etc/n2n/edge.conf"], files: ["/etc/n2n/edge.conf": conf]))
        #expect(c.wireProtocol == 3)
        #expect(c.transform == .aesCBC)
        #expect(c.fullCommunityName == "mynetwork")
        #expect(c.localPort == 50001)
        #expect(c.supernodes == [SupernodeAddress(host: "7.7.7.7", port: 7777)])
    }
}
