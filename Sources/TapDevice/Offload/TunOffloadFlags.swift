/// TUNSETOFFLOAD's argument (passed by value), from linux/if_tun.h; USO4/USO6 are newer than the 6.1
/// headers Debian 12 ships, so they are spelled out here rather than taken from the C shim.
public enum TunOffloadFlags {
    public static let checksum: UInt = 0x01
    public static let tso4: UInt = 0x02
    public static let tso6: UInt = 0x04
    public static let tsoECN: UInt = 0x08
    public static let ufo: UInt = 0x10
    public static let uso4: UInt = 0x20
    public static let uso6: UInt = 0x40
    /// What the segmenter and coalescer handle: checksum, TSO4/6 (+ECN), USO4/6.
    public static let supported: UInt = checksum | tso4 | tso6 | tsoECN | uso4 | uso6
}
