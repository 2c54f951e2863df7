import Testing
@testable import PacketCore

/// A small parser of the Prometheus text format 0.0.4, strict enough to catch what a real
/// scraper rejects: names, label syntax and escapes, values, TYPE before samples, no duplicates.
struct PrometheusSample: Equatable {
    var name: String
    var labels: [String: String]
    var value: Double
}

struct PrometheusParseError: Error, CustomStringConvertible {
    var description: String
}

func parsePrometheus(_ text: String) throws(PrometheusParseError) -> (types: [String: String], samples: [PrometheusSample]) {
    func isName(_ s: Substring) -> Bool {
        guard let f = s.first, f.isLetter || f == "_" || f == ":" else { return false }
        return s.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" || $0 == ":" }
    }
    var types: [String: String] = [:]
    var samples: [PrometheusSample] = []
    var seen = Set<String>()
    guard text.hasSuffix("\n") else { throw PrometheusParseError(description: "no final newline") }
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
        if line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            guard parts.count == 4, isName(parts[2]), ["counter", "gauge"].contains(parts[3]) else {
                throw PrometheusParseError(description: "bad TYPE: \(line)")
            }
            guard types.updateValue(String(parts[3]), forKey: String(parts[2])) == nil else {
                throw PrometheusParseError(description: "TYPE twice: \(line)")
            }
            continue
        }
        if line.hasPrefix("#") { continue }
        guard !line.isEmpty else { throw PrometheusParseError(description: "empty line") }
        var rest = line[...]
        let name = rest.prefix { $0 != "{" && $0 != " " }
        rest = rest.dropFirst(name.count)
        guard isName(name), types[String(name)] != nil else { throw PrometheusParseError(description: "untyped: \(line)") }
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let key = rest.prefix { $0 != "=" }
                rest = rest.dropFirst(key.count)
                guard isName(key), rest.hasPrefix("=\"") else { throw PrometheusParseError(description: "bad label: \(line)") }
                rest = rest.dropFirst(2)
                var value = ""
                while let c = rest.first, c != "\"" {
                    rest = rest.dropFirst()
                    if c == "\\" {
                        guard let e = rest.popFirst() else { throw PrometheusParseError(description: "bad escape") }
                        value.append(e == "n" ? "\n" : e)
                    } else { value.append(c) }
                }
                guard rest.popFirst() == "\"" else { throw PrometheusParseError(description: "open label value") }
                labels[String(key)] = value
                if rest.first == "," { rest = rest.dropFirst() }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " ", let value = Double(rest.dropFirst()) else { throw PrometheusParseError(description: "bad value: \(line)") }
        let identity = "\(name)\(labels.sorted { $0.key < $1.key })"
        guard seen.insert(identity).inserted else { throw PrometheusParseError(description: "duplicate: \(line)") }
        samples.append(PrometheusSample(name: String(name), labels: labels, value: value))
    }
    return (types, samples)
}

@Suite struct ManagementMetricsTests {
    func value(_ samples: [PrometheusSample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    @Test func edgeMetricsParseAndCarryTheSnapshot() throws {
        let (types, samples) = try parsePrometheus(EdgeMetrics.render(ManagementJSONTests.edgeSnapshot))
        #expect(types["n2n_edge_frames_total"] == "counter")
        #expect(types["n2n_edge_peers"] == "gauge")
        #expect(value(samples, "n2n_edge_frames_total", ["direction": "tx", "path": "p2p"]) == 7)
        #expect(value(samples, "n2n_edge_frames_total", ["direction": "rx", "path": "supernode"]) == 6)
        #expect(value(samples, "n2n_edge_frames_total", ["direction": "rx", "path": "broadcast"]) == 2)
        #expect(value(samples, "n2n_edge_drops_total", ["reason": DropReason.allCases[0].name]) == 4)
        #expect(samples.count { $0.name == "n2n_edge_drops_total" } == DropReason.allCases.count)
        #expect(value(samples, "n2n_edge_peers", ["state": "pending"]) == 1)
        #expect(value(samples, "n2n_edge_peers", ["state": "p2p"]) == 1)
        #expect(value(samples, "n2n_edge_peers", ["state": "stale"]) == 1)
        #expect(value(samples, "n2n_edge_supernode_reachable", ["supernode": "sn.example:7654", "current": "1"]) == 1)
        #expect(value(samples, "n2n_edge_supernode_reachable", ["supernode": "sn2:7654", "current": "0"]) == 0)
        #expect(value(samples, "n2n_edge_uptime_seconds") == 100)
        for (name, type) in types where type == "counter" { #expect(name.hasSuffix("_total")) }
    }

    @Test func supernodeMetricsParseAndCarryTheSnapshot() throws {
        let (types, samples) = try parsePrometheus(SupernodeMetrics.render(ManagementJSONTests.supernodeSnapshot))
        #expect(types["n2n_supernode_edges"] == "gauge")
        #expect(value(samples, "n2n_supernode_edges", ["community": "demo"]) == 2)
        #expect(value(samples, "n2n_supernode_forwarded_total") == 10)
        #expect(value(samples, "n2n_supernode_registrations_total", ["result": "nak"]) == 1)
        #expect(value(samples, "n2n_supernode_communities") == 1)
    }

    @Test func labelValuesAreEscaped() throws {
        var s = ManagementJSONTests.supernodeSnapshot
        s.communities[0].name = "a\"b\\c\nd"
        let (_, samples) = try parsePrometheus(SupernodeMetrics.render(s))
        #expect(value(samples, "n2n_supernode_edges", ["community": "a\"b\\c\nd"]) == 2)
    }

    @Test func theParserRejectsBrokenText() {
        #expect(throws: PrometheusParseError.self) { try parsePrometheus("x 1\n") }
        #expect(throws: PrometheusParseError.self) { try parsePrometheus("# TYPE x counter\nx{a=\"1} 1\n") }
        #expect(throws: PrometheusParseError.self) { try parsePrometheus("# TYPE x counter\nx one\n") }
    }
}
