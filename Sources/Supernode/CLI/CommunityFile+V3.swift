import N2NWire
import PacketCore
import ProgramSupport

extension CommunityFile {
    /// What a 3.1.1 community file adds to 2.8's one-name-per-line format: a subnet after the name
    /// (`name a.b.c.d/len`, the community's auto-IP subnet) and `* user key` lines
    /// (user/password authentication, not supported yet: the supernode refuses to start).
    public struct V3Lines: Sendable, Equatable {
        public var subnets: [String: V3DeviceAddress] = [:]
        /// 1-based numbers of the `* user key` lines.
        public var userLines: [Int] = []

        /// The refusal for a file with user lines, nil when there is none.
        public var refusal: String? {
            guard let first = userLines.first else { return nil }
            return "line \(first): '* user key' line: user/password authentication is not supported yet"
        }

        /// A trailing ` a.b.c.d/len` of a line: where it starts (with its space) and the subnet.
        static func subnetSuffix(_ line: [UInt8]) -> (range: Range<Int>, subnet: V3DeviceAddress)? {
            guard let space = line.lastIndex(of: UInt8(ascii: " ")), space > 0 else { return nil }
            let text = String(decoding: line[(space + 1)...], as: UTF8.self)
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let len = UInt8(parts[1]), (1...30).contains(len),
                  let address = V3AddressPool.ipv4(parts[0]) else { return nil }
            let mask = UInt32.max << (32 - UInt32(len))
            return (space..<line.count, V3DeviceAddress(address: address & mask, prefixLength: len))
        }
    }

    /// The 3.x parts of a file's bytes, with names cut as `parse` cuts them.
    public static func v3Lines(_ bytes: [UInt8]) -> V3Lines {
        var result = V3Lines()
        var number = 0
        for raw in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            var line = Array(raw)
            if let nul = line.firstIndex(of: 0) { line.removeSubrange(nul...) }
            while let last = line.last, last == 0x0D { line.removeLast() }
            if line.first == UInt8(ascii: "#") { continue }
            if line.starts(with: [UInt8(ascii: "*"), UInt8(ascii: " ")]) {
                result.userLines.append(number)
                continue
            }
            guard let suffix = V3Lines.subnetSuffix(line) else { continue }
            let name = String(decoding: line[..<suffix.range.lowerBound].prefix(Community.maxNameLength), as: UTF8.self)
            result.subnets[name] = suffix.subnet
        }
        return result
    }
}
