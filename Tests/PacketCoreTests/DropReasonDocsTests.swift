import Foundation
import Testing
@testable import PacketCore

// The docs name exactly the drop reasons the programs count: the table in docs/management.md
// against `DropReason`, and every `snake_case` name troubleshooting.md quotes is a real one.
@Suite struct DropReasonDocsTests {
    static let docs = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: docs.appendingPathComponent(name), encoding: .utf8)
    }

    /// First-column names of the "Drop reasons" table: lines "| `name` | ...".
    static func tableReasons() throws -> [String] {
        let doc = try text("management.md")
        let section = try #require(doc.range(of: "## Drop reasons")).upperBound
        return doc[section...].split(separator: "\n").compactMap { line in
            guard line.hasPrefix("| `") else { return nil }
            let rest = line.dropFirst(3)
            guard let end = rest.firstIndex(of: "`") else { return nil }
            return String(rest[..<end])
        }
    }

    @Test func managementDocListsExactlyTheEnum() throws {
        let documented = try Self.tableReasons()
        #expect(documented == DropReason.allCases.map(\.name))
    }

    @Test func namesAreStableSnakeCaseAndUnique() {
        let names = DropReason.allCases.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "_" } })
    }

    @Test func troubleshootingQuotesOnlyRealReasons() throws {
        // Back-quoted words with an underscore on a line mentioning `drops` are drop reasons.
        let known = Set(DropReason.allCases.map(\.name))
        let doc = try Self.text("troubleshooting.md")
        let paragraph = try #require(doc.components(separatedBy: "\n\n").first { $0.contains("`drops` line") })
        let quoted = paragraph.components(separatedBy: "`").enumerated()
            .filter { $0.offset % 2 == 1 && $0.element.contains("_") }.map(\.element)
        #expect(!quoted.isEmpty)
        #expect(quoted.filter { !known.contains($0) } == [])
    }

    @Test func exampleDropLinesUseRealReasons() throws {
        let doc = try Self.text("management.md")
        let known = Set(DropReason.allCases.map(\.name))
        for line in doc.split(separator: "\n") where line.hasPrefix("drops  ") {
            for item in line.dropFirst(7).split(separator: " ") {
                let name = String(item.split(separator: ":")[0])
                #expect(known.contains(name), "\(name)")
            }
        }
    }
}
