#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the pid file could not be written.
public struct PidFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var errno: Int32

    public init(path: String, errno: Int32) {
        self.path = path
        self.errno = errno
    }

    public var description: String {
        "cannot write the pid file '\(path)': \(String(cString: strerror(errno)))"
    }
}

/// `--pidfile FILE`: the process id, in decimal with a newline, as systemd's `PIDFile=` and
/// start-stop-daemon read it.
public struct PidFile: Sendable, Hashable {
    /// Absolute: the daemon runs in `/`, so a relative name is resolved before daemonising.
    public let path: String

    /// `path` resolved against `directory` (the working directory at start-up) if relative.
    public init(_ path: String, relativeTo directory: String) {
        if path.hasPrefix("/") {
            self.path = path
        } else {
            self.path = (directory.hasSuffix("/") ? directory : directory + "/") + path
        }
    }

    /// `path` resolved against the current working directory.
    public init(_ path: String) {
        self.init(path, relativeTo: PidFile.currentDirectory() ?? "/")
    }

    /// Writes `pid`, replacing an old file. Does not follow a symbolic link at `path` (a root
    /// process writing through a link planted in a shared directory would overwrite its target).
    /// Only system calls: this runs in the freshly forked daemon.
    public func write(pid: Int32) throws(PidFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw PidFileError(path: path, errno: errno) }
        var text = "\(pid)\n"
        let failure: Int32? = text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return n < 0 ? errno : EIO }
                offset += n
            }
            return nil
        }
        if let failure {
            close(fd)
            throw PidFileError(path: path, errno: failure)
        }
        guard close(fd) == 0 else { throw PidFileError(path: path, errno: errno) }
    }

    /// Removes the file if it still holds `pid` (another instance may have replaced it since).
    /// Returns false when it could not be removed, typically because privileges were dropped.
    @discardableResult
    public func remove(ifHolding pid: Int32) -> Bool {
        guard let bytes = try? TextFile.readBytes(path) else { return false }
        guard String(decoding: bytes, as: UTF8.self) == "\(pid)\n" else { return false }
        return unlink(path) == 0
    }

    public static func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
