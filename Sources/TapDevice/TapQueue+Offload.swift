import CN2NLinux
import Glibc
import LinuxSystem

extension TapQueue {
    /// Sets the virtio-net header size (TUNSETVNETHDRSZ) of a queue opened with `vnetHeader`.
    public func setVirtioHeaderSize(_ size: Int) throws(Errno) {
        var value = Int32(size)
        let fd = descriptor.rawValue
        _ = try systemCall("ioctl(TUNSETVNETHDRSZ)") {
            withUnsafeMutablePointer(to: &value) { ioctl(fd, cn2n_TUNSETVNETHDRSZ, UnsafeMutableRawPointer($0)) }
        }
    }

    /// Turns on as much of `wanted` (`TunOffloadFlags`) as the kernel accepts, trying smaller sets
    /// when it refuses one (an older kernel has no USO; TSO needs the checksum offload), and
    /// returns what is on: 0 when nothing was accepted.
    @discardableResult
    public func enableOffloads(_ wanted: UInt) -> UInt {
        let fd = descriptor.rawValue
        let tso = TunOffloadFlags.checksum | TunOffloadFlags.tso4 | TunOffloadFlags.tso6 | TunOffloadFlags.tsoECN
        for flags in [wanted, wanted & tso, wanted & TunOffloadFlags.checksum] where flags != 0 {
            if (try? systemCall("ioctl(TUNSETOFFLOAD)", { ioctl(fd, cn2n_TUNSETOFFLOAD, CInt(truncatingIfNeeded: flags)) })) != nil { return flags }
        }
        return 0
    }

    /// Writes one frame after its virtio-net header, two buffers in one `writev`; false if the
    /// kernel refused it (counted in `writeDrops`).
    @discardableResult
    public func write(header: UnsafeRawBufferPointer, frame: UnsafeRawBufferPointer) throws(Errno) -> Bool {
        var vectors = (iovec(iov_base: UnsafeMutableRawPointer(mutating: header.baseAddress), iov_len: header.count),
                       iovec(iov_base: UnsafeMutableRawPointer(mutating: frame.baseAddress), iov_len: frame.count))
        let fd = descriptor.rawValue
        do {
            let n = try systemCall("writev(tap)") {
                withUnsafeMutableBytes(of: &vectors) { writev(fd, $0.baseAddress!.assumingMemoryBound(to: iovec.self), 2) }
            }
            return n == header.count + frame.count
        } catch {
            if error.code == EBADF || error.code == EFAULT || error.code == EBADFD { throw error }
            noteWriteDrop(error)
            return false
        }
    }
}
