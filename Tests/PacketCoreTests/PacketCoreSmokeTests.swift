import Testing
@testable import PacketCore

@Test func PacketCoreModuleLoads() {
    #expect(Bool(true))
}
