import COpenSSL

/// X25519 (RFC 7748) through OpenSSL, for n2n 3.x user/password authentication (v3 spec 6.3).
///
/// n2n derives public keys as X25519(private, B) with a non-standard "base point" B whose 32 bytes
/// are 00 … 00 09 (u = 9·2²⁴⁸ mod p, since u is read little-endian), so a public key here is the
/// shared secret of the private key with B taken as a peer's raw public key. Key set-up only: each
/// call allocates OpenSSL objects, never on the packet path.
public enum X25519 {
    /// n2n's base point: 31 zero bytes and a 9.
    public static let n2nBasePoint: [UInt8] = [UInt8](repeating: 0, count: 31) + [9]

    /// X25519(scalar, point) for 32-byte `scalar` and `point`; nil if either is not 32 bytes or
    /// OpenSSL refuses (an all-zero result, which a small-order point yields, is refused too).
    public static func multiply(scalar: [UInt8], point: [UInt8]) -> [UInt8]? {
        guard scalar.count == 32, point.count == 32 else { return nil }
        guard let own = scalar.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, $0.baseAddress, 32)
        }) else { return nil }
        defer { EVP_PKEY_free(own) }
        guard let peer = point.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, $0.baseAddress, 32)
        }) else { return nil }
        defer { EVP_PKEY_free(peer) }
        guard let context = EVP_PKEY_CTX_new(own, nil) else { return nil }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_derive_init(context) == 1, EVP_PKEY_derive_set_peer(context, peer) == 1 else {
            ERR_clear_error()
            return nil
        }
        var out = [UInt8](repeating: 0, count: 32)
        var length = 32
        let status = out.withUnsafeMutableBufferPointer { EVP_PKEY_derive(context, $0.baseAddress, &length) }
        guard status == 1, length == 32 else {
            ERR_clear_error()
            return nil
        }
        return out
    }

    /// The n2n public key of a private scalar: X25519(scalar, B).
    public static func n2nPublicKey(privateKey: [UInt8]) -> [UInt8]? {
        multiply(scalar: privateKey, point: n2nBasePoint)
    }
}
