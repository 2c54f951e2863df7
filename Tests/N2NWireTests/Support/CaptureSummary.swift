import Foundation

/// The per-frame tshark summary (`<name>.txt`) that accompanies each capture: frame number → the
/// n2n type, flags (shifted right by 5, as the reference's dissector prints them) and transform.
struct CaptureSummaryLine {
    var frame: Int
    var type: UInt8
    var flagsShifted: UInt16
    var transform: UInt16?
}

enum CaptureSummary {
    static func lines(_ pcapName: String) throws -> [Int: CaptureSummaryLine] {
        let txt = Pcap.vectorURL(pcapName.replacingOccurrences(of: ".pcap", with: ".txt"))
        let text = try String(contentsOf: txt, encoding: .utf8)
        var out: [Int: CaptureSummaryLine] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count > 9, let frame = Int(f[0]), f[8].hasPrefix("0x"), f[9].hasPrefix("0x"),
                  let type = UInt8(f[8].dropFirst(2), radix: 16),
                  let flags = UInt16(f[9].dropFirst(2), radix: 16) else { continue }
            let transform = f.count > 13 && f[13].hasPrefix("0x") ? UInt16(f[13].dropFirst(2), radix: 16) : nil
            out[frame] = CaptureSummaryLine(frame: frame, type: type, flagsShifted: flags, transform: transform)
        }
        return out
    }
}
