extension TransformID {
    /// Builds the transform for this id from the `-k` passphrase (its raw bytes, spec 2.1).
    /// The null transform ignores the passphrase.
    public func makeTransform(passphrase: [UInt8], random: any RandomSource) throws(TransformError) -> any PayloadTransform {
        switch self {
        case .null: NullTransform()
        case .twofish: TwofishTransform(passphrase: passphrase, random: random)
        case .aesCBC: try AESTransform(passphrase: passphrase, random: random)
        case .chacha20: try ChaCha20Transform(passphrase: passphrase, random: random)
        case .speckCTR: SpeckTransform(passphrase: passphrase, random: random)
        }
    }
}
