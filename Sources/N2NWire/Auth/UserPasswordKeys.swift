/// The key derivations of n2n 3.x's user/password authentication (v3 spec 6.3, 6.4), byte for
/// byte as the stock 3.1.1 programs make them. H256/H128 are pearsonB. Key set-up only: these
/// allocate and are never on the packet path.
public enum UserPasswordKeys {
    /// prv(u, pw) = H256(H256(pw)) XOR H256(u).
    public static func privateKey(user: String, password: String) -> [UInt8] {
        let passwordHash = PearsonB.hash256(PearsonB.hash256(Array(password.utf8)))
        let userHash = PearsonB.hash256(Array(user.utf8))
        return zip(passwordHash, userHash).map { $0 ^ $1 }
    }

    /// pub(u, pw) = X25519(prv, B): what `n2n-keygen USER PASSWORD` prints and the supernode's
    /// `* USER KEY` lines hold.
    public static func publicKey(user: String, password: String) -> [UInt8] {
        // A 32-byte scalar with the fixed base point cannot be refused by X25519.
        X25519.n2nPublicKey(privateKey: privateKey(user: user, password: password))!
    }

    /// The federation name as hashed: without its leading '*' (stock `-F` names carry one).
    static func bareFederationName(_ name: String) -> [UInt8] {
        let bytes = Array(name.utf8)
        return bytes.first == UInt8(ascii: "*") ? Array(bytes.dropFirst()) : bytes
    }

    /// fedprv = H256(H256(F)), F the federation name without '*'.
    public static func federationPrivateKey(name: String) -> [UInt8] {
        PearsonB.hash256(PearsonB.hash256(bareFederationName(name)))
    }

    /// fedpub = X25519(fedprv, B): what `n2n-keygen -F NAME` prints and the edge's `-P` takes.
    public static func federationPublicKey(name: String) -> [UInt8] {
        X25519.n2nPublicKey(privateKey: federationPrivateKey(name: name))!
    }

    /// ss = H256(X25519(own private, peer public)); nil for a peer key X25519 refuses (small order).
    public static func sharedSecret(privateKey: [UInt8], peerPublicKey: [UInt8]) -> [UInt8]? {
        X25519.multiply(scalar: privateKey, point: peerPublicKey).map { PearsonB.hash256($0) }
    }

    /// The Speck128/128 cipher of a shared secret: keyed with ss[0..<16).
    public static func secretCipher(sharedSecret: [UInt8]) -> Speck128 {
        Speck128(key: sharedSecret.prefix(16))
    }

    /// H3(x) = H128(H128(H128(x))).
    static func tripleHash(_ bytes: [UInt8]) -> [UInt8] {
        PearsonB.hash128(PearsonB.hash128(PearsonB.hash128(bytes)))
    }

    /// dyn = Speck128/128-Enc(K, H3(LE32(key_time))) with K = H3(C20) XOR H3(F20): the community
    /// and federation names as their 20-byte community fields ('*' included, the supernode's -F name).
    public static func dynamicKey(community: String, federation: String, keyTime: UInt32) -> [UInt8] {
        let key = zip(tripleHash(V3Community(community).bytes), tripleHash(V3Community(federation).bytes)).map { $0 ^ $1 }
        let time = withUnsafeBytes(of: keyTime.littleEndian) { Array($0) }
        var block = tripleHash(time)
        block.withUnsafeMutableBytes { Speck128(key: key).encryptBlock($0) }
        return block
    }
}
