import N2NWire

extension SupernodeSnapshot.Edge {
    /// The 3.x fields management shows for an edge registered in a 3.x community.
    mutating func describeV3(_ info: V3EdgeInfo) {
        description = info.description
        address = info.address.address == 0 ? "" : info.address.text
        preferredSocket = info.preferredSocket.map { "\($0)" } ?? ""
        simpleID = info.auth.scheme == V3Auth.schemeNone ? "off" : "checked"
    }
}

extension V3DeviceAddress {
    /// a.b.c.d/len.
    var text: String {
        "\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF)/\(prefixLength)"
    }
}
