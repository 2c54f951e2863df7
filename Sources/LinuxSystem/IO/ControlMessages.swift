import CN2NLinux
import Glibc

/// Ancillary data (cmsg) layout for the batches: sizes from the C library's CMSG_* macros
/// (through the shim: Swift does not import them), writing the few messages we send and finding
/// the ones we read. Works on preallocated storage only; nothing here allocates.
enum ControlMessages {
    /// Room for one cmsg carrying a u16 (UDP_SEGMENT) or an int (UDP_GRO, IP_TTL, IPV6_HOPLIMIT):
    /// CMSG_SPACE rounds both up to the same 24 bytes on LP64.
    static let spaceForUInt16 = cn2n_CMSG_SPACE(MemoryLayout<UInt16>.size)
    static let spaceForInt32 = cn2n_CMSG_SPACE(MemoryLayout<Int32>.size)

    /// Per message: on send a segment size and a TTL; on receive a GRO segment size and a TTL or
    /// hop limit, plus one spare (a dual-stack socket may report both TTL and hop limit).
    static let capacityPerMessage = max(spaceForUInt16 + spaceForInt32, 3 * spaceForInt32)

    /// Writes one cmsg at `position` (which must have `spaceForUInt16`/`spaceForInt32` bytes,
    /// aligned for `cmsghdr`); returns the bytes it takes (its CMSG_SPACE).
    static func write<Value: FixedWidthInteger>(_ value: Value, level: Int32, type: Int32, at position: UnsafeMutableRawPointer) -> Int {
        let header = position.bindMemory(to: cmsghdr.self, capacity: 1)
        header.pointee.cmsg_len = cn2n_CMSG_LEN(MemoryLayout<Value>.size)
        header.pointee.cmsg_level = level
        header.pointee.cmsg_type = type
        UnsafeMutableRawPointer(cn2n_CMSG_DATA(header)).storeBytes(of: value, as: Value.self)
        return cn2n_CMSG_SPACE(MemoryLayout<Value>.size)
    }

    /// The int payload of the first cmsg (level, type) among `length` bytes at `start`, as the
    /// kernel filled them in (CMSG_FIRSTHDR / CMSG_NXTHDR walk); nil if there is none.
    static func findInt32(level: Int32, type: Int32, in start: UnsafeMutableRawPointer, length: Int) -> Int32? {
        guard length > 0 else { return nil }
        var message = msghdr()
        message.msg_control = start
        message.msg_controllen = length
        var header = cn2n_CMSG_FIRSTHDR(&message)
        while let current = header {
            if current.pointee.cmsg_level == level && current.pointee.cmsg_type == type
                && current.pointee.cmsg_len >= cn2n_CMSG_LEN(MemoryLayout<Int32>.size) {
                return UnsafeRawPointer(cn2n_CMSG_DATA(current)).loadUnaligned(as: Int32.self)
            }
            header = cn2n_CMSG_NXTHDR(&message, current)
        }
        return nil
    }
}
