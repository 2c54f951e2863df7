import Testing
@testable import N2NWire

@Test func N2NWireModuleLoads() {
    #expect(Bool(true))
}
