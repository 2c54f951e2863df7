import Foundation

/// One UDP datagram from a capture, with its IPv4/UDP addressing.
struct CapturedDatagram {
    var frameNumber: Int
    var sourceIP: UInt32
    var sourcePort: UInt16
    var destinationIP: UInt32
    var destinationPort: UInt16
    var payload: [UInt8]
}

/// Reads classic little-endian pcap files with Ethernet link type, as in shared/testvectors.
enum Pcap {
    /// Root of the shared folder: `../shared` beside the repository (the CI layout).
    static var sharedDirectory: URL {
        let repo = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared")
    }

    static func vectorURL(_ name: String) -> URL {
        sharedDirectory.appendingPathComponent("testvectors/n2n-2.8/\(name)")
    }

    enum ReadError: Error { case badMagic, truncated(Int) }

    /// Every IPv4/UDP datagram of the capture, numbered like the `.txt` summaries (1-based frames).
    static func udpDatagrams(_ name: String) throws -> [CapturedDatagram] {
        let data = [UInt8](try Data(contentsOf: vectorURL(name)))
        guard data.count >= 24, data[0] == 0xD4, data[1] == 0xC3, data[2] == 0xB2, data[3] == 0xA1 else {
            throw ReadError.badMagic
        }
        func le32(_ o: Int) -> Int {
            Int(data[o]) | Int(data[o + 1]) << 8 | Int(data[o + 2]) << 16 | Int(data[o + 3]) << 24
        }
        func be16(_ o: Int) -> Int { Int(data[o]) << 8 | Int(data[o + 1]) }
        func be32(_ o: Int) -> UInt32 { UInt32(be16(o)) << 16 | UInt32(be16(o + 2)) }
        var out: [CapturedDatagram] = []
        var offset = 24
        var frame = 0
        while offset + 16 <= data.count {
            frame += 1
            let caplen = le32(offset + 8)
            let start = offset + 16
            guard start + caplen <= data.count else { throw ReadError.truncated(frame) }
            offset = start + caplen
            guard caplen >= 14 + 20 + 8, be16(start + 12) == 0x0800 else { continue }
            let ip = start + 14
            let ihl = Int(data[ip] & 0x0F) * 4
            guard data[ip + 9] == 17 else { continue }
            let udp = ip + ihl
            let udpLength = be16(udp + 4)
            guard udp + udpLength <= start + caplen, udpLength >= 8 else { continue }
            out.append(CapturedDatagram(
                frameNumber: frame,
                sourceIP: be32(ip + 12), sourcePort: UInt16(be16(udp)),
                destinationIP: be32(ip + 16), destinationPort: UInt16(be16(udp + 2)),
                payload: Array(data[(udp + 8)..<(udp + udpLength)])))
        }
        return out
    }

    /// Datagrams on n2n's ports only (supernode 1200, edges 50001-50003, discovery 1968).
    static func n2nDatagrams(_ name: String) throws -> [CapturedDatagram] {
        let ports: Set<UInt16> = [1200, 1968, 50001, 50002, 50003]
        return try udpDatagrams(name).filter { ports.contains($0.sourcePort) && ports.contains($0.destinationPort) }
    }

    static let allVectors = [
        "a1-null.pcap", "a1-lzo.pcap", "a1-zstd.pcap", "a2-twofish.pcap", "a3-aes.pcap",
        "a4-chacha20.pcap", "a5-speck.pcap", "h-a1-header-enc.pcap", "h-a3-header-enc-aes.pcap",
    ]
}
