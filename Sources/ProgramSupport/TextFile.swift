import Glibc
import LinuxSystem

/// Why a configuration or community file could not be read.
public struct FileReadError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var errno: Int32

    public init(path: String, errno: Int32) {
        self.path = path
        self.errno = errno
    }

    public var description: String {
        "cannot read '\(path)': \(String(cString: strerror(errno)))"
    }
}

/// Whole-file reads for start-up configuration (never on the data path).
public enum TextFile {
    /// The largest file accepted; n2n configuration files are a few hundred bytes.
    public static let maxSize = 1 << 20

    public static func readBytes(_ path: String) throws(FileReadError) -> [UInt8] {
        let file: FileDescriptor
        do { file = try FileDescriptor("open") { open(path, O_RDONLY | O_CLOEXEC) } } catch {
            throw FileReadError(path: path, errno: error.code)
        }
        defer { try? file.close() }
        let fd = file.rawValue
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n: Int
            do { n = try systemCall("read") { chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } } } catch {
                throw FileReadError(path: path, errno: error.code)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > maxSize { throw FileReadError(path: path, errno: EFBIG) }
        }
        return bytes
    }

    /// The file as text; invalid UTF-8 is replaced, not rejected.
    public static func read(_ path: String) throws(FileReadError) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }
}
