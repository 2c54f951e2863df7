import N2NWire

// One socket, two dialects (issue 15): the only place that tells a 2.x datagram from a 3.x one.
extension SupernodeEngine {
    /// Processes one datagram from the main UDP socket. The buffer is modified (header decryption in
    /// place); everything sent in response goes to the output sink before this returns.
    ///
    /// A plain header names its dialect in its first byte (v2 spec 4.7, v3 spec 5.8 plain tests);
    /// an encrypted one is tried with the 2.x keys of the listed communities, then with their 3.x
    /// keys. Each dialect's handler then refuses a community the other dialect holds.
    public func handleDatagram(_ datagram: UnsafeMutableRawBufferPointer, from source: PeerSocket) {
        let now = clock.monotonicNanoseconds
        let n = datagram.count
        if n == 0 { statistics.count(.empty); return }
        let raw = UnsafeRawBufferPointer(datagram)
        if v3HeaderLooksPlain(raw) { return handleV3Datagram(datagram, from: source, opened: nil, now) }
        guard n >= CommonHeader.size else { return drop(.tooShort, source) }
        if headerLooksPlain(raw) { return handleV2Datagram(datagram, from: source, opened: nil, now) }
        if trialOrder.isEmpty && v3.trialOrder.isEmpty { return drop(Self.plainFailure(datagram), source) }
        if let opened = openEncrypted(datagram, from: source) {
            guard let opened else { return }  // a 2.x key matched, the checksum did not (counted)
            return handleV2Datagram(datagram, from: source, opened: opened, now)
        }
        if let opened = openV3Encrypted(datagram, from: source) {
            guard let opened else { return }
            return handleV3Datagram(datagram, from: source, opened: opened, now)
        }
        drop(.headerUndecryptable, source)
    }
}
