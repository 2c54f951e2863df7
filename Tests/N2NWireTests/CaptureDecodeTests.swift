import Testing
@testable import N2NWire

/// Every n2n datagram of the real n2n 2.8 captures decodes, and agrees with the capture's summary.
@Suite struct CaptureDecodeTests {
    static let plainHeaderVectors = Pcap.allVectors.filter { !$0.hasPrefix("h-") }

    @Test(arguments: plainHeaderVectors)
    func everyDatagramDecodes(_ name: String) throws {
        let datagrams = try Pcap.n2nDatagrams(name)
        let summary = try CaptureSummary.lines(name)
        #expect(datagrams.count > 40, "capture \(name) has too few n2n datagrams")
        var seen: Set<UInt8> = []
        for d in datagrams {
            let decoded = try WireCodec.decode(d.payload)
            let expected = try #require(summary[d.frameNumber], "frame \(d.frameNumber) missing from summary")
            #expect(decoded.header.code.rawValue == expected.type, "frame \(d.frameNumber)")
            #expect(decoded.header.flags.rawValue >> 5 == expected.flagsShifted, "frame \(d.frameNumber)")
            #expect(decoded.header.community == Community("bench"))
            #expect(decoded.header.ttl >= 1)
            #expect(headerLooksPlainReference(d.payload))
            seen.insert(decoded.header.code.rawValue)
            switch decoded.message {
            case .packet(let p):
                #expect(p.transform.rawValue == expected.transform, "frame \(d.frameNumber)")
                #expect(decoded.bodyEnd == p.headerLength)
                // Relayed packets carry the original sender's public socket (spec 6.3.1).
                if decoded.header.flags.contains(.fromSupernode) {
                    #expect(d.sourcePort == 1200)
                    #expect(p.sock?.port ?? 0 >= 50001)
                }
            case .registerSuperAck(let ack):
                #expect(ack.lifetime == 15)
                #expect(ack.sock == PeerSocket(ipv4: d.destinationIP, port: d.destinationPort))
                #expect(ack.backupCount == 0)
                #expect(decoded.bodyEnd == d.payload.count)
            case .register(let r):
                #expect(r.cookie == Register.standardCookie)
                if d.destinationPort == 1968 { #expect(r.dstMac.isZero) }
            case .registerSuper(let r):
                #expect(r.authTokenLength == 0)
                #expect(d.payload.count == 34)
            case .registerAck, .queryPeer, .peerInfo, .registerSuperNak:
                #expect(decoded.bodyEnd == d.payload.count)
            case .ignored(let code):
                Issue.record("unexpected ignored code \(code) in frame \(d.frameNumber)")
            }
            // Re-encoding the decoded control message reproduces the captured bytes exactly.
            if case .packet = decoded.message {} else {
                #expect(try WireCodec.encode(decoded.header, decoded.message) == d.payload, "frame \(d.frameNumber)")
            }
        }
        #expect(seen.isSuperset(of: [1, 3, 4, 5, 6, 10]))
    }

    @Test(arguments: Pcap.allVectors.filter { $0.hasPrefix("h-") })
    func headerEncryptedDatagramsDoNotLookPlain(_ name: String) throws {
        let datagrams = try Pcap.n2nDatagrams(name)
        #expect(datagrams.count > 40)
        for d in datagrams {
            #expect(!headerLooksPlainReference(d.payload), "frame \(d.frameNumber)")
        }
    }

    /// Spec 4.7, written out here independently of the production check.
    func headerLooksPlainReference(_ b: [UInt8]) -> Bool {
        let word = UInt16(b[2]) << 8 | UInt16(b[3])
        return b[19] == 0 && b[0] == 2 && word & 0x1F <= 10 && word < 0x80
    }
}
