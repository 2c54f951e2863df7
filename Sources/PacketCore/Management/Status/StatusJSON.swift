/// `/status.json`: the status page's data as one JSON object whose lists are the rows of the
/// management JSON API's methods (the same renderer, so the names and values are the API's), plus
/// the history the charts are drawn from.
enum StatusJSON {
    /// `{"key":raw,...}`: values are JSON text already.
    static func object(_ members: [(String, String)]) -> String {
        var out = "{"
        for (i, (key, raw)) in members.enumerated() {
            if i > 0 { out += "," }
            ManagementJSON.quote(key, into: &out)
            out += ":" + raw
        }
        return out + "}"
    }

    static func rows(_ rows: [JSONFields]) -> String { "[" + rows.map(ManagementJSON.object).joined(separator: ",") + "]" }

    static func value(_ v: JSONValue) -> String {
        var out = ""
        v.write(into: &out)
        return out
    }

    /// The samples' times and each series' cumulative values; series whose values are all zero
    /// are left out unless listed in `always` (the traffic series).
    static func history(_ h: StatusHistory, always: Int) -> String {
        let shown = h.series.indices.filter { i in i < always || h.samples.contains { $0.values[i] != 0 } }
        let series = shown.map { i in
            (h.series[i], "[" + h.samples.map { String($0.values[i]) }.joined(separator: ",") + "]")
        }
        return object([
            ("interval", String(h.interval)),
            ("times", "[" + h.samples.map { String($0.seconds) }.joined(separator: ",") + "]"),
            ("series", object(series)),
        ])
    }
}
