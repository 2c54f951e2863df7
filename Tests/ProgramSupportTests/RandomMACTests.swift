import N2NWire
import Testing
@testable import ProgramSupport
import PacketCore
import LinuxSystem

private final class FixedRandom: RandomSource {
    let byte: UInt8
    init(_ byte: UInt8) { self.byte = byte }
    func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        for i in buffer.indices { buffer[i] = byte &+ UInt8(i) }
    }
}

@Suite struct ProcessRandomMACTests {
    @Test func firstOctetIsUnicastAndLocallyAdministered() {
        // first_octet & 0xFE | 0x02 (spec 5.2 step 3)
        #expect(MACAddress.randomLocallyAdministered(using: FixedRandom(0xFF)) == MACAddress(0xFE, 0x00, 0x01, 0x02, 0x03, 0x04))
        #expect(MACAddress.randomLocallyAdministered(using: FixedRandom(0x00)) == MACAddress(0x02, 0x01, 0x02, 0x03, 0x04, 0x05))
        #expect(MACAddress.randomLocallyAdministered(using: FixedRandom(0x11)) == MACAddress(0x12, 0x12, 0x13, 0x14, 0x15, 0x16))
    }

    @Test func closureGetsSixBytes() {
        var asked = 0
        let mac = MACAddress.randomLocallyAdministered { buffer in
            asked = buffer.count
            for i in buffer.indices { buffer[i] = 0xA5 }
        }
        #expect(asked == 6)
        #expect(mac == MACAddress(0xA6, 0xA5, 0xA5, 0xA5, 0xA5, 0xA5))
    }

    @Test func systemRandomNeverGivesGroupOrUniversalAddresses() {
        var seen = Set<MACAddress>()
        for _ in 0..<64 {
            let mac = MACAddress.randomLocallyAdministered()
            #expect(!mac.isGroup)
            #expect(mac.rawValue >> 40 & 0x02 == 0x02)
            seen.insert(mac)
        }
        #expect(seen.count > 60)
    }
}
