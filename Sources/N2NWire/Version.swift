/// Version reported by `edge --version` and `supernode --version`.
public enum N2NVersion {
    public static let string = "0.1.0"
    /// The n2n protocol generation this implementation speaks on the wire.
    public static let protocolDescription = "n2n 2.x wire protocol (packet version 2, compatible with ntop n2n 2.0-2.8)"
}
