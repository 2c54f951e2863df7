import Testing
@testable import Supernode

@Test func SupernodeModuleLoads() {
    #expect(Bool(true))
}
