/// The pieces both status pages are made of: one self-contained HTML document (inline CSS, inline
/// SVG charts, no script) that reloads itself. Everything from a snapshot is escaped.
enum StatusHTML {
    /// Seconds between reloads (the page's `<meta http-equiv="refresh">`).
    static let refreshSeconds = 5

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func document(title: String, heading: String, subtitle: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="refresh" content="\(refreshSeconds)">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:1.2em 2em;color:#1d232a;background:#fafbfc}
        h1{font-size:1.35em;margin:0}h2{font-size:1.05em;margin:1.4em 0 .4em;border-bottom:1px solid #d6dbe0}
        .sub{color:#5b6670;margin:.2em 0 0}table{border-collapse:collapse;min-width:28em}
        th,td{text-align:left;padding:.2em .9em .2em 0;border-bottom:1px solid #eceff2;vertical-align:top}
        th{font-weight:600;color:#46505a}td.n{text-align:right;font-variant-numeric:tabular-nums}
        code{font:13px ui-monospace,monospace}.p2p{color:#137333;font-weight:600}.relay{color:#a35d00;font-weight:600}
        .muted{color:#8a949e}.charts{display:flex;flex-wrap:wrap;gap:1.2em}
        figure{margin:0;background:#fff;border:1px solid #e1e5e9;border-radius:4px;padding:.4em .6em}
        figcaption{font-size:.9em;color:#46505a}.key{font-size:.85em}svg{display:block}
        </style></head><body>
        <h1>\(heading)</h1><p class="sub">\(subtitle)</p>
        \(body)
        <p class="muted">Read-only. Reloads every \(refreshSeconds) s. Same data: <a href="status.json">status.json</a>, <a href="metrics">metrics</a>.</p>
        </body></html>

        """
    }

    static func section(_ title: String, _ content: String) -> String { "<h2>\(escape(title))</h2>\n\(content)\n" }

    /// Most rows a table shows (a supernode may list tens of thousands of edges); the rest are
    /// counted under it and listed in status.json.
    static let rowLimit = 200

    /// A table; cells are HTML already (callers escape what came from the snapshot). `empty` is
    /// shown instead when there are no rows.
    static func table(_ headers: [String], _ rows: [[String]], numeric: Set<Int> = [], empty: String) -> String {
        guard !rows.isEmpty else { return "<p class=\"muted\">\(escape(empty))</p>" }
        var out = "<table><tr>" + headers.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows.prefix(rowLimit) {
            out += "<tr>" + row.enumerated().map { i, cell in numeric.contains(i) ? "<td class=\"n\">\(cell)</td>" : "<td>\(cell)</td>" }.joined() + "</tr>\n"
        }
        out += "</table>"
        if rows.count > rowLimit { out += "<p class=\"muted\">and \(rows.count - rowLimit) more rows (all in status.json).</p>" }
        return out
    }

    /// "12 s", "4 min", "3 h", "2 d": an age short enough for a table cell.
    static func age(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        if s < 120 { return "\(s) s" }
        if s < 7200 { return "\(s / 60) min" }
        if s < 172_800 { return "\(s / 3600) h" }
        return "\(s / 86400) d"
    }

    /// A rate with at most three significant figures: "0", "0.2", "12.5", "1250".
    static func rate(_ v: Double) -> String {
        guard v.isFinite, v > 0 else { return "0" }
        if v >= 100 { return String(Int(v.rounded())) }
        let tenths = Int((v * 10).rounded())
        return tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
    }

    struct Line {
        var name: String
        var color: String
        var values: [Double]
    }

    static let palette = ["#1a73e8", "#e8710a", "#137333", "#a142f4", "#d93025", "#007b83"]

    /// Polylines on a shared scale from 0 to the largest value, as inline SVG.
    static func svg(_ lines: [Line], width: Int, height: Int, label: String) -> String {
        let top = lines.flatMap(\.values).max() ?? 0
        let scale = top > 0 ? top : 1
        var svg = "<svg width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(escape(label))\">"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#f6f8fa\"/>"
        for line in lines where !line.values.isEmpty {
            // One value is drawn flat across, so a fresh page shows a line rather than a dot.
            let values = line.values.count == 1 ? line.values + line.values : line.values
            let step = Double(width - 4) / Double(values.count - 1)
            let points = values.enumerated().map { i, v in
                let x = 2 + Double(i) * step
                let y = Double(height - 3) - (max(0, v) / scale) * Double(height - 6)
                return "\(Int(x.rounded())),\(Int(y.rounded()))"
            }
            svg += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.8\" points=\"\(points.joined(separator: " "))\"/>"
        }
        return svg + "</svg>"
    }

    /// A small chart with its title, scale, span and a key giving each line's latest value.
    static func chart(title: String, unit: String, span: Int64, lines: [Line]) -> String {
        let top = lines.flatMap(\.values).max() ?? 0
        let key = lines.map { line in
            "<span style=\"color:\(line.color)\">&#9632;</span> \(escape(line.name)) \(rate(line.values.last ?? 0))"
        }.joined(separator: " &nbsp;")
        let note = lines.allSatisfy(\.values.isEmpty) ? "collecting samples" : "\(unit), max \(rate(top)), last \(age(span))"
        return "<figure><figcaption>\(escape(title)) <span class=\"muted\">(\(escape(note)))</span></figcaption>"
            + svg(lines, width: 300, height: 70, label: title) + "<div class=\"key\">\(key)</div></figure>"
    }

    /// Charts of tx/rx (or any) pairs of series from the history, one figure each.
    static func charts(_ history: StatusHistory, unit: String, _ figures: [(title: String, series: [(label: String, name: String)])]) -> String {
        let figuresHTML = figures.map { figure in
            let lines = figure.series.enumerated().map { i, s in
                Line(name: s.label, color: palette[i % palette.count], values: history.index(of: s.name).map(history.rates) ?? [])
            }
            return chart(title: figure.title, unit: unit, span: history.spanSeconds, lines: lines)
        }
        return "<div class=\"charts\">" + figuresHTML.joined(separator: "\n") + "</div>"
    }

    /// The drop reasons counted so far (the snapshot lists only non-zero ones), each with its
    /// total, its growth over the history and a small chart of its rate.
    static func drops(_ history: StatusHistory, current: [DropCount], total: UInt64) -> String {
        let rows: [[String]] = current.map { d in
            let name = "drop_" + d.reason.name
            let rates = history.index(of: name).map(history.rates) ?? []
            let spark = svg([Line(name: d.reason.name, color: palette[4], values: rates)], width: 160, height: 24,
                            label: d.reason.name + " per second")
            return ["<code>\(escape(d.reason.name))</code>", String(d.count),
                    String(history.index(of: name).map(history.growth) ?? 0), spark]
        }
        return "<p>\(total) dropped since start.</p>"
            + table(["reason", "total", "last \(age(history.spanSeconds))", "per second"], rows, numeric: [1, 2], empty: "No drops.")
    }
}
