import Testing
import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport
@testable import Edge

@Suite struct CLIEdgeWorkersTests {
    @Test func workersParseWithinBoundsAndGarbageIsAUsageError() throws {
        #expect(try OptionValues.workers("4") == 4)
        for bad in ["0", "65", "-1", "two", "", "1.5"] {
            #expect(throws: OptionValueError.self) { try OptionValues.workers(bad) }
        }
    }

    @Test func dhcpRunsOneThreadSnoopingAll() {
        var config = EdgeConfiguration()
        config.workers = 4
        config.tapAddress = TapAddress(mode: .static, ipv4: 0xC0A8_0001)
        #expect(config.effectiveWorkers == 4)
        config.multicastSnooping = EdgeMulticastSettings()   // the workers share one table
        #expect(config.effectiveWorkers == 4)
        config.multicastSnooping = nil
        config.tapAddress = TapAddress(mode: .dhcp, ipv4: 0)
        #expect(config.effectiveWorkers == 1)
    }

    @Test func defaultIsOnlineCPUsAtMostEight() {
        #expect((1...8).contains(EdgeConfiguration.defaultWorkers))
        #expect(EdgeConfiguration().workers == EdgeConfiguration.defaultWorkers)
    }
}
