import Testing
@testable import Edge

@Test func defaultGatewayFromProcNetRoute() {
    // Two default routes (metrics 100 and 50), a link route and a non-gateway default.
    let table = """
        Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
        eth0\t00000000\t0100FA0A\t0003\t0\t0\t100\t00000000\t0\t0\t0
        eth1\t00000000\t0101A8C0\t0003\t0\t0\t50\t00000000\t0\t0\t0
        eth0\t0000FA0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
        tun0\t00000000\t00000000\t0001\t0\t0\t10\t00000000\t0\t0\t0

        """
    #expect(EdgeRoutes.defaultGateway(table: table) == 0xC0A8_0101) // 192.168.1.1, the lower metric
    #expect(EdgeRoutes.defaultGateway(table: "Iface\tDestination\n") == nil)
    #expect(EdgeRoutes.defaultGateway(table: "garbage\nx y z\n\t\t\n") == nil)
}
