import Calibration
import Foundation
import Scenario
import SimCore
import Topology

// report.html: one self-contained page (inline CSS and SVG, no script, no network), so
// it opens anywhere and renders the same everywhere. Pure: the same result gives the same bytes.

extension Reports {
    /// Colours per topology (Okabe-Ito, distinguishable with colour-blindness).
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

    static func esc(_ s: String) -> String {
        var o = ""
        for ch in s {
            switch ch {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            default: o.append(ch)
            }
        }
        return o
    }

    static func table(_ rows: [[String]]) -> String {
        guard let head = rows.first else { return "" }
        var o = "<table><thead><tr>" + head.map { "<th>\(esc($0))</th>" }.joined() + "</tr></thead><tbody>"
        for r in rows.dropFirst() { o += "<tr>" + r.map { "<td>\(esc($0))</td>" }.joined() + "</tr>" }
        return o + "</tbody></table>\n"
    }

    /// A line chart: series of (x, y) points (NaN y: a gap), shaded x spans, axes with
    /// min/max labels. Width and height in CSS pixels.
    static func chart(_ series: [(name: String, points: [(Double, Double)])], shaded: [(Double, Double)] = [],
                      xLabel: String, yLabel: String, yMax: Double? = nil, w: Double = 760, h: Double = 260) -> String {
        let ml = 60.0, mr = 20.0, mt = 26.0, mb = 40.0
        let xs = series.flatMap { $0.points.map(\.0) }.filter(\.isFinite)
        let ys = series.flatMap { $0.points.map(\.1) }.filter(\.isFinite)
        let x0 = xs.min() ?? 0, x1 = max(xs.max() ?? 1, x0 + 1e-9)
        let y1 = yMax ?? max((ys.max() ?? 1) * 1.05, 1e-9)
        func px(_ x: Double) -> Double { ml + (x - x0) / (x1 - x0) * (w - ml - mr) }
        func py(_ y: Double) -> Double { mt + (1 - min(y, y1) / y1) * (h - mt - mb) }
        func n(_ v: Double) -> String { fmt(v, 1) }
        var o = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(w))\" height=\"\(n(h))\" viewBox=\"0 0 \(n(w)) \(n(h))\">"
        for (a, b) in shaded {
            let l = px(max(a, x0)), r = px(min(b, x1))
            if r > l { o += "<rect class=\"fault\" x=\"\(n(l))\" y=\"\(n(mt))\" width=\"\(n(r - l))\" height=\"\(n(h - mt - mb))\"/>" }
        }
        o += "<line class=\"axis\" x1=\"\(n(ml))\" y1=\"\(n(h - mb))\" x2=\"\(n(w - mr))\" y2=\"\(n(h - mb))\"/>"
        o += "<line class=\"axis\" x1=\"\(n(ml))\" y1=\"\(n(mt))\" x2=\"\(n(ml))\" y2=\"\(n(h - mb))\"/>"
        for k in 0...4 {
            let y = y1 * Double(k) / 4
            o += "<text x=\"\(n(ml - 4))\" y=\"\(n(py(y) + 4))\" text-anchor=\"end\">\(esc(fmt(y, y1 < 10 ? 2 : 0)))</text>"
            let x = x0 + (x1 - x0) * Double(k) / 4
            o += "<text x=\"\(n(px(x)))\" y=\"\(n(h - mb + 16))\" text-anchor=\"middle\">\(esc(fmt(x, x1 - x0 < 10 ? 2 : 0)))</text>"
        }
        o += "<text x=\"\(n((ml + w - mr) / 2))\" y=\"\(n(h - 6))\" text-anchor=\"middle\">\(esc(xLabel))</text>"
        o += "<text x=\"4\" y=\"12\">\(esc(yLabel))</text>"
        for (k, s) in series.enumerated() {
            // A NaN (no data) breaks the line: a gap, never a drop to 0.
            var runs: [[(Double, Double)]] = [[]]
            for p in s.points { if p.1.isFinite { runs[runs.count - 1].append(p) } else if !runs[runs.count - 1].isEmpty { runs.append([]) } }
            for r in runs where !r.isEmpty {
                let pts = r.map { "\(n(px($0.0))),\(n(py($0.1)))" }.joined(separator: " ")
                // Every other series dashed: topologies that measure alike still show both lines.
                let dash = k % 2 == 1 ? " stroke-dasharray=\"7 4\"" : ""
                o += "<polyline fill=\"none\" stroke=\"\(palette[k % palette.count])\" stroke-width=\"2\"\(dash) points=\"\(pts)\"/>"
            }
        }
        o += "</svg>"
        o += "<div class=\"legend\">" + series.enumerated().map { k, s in
            "<span><i style=\"background:\(palette[k % palette.count])\"></i>\(esc(s.name))</span>"
        }.joined() + (shaded.isEmpty ? "" : "<span><i class=\"faultkey\"></i>fault windows</span>") + "</div>\n"
        return o
    }

    /// report.html: summary and verdict, latency CDF per topology, p99 and success over time
    /// with fault windows shaded, where the time goes (critical path), per-service table.
    public static func reportHTML(_ r: Runner.Result) -> String {
        let s = r.scenario
        var o = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>topsim: \(esc(s.name))</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
        table{border-collapse:collapse;margin:8px 0 16px;font-size:13px;display:block;overflow-x:auto;max-width:100%}
        th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f0f0f0}
        td:first-child,th:first-child{text-align:left}
        svg text{font-size:11px;fill:#444}.axis{stroke:#888}.fault{fill:#d55e00;fill-opacity:.15}
        .legend span{margin-right:14px;font-size:13px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
        .faultkey{background:#d55e00;opacity:.3}.bar{display:flex;height:22px;margin:2px 0 8px;width:760px}
        .bar div{height:100%}.warn{color:#b00}
        </style></head><body>
        <h1>topsim: \(esc(s.name))</h1>
        <p>\(esc(fmt(Nanos.toSeconds(s.duration), 0))) s simulated after \(esc(fmt(Nanos.toSeconds(s.warmup), 0))) s warm-up, seed \(s.seed), \(s.replications) replication\(s.replications == 1 ? "" : "s"). Empty cells: no data (e.g. no successful request).</p>

        """
        // Summary and verdict.
        let header = summaryHeader(replications: s.replications)
        let keep = ["topology", "kind", "requests", "success_rate", "p50_ms", "p99_ms", "failed_p99_ms", "incomplete",
                    "proxies", "proxy_cpu_cores", "proxy_cost_per_month"]
        let idx = keep.compactMap { header.firstIndex(of: $0) }
        o += "<h2>Summary</h2>\n" + table([idx.map { header[$0] }] + r.topologies.map { t in
            let row = summaryRow(t, scenario: s)
            return idx.map { row[$0] }
        })
        for w in warnings(r) { o += "<p class=\"warn\">\(esc(w))</p>\n" }
        let verdict = Verdict.evaluate(result: r)
        o += "<h2>Verdict</h2>\n" + table([["criterion", "winner", "value", "runner-up", "margin"]] + verdict.rows.map { v in
            [v.criterion.title, v.winner, Verdict.format(v.criterion, v.value), v.runnerUp ?? "-",
             Verdict.marginText(v) + (v.note.map { "; " + $0 } ?? "")]
        })
        // Latency distribution.
        let quantiles = [0.0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97, 98, 99, 99.5, 99.9, 100]
        o += "<h2>Latency distribution (successful requests, replication 1)</h2>\n"
        o += chart(r.topologies.map { t in
            let l = t.runs[0].latency
            return (t.spec.name, l.count > 0 ? quantiles.map { (l.percentile($0) / 1e6, $0 / 100) } : [])
        }, xLabel: "latency (ms)", yLabel: "fraction of requests at or below", yMax: 1)
        // Over time.
        let w = Nanos.toSeconds(s.window)
        let faults = s.faults.map { (Nanos.toSeconds($0.at), Nanos.toSeconds($0.end(runDuration: s.duration))) }
        o += "<h2>p99 over time</h2>\n" + chart(r.topologies.map { t in
            (t.spec.name, t.runs[0].windows.windows.enumerated().map { (Double($0.offset + 1) * w, $0.element.p99 / 1e6) })
        }, shaded: faults, xLabel: "time (s)", yLabel: "p99 (ms)")
        o += "<h2>Success rate over time</h2>\n" + chart(r.topologies.map { t in
            (t.spec.name, t.runs[0].windows.windows.enumerated().map { k, win in
                (Double(k + 1) * w, win.requests > 0 ? Double(win.succeeded) / Double(win.requests) : .nan)
            })
        }, shaded: faults, xLabel: "time (s)", yLabel: "success rate", yMax: 1)
        if !s.faults.isEmpty {
            o += "<h3>Faults</h3>\n" + table([["fault", "target", "start s", "end s"]] + s.faults.map { f in
                [f.kind.rawValue, f.displayTarget, fmt(Nanos.toSeconds(f.at), 1), fmt(Nanos.toSeconds(f.end(runDuration: s.duration)), 1)]
            })
        }
        // Where the time goes.
        o += "<h2>Where the time goes (critical path of successful requests)</h2>\n"
        let hopColors: [HopKind: String] = [.app: "#009E73", .queue: "#D55E00", .wire: "#999999", .sidecar: "#0072B2",
                                            .gateway: "#E69F00", .ingress: "#F0E442", .nodeProxy: "#56B4E9",
                                            .waypoint: "#CC79A7", .eastWest: "#000000", .backoff: "#882255"]
        var hopRowsTable: [[String]] = [["topology", "hop", "critical path ms", "share", "traversals/request", "mean ms", "p99 ms"]]
        for t in r.topologies {
            let rows = hopRows(t)
            o += "<div>\(esc(t.spec.name))</div><div class=\"bar\">"
            for h in rows where h.criticalShare.isFinite && h.criticalShare > 0 {
                o += "<div title=\"\(esc(h.hop.name)) \(fmt(h.criticalShare * 100, 1))%\" style=\"width:\(fmt(h.criticalShare * 100, 3))%;background:\(hopColors[h.hop] ?? "#777")\"></div>"
            }
            o += "</div>\n"
            for h in rows {
                hopRowsTable.append([t.spec.name, h.hop.name, fmt(h.criticalMs, 3), fmt(h.criticalShare * 100, 1) + (h.criticalShare.isFinite ? "%" : ""),
                                     fmt(h.perRequest, 2), fmt(h.meanMs, 3), fmt(h.p99Ms, 3)])
            }
        }
        o += "<div class=\"legend\">" + HopKind.allCases.map { "<span><i style=\"background:\(hopColors[$0] ?? "#777")\"></i>\(esc($0.name))</span>" }.joined() + "</div>\n"
        o += table(hopRowsTable)
        // Per service: parse our own services.csv so the page and the file never disagree.
        o += "<h2>Per service</h2>\n"
        let svcRows = servicesCSV(r).split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let svcKeep = ["topology", "service", "calls", "attempts", "success_rate", "p50_ms", "p99_ms", "utilization",
                       "critical_path_ms", "critical_path_share"]
        if let head = svcRows.first {
            let ix = svcKeep.compactMap { head.firstIndex(of: $0) }
            o += table(svcRows.map { row in ix.map { $0 < row.count ? row[$0] : "" } })
        }
        o += "<p>Generated by topsim \(version). Columns and units: docs/outputs.md.</p>\n</body></html>\n"
        return o
    }
}
