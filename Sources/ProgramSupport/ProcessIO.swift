#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum ProcessEnvironment {
    /// One variable of the real environment.
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

extension CommandLineExit {
    /// Writes the texts to standard output and standard error and exits with `status`.
    public func perform() -> Never {
        fflush(nil)
        writeAll(output, to: 1)
        writeAll(errorOutput, to: 2)
        exit(status)
    }
}

/// Writes all of `text` to a descriptor (the stdio streams are not concurrency-safe globals in Swift 6).
public func writeAll(_ text: String, to fd: Int32) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
