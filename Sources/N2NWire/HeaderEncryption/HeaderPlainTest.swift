/// Spec 4.7: whether a datagram looks like it carries a plain (unencrypted) header: community
/// NUL-terminated at byte 19, version 2, a known packet code and no flag bits from OPTIONS up.
/// Datagrams shorter than a header are never "plain". The one test: the supernode decides with it
/// and the fuzzers exercise it.
@inlinable
public func headerLooksPlain(_ datagram: UnsafeRawBufferPointer) -> Bool {
    guard datagram.count >= 20 else { return false }
    let flags = UInt16(datagram[2]) << 8 | UInt16(datagram[3])
    return datagram[19] == 0 && datagram[0] == 2 && flags & 0x1F <= 10 && flags < 0x0080
}
