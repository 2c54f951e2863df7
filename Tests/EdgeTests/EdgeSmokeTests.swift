import Testing
@testable import Edge

@Test func EdgeModuleLoads() {
    #expect(Bool(true))
}
