import LinuxSystem
import CN2NLinux
import Glibc

/// Interface ioctls (SIOCGIF*/SIOCSIF*) through an AF_INET datagram socket, addressed by
/// interface name. Configuration path only: these build an `ifreq` per call.
struct InterfaceControl {
    let socket: FileDescriptor
    let name: String

    init(name: String) throws(Errno) {
        self.name = name
        socket = try FileDescriptor("socket(AF_INET, SOCK_DGRAM)") {
            Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | cn2n_SOCK_CLOEXEC, 0)
        }
    }

    func request() -> ifreq {
        var req = ifreq()
        withUnsafeMutableBytes(of: &req.ifr_ifrn.ifrn_name) { raw in
            let bytes = Array(name.utf8.prefix(Int(IFNAMSIZ) - 1))
            raw.copyBytes(from: bytes)
        }
        return req
    }

    @discardableResult
    func ioctl(_ request: UInt, _ call: StaticString, _ req: inout ifreq) throws(Errno) -> Int32 {
        let fd = socket.rawValue
        return try systemCall(call) {
            withUnsafeMutablePointer(to: &req) { Glibc.ioctl(fd, request, UnsafeMutableRawPointer($0)) }
        }
    }

    // MARK: index, flags, MTU

    func interfaceIndex() throws(Errno) -> Int32 {
        var req = request()
        try ioctl(cn2n_SIOCGIFINDEX, "ioctl(SIOCGIFINDEX)", &req)
        return req.ifr_ifru.ifru_ivalue
    }

    func flags() throws(Errno) -> Int16 {
        var req = request()
        try ioctl(cn2n_SIOCGIFFLAGS, "ioctl(SIOCGIFFLAGS)", &req)
        return req.ifr_ifru.ifru_flags
    }

    func setFlags(_ flags: Int16) throws(Errno) {
        var req = request()
        req.ifr_ifru.ifru_flags = flags
        try ioctl(cn2n_SIOCSIFFLAGS, "ioctl(SIOCSIFFLAGS)", &req)
    }

    func mtu() throws(Errno) -> Int {
        var req = request()
        try ioctl(cn2n_SIOCGIFMTU, "ioctl(SIOCGIFMTU)", &req)
        return Int(req.ifr_ifru.ifru_mtu)
    }

    func setMTU(_ mtu: Int) throws(Errno) {
        var req = request()
        req.ifr_ifru.ifru_mtu = Int32(mtu)
        try ioctl(cn2n_SIOCSIFMTU, "ioctl(SIOCSIFMTU)", &req)
    }

    // MARK: hardware address

    func hardwareAddress() throws(Errno) -> UInt64 {
        var req = request()
        try ioctl(cn2n_SIOCGIFHWADDR, "ioctl(SIOCGIFHWADDR)", &req)
        return withUnsafeBytes(of: &req.ifr_ifru.ifru_hwaddr.sa_data) { MAC.fromOctets($0) }
    }

    func setHardwareAddress(_ mac: UInt64) throws(Errno) {
        var req = request()
        req.ifr_ifru.ifru_hwaddr.sa_family = cn2n_ARPHRD_ETHER
        withUnsafeMutableBytes(of: &req.ifr_ifru.ifru_hwaddr.sa_data) { raw in
            for i in 0..<6 { raw[i] = UInt8(truncatingIfNeeded: mac >> (40 - 8 * UInt64(i))) }
        }
        try ioctl(cn2n_SIOCSIFHWADDR, "ioctl(SIOCSIFHWADDR)", &req)
    }

    // MARK: IPv4 address

    /// nil when the interface has no IPv4 address (EADDRNOTAVAIL).
    func ipv4(_ request: UInt, _ call: StaticString) throws(Errno) -> UInt32? {
        var req = self.request()
        do {
            try ioctl(request, call, &req)
        } catch where error.code == EADDRNOTAVAIL {
            return nil
        }
        return withUnsafeBytes(of: &req.ifr_ifru) { raw in
            UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        }
    }

    func setIPv4(_ address: UInt32, _ request: UInt, _ call: StaticString) throws(Errno) {
        var req = self.request()
        withUnsafeMutableBytes(of: &req.ifr_ifru) { raw in
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_addr.s_addr = address.bigEndian
            withUnsafeBytes(of: &sin) { raw.copyMemory(from: $0) }
        }
        try ioctl(request, call, &req)
    }
}
