import N2NWire

/// The supernode's receive path before any state: a plain-looking header is decoded as it is;
/// otherwise the first community whose key finds the magic decrypts the header, then decode.
final class SupernodeHarness {
    let ciphers = [HeaderCipher(community: Community("bench")), HeaderCipher(community: Community("other-net"))]
    let now = EdgeHarness.now

    func receive(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        withExactCopy(data, size) { receive($0) }
    }

    func receive(_ packet: UnsafeMutableRawBufferPointer) {
        let bytes = UnsafeRawBufferPointer(packet)
        if !headerLooksPlain(bytes) {
            guard let cipher = ciphers.first(where: { $0.matches(bytes) }) else { return }
            do {
                let (stamp, _) = try cipher.decrypt(packet)
                var previous: UInt64? = nil
                do { try HeaderStamp.check(stamp, now: now, previous: &previous) } catch { report(error) }
            } catch {
                // matches() already vouched for the magic and the length: only the checksum can fail.
                guard case .badChecksum = error else { fuzzFailure("matches() but decrypt threw \(error)") }
                report(error)
                return
            }
        }
        let decoded: DecodedPacket
        do {
            decoded = try WireCodec.decode(bytes)
        } catch {
            report(error)
            return
        }
        if decoded.bodyEnd > bytes.count { fuzzFailure("bodyEnd \(decoded.bodyEnd) past \(bytes.count)") }
        checkCodecRoundTrip(decoded)
        _ = decoded.header.community.isTerminated
    }

    /// Control messages for both communities, plain and header-encrypted.
    func writeSeeds(_ seeds: inout SeedWriter) {
        let src = MACAddress(0x02, 0, 0, 0, 0xfa, 0x01)
        for cipher in [nil] + ciphers.map(Optional.some) {
            for message in controlSeedMessages(src: src) + [.packet(PacketHeader(srcMac: src, dstMac: .broadcast, transform: TransformField(transform: .aesCBC)))] {
                let community = cipher?.community ?? Community("bench")
                guard var bytes = try? WireCodec.encode(CommonHeader(code: message.code, community: community), message) else {
                    fuzzFailure("encoding a seed \(message.code)")
                }
                let headerLength = bytes.count
                if case .packet = message { bytes += [UInt8](repeating: 0x5a, count: 64) }
                if let cipher { headerEncrypt(&bytes, cipher, headerLength: headerLength, stamp: now) }
                seeds.write(bytes)
            }
        }
    }
}
