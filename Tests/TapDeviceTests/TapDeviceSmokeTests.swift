import Testing
@testable import TapDevice

@Test func TapDeviceModuleLoads() {
    #expect(Bool(true))
}
