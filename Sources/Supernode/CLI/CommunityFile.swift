import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport

/// The supernode's community whitelist file (`-c`, spec 6.2).
public enum CommunityFile {
    /// The communities listed in a file's bytes, as n2n 2.8 reads them: a line is what `fgets`
    /// returns (up to and including a newline, or the rest of the file), cut at a NUL byte; lines
    /// shorter than 2 bytes counting the newline, or starting with `#`, are skipped; trailing CR
    /// and LF are removed and nothing else is trimmed (spaces belong to the name); names are cut
    /// to 15 bytes. Lines that are empty after that (a lone "\r\n") and repeated names are dropped.
    public static func parse(_ bytes: some Collection<UInt8>) -> [Community] {
        var result: [Community] = []
        var line: [UInt8] = []
        var iterator = bytes.makeIterator()
        var atEnd = false
        while !atEnd {
            line.removeAll(keepingCapacity: true)
            while true {
                guard let b = iterator.next() else {
                    atEnd = true
                    break
                }
                line.append(b)
                if b == 0x0A { break }
            }
            if let nul = line.firstIndex(of: 0) { line.removeSubrange(nul...) }
            if line.count < 2 || line[0] == UInt8(ascii: "#") { continue }
            while let last = line.last, last == 0x0A || last == 0x0D { line.removeLast() }
            // 3.x lines: `* user key` (refused at start-up, V3Lines) and `name a.b.c.d/len`.
            if line.starts(with: [UInt8(ascii: "*"), UInt8(ascii: " ")]) { continue }
            if let cut = V3Lines.subnetSuffix(line) { line.removeSubrange(cut.range) }
            guard !line.isEmpty else { continue }
            var field = [UInt8](repeating: 0, count: Community.size)
            for (i, b) in line.prefix(Community.maxNameLength).enumerated() { field[i] = b }
            let community = field.withUnsafeBytes { Community(loadingFrom: $0, at: 0) }
            if !result.contains(community) { result.append(community) }
        }
        return result
    }

    /// Reads and parses the file.
    public static func load(
        _ path: String,
        readBytes: (String) throws(FileReadError) -> [UInt8] = { path throws(FileReadError) in try TextFile.readBytes(path) }
    ) throws(FileReadError) -> [Community] {
        parse(try readBytes(path))
    }

    /// The whitelist at start-up. n2n 2.8 ran *unlocked* (any community may register) when the file
    /// could not be read; a missing, unreadable or oversized file now stops the supernode instead
    /// (issue 10 item 11), since "open to all" is the opposite of what `-c` asks for.
    public static func loadForSupernode(
        _ path: String,
        readBytes: (String) throws(FileReadError) -> [UInt8] = { path throws(FileReadError) in try TextFile.readBytes(path) }
    ) throws(FileReadError) -> [Community] {
        try load(path, readBytes: readBytes)
    }

    /// A reload: the new list, or the current one kept (with a warning to log) when the file cannot
    /// be read, so a failed reload never unlocks the supernode nor empties its list.
    public static func reload(
        _ path: String, keeping current: [Community],
        readBytes: (String) throws(FileReadError) -> [UInt8] = { path throws(FileReadError) in try TextFile.readBytes(path) }
    ) -> (communities: [Community], warning: String?) {
        do {
            return (try load(path, readBytes: readBytes), nil)
        } catch {
            return (current, "community file (-c): \(error); keeping the \(current.count) communities loaded before")
        }
    }
}
