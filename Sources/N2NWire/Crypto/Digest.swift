import COpenSSL

/// One-shot SHA-2 digests through OpenSSL, for deriving keys from a passphrase (spec 2.5, 2.6).
/// Not for the packet path: each call returns a fresh array.
public enum Digest {
    public static func sha256(_ message: [UInt8]) -> [UInt8] { digest(message, EVP_sha256(), length: 32) }
    public static func sha384(_ message: [UInt8]) -> [UInt8] { digest(message, EVP_sha384(), length: 48) }
    public static func sha512(_ message: [UInt8]) -> [UInt8] { digest(message, EVP_sha512(), length: 64) }

    private static func digest(_ message: [UInt8], _ algorithm: OpaquePointer?, length: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var written: UInt32 = 0
        let status = message.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &written, algorithm, nil)
            }
        }
        // Only a broken OpenSSL installation (no default provider) gets here.
        precondition(status == 1 && Int(written) == length, "OpenSSL EVP_Digest failed (error \(ERR_get_error()))")
        return out
    }
}
