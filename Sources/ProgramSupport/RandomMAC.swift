import PacketCore
import N2NWire

extension MACAddress {
    /// A random TAP MAC as n2n makes one when `-m` is not given (spec 5.2 step 3): six random
    /// bytes, then the multicast bit cleared and the locally-administered bit set
    /// (`first_octet & 0xFE | 0x02`). `fill` writes random bytes into the whole buffer.
    public static func randomLocallyAdministered(fill: (UnsafeMutableRawBufferPointer) -> Void) -> MACAddress {
        var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { fill($0) }
        return MACAddress(bytes.0 & 0xFE | 0x02, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5)
    }

    public static func randomLocallyAdministered(using source: some RandomSource) -> MACAddress {
        randomLocallyAdministered { source.fill($0) }
    }

    /// With the system's generator (getrandom).
    public static func randomLocallyAdministered() -> MACAddress {
        var generator = SystemRandomNumberGenerator()
        return randomLocallyAdministered { buffer in
            for i in buffer.indices { buffer[i] = generator.next() }
        }
    }
}
