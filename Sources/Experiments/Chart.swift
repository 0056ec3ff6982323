import Foundation
import Report

// Small self-contained SVG charts (no script, no fonts to fetch), written by the runs
// themselves so the figures in the docs are generated, not drawn. Every number goes
// through `fmt`, so the same rows give the same bytes.

/// The sweep's figure: p99 and success rate against the first parameter, one line per
/// topology and combination of the other parameters' values.
public enum SweepChart {
    /// `header`/`rows` as in sweep.csv (unquoted fields); `parameters` the swept paths.
    public static func svg(title: String, header: [String], rows: [[String]], parameters: [String]) -> String {
        guard let xCol = parameters.first.flatMap({ header.firstIndex(of: $0) }),
              let topo = header.firstIndex(of: "topology"), let p99 = header.firstIndex(of: "p99_ms"),
              let ok = header.firstIndex(of: "success_rate") else { return SVG.empty(title) }
        let others = parameters.dropFirst().compactMap { header.firstIndex(of: $0) }
        // x: numeric when every value is a number with one shared unit; else evenly spaced categories.
        var categories: [String] = []
        for r in rows where !categories.contains(r[xCol]) { categories.append(r[xCol]) }
        let parsed = categories.map { SweepRange.splitNumber($0) }
        let numeric = parsed.allSatisfy { $0 != nil } && Set(parsed.map { $0!.1 }).count == 1
        let unit = numeric ? parsed.first!!.1 : ""
        func x(_ v: String) -> Double {
            numeric ? SweepRange.splitNumber(v)!.0 : Double(categories.firstIndex(of: v)!)
        }
        var series: [(name: String, points: [(Double, Double?, Double?)])] = []
        for r in rows {
            let name = ([r[topo]] + others.map { "\(header[$0])=\(r[$0])" }).joined(separator: ", ")
            let pt = (x(r[xCol]), Double(r[p99]), Double(r[ok]).map { $0 * 100 })
            if let i = series.firstIndex(where: { $0.name == name }) { series[i].points.append(pt) } else {
                series.append((name, [pt]))
            }
        }
        let xs = series.flatMap { $0.points.map(\.0) }
        let xr = (xs.min() ?? 0, xs.max() ?? 1)
        var svg = SVG(width: 900, height: 650, title: title)
        let xLabel = parameters[0] + (unit.isEmpty ? "" : " (\(unit))")
        let xTicks: [(Double, String)]? = numeric ? nil : categories.enumerated().map { (Double($0), $1) }
        svg.panel(top: 64, title: "p99 latency (ms)", xLabel: xLabel, xRange: xr, xTicks: xTicks, fromZero: true,
                  series: series.map { ($0.name, $0.points.compactMap { p in p.1.map { (p.0, $0) } }) })
        svg.panel(top: 370, title: "success rate (%)", xLabel: xLabel, xRange: xr, xTicks: xTicks, fromZero: false,
                  series: series.map { ($0.name, $0.points.compactMap { p in p.2.map { (p.0, $0) } }) })
        svg.legend(series.map(\.name), x: 660, y: 70)
        return svg.finish()
    }
}

/// capacity.svg: each topology's maximum rate as a bar with its 95% interval.
public enum CapacityChart {
    /// One bar per topology, in the given order, with its interval and limiting SLO.
    public static func svg(title: String, _ results: [TopologyCapacity]) -> String {
        let rowH = 34.0, left = 170.0, width = 560.0
        let top = 50.0
        var svg = SVG(width: 900, height: Int(top + rowH * Double(results.count) + 60), title: title)
        let hi = results.map { $0.maxRate + $0.ci95 }.max() ?? 1
        let ticks = SVG.niceTicks(0, max(hi, 1e-9))
        let xmax = ticks.last ?? 1
        let sx = { (v: Double) in left + width * v / xmax }
        let bottom = top + rowH * Double(results.count)
        for (v, label) in ticks.map({ ($0, SVG.number($0)) }) {
            svg.line(sx(v), top - 6, sx(v), bottom, stroke: "#dddddd")
            svg.text(label, sx(v), bottom + 16, anchor: "middle", size: 11)
        }
        svg.text("maximum rate at which every SLO holds (requests/s, 95% interval)", left + width / 2, bottom + 36,
                 anchor: "middle", size: 12)
        for (i, r) in results.enumerated() {
            let y = top + rowH * Double(i)
            svg.text(r.topology, left - 8, y + rowH / 2 + 4, anchor: "end", size: 12)
            svg.rect(left, y + 7, max(0, sx(r.maxRate) - left), rowH - 14, fill: SVG.palette[i % SVG.palette.count])
            if r.ci95 > 0 {
                let a = sx(max(0, r.maxRate - r.ci95)), b = sx(r.maxRate + r.ci95), m = y + rowH / 2
                svg.line(a, m, b, m, stroke: "#222222")
                svg.line(a, m - 6, a, m + 6, stroke: "#222222")
                svg.line(b, m - 6, b, m + 6, stroke: "#222222")
            }
            svg.text("\(fmt(r.maxRate, 1)) ± \(fmt(r.ci95, 1))/s  (\(r.limitingSLO))",
                     sx(r.maxRate + r.ci95) + 6, y + rowH / 2 + 4, anchor: "start", size: 11)
        }
        return svg.finish()
    }
}

/// A minimal SVG writer.
struct SVG {
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf"]
    var body = ""
    let width: Int, height: Int

    init(width: Int, height: Int, title: String) {
        self.width = width; self.height = height
        body += "<text x=\"20\" y=\"24\" font-size=\"15\" font-weight=\"bold\">\(SVG.escape(title))</text>\n"
    }

    static func empty(_ title: String) -> String {
        var s = SVG(width: 400, height: 60, title: title)
        s.text("nothing to draw", 20, 48, anchor: "start", size: 12)
        return s.finish()
    }

    func finish() -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
            + "viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body + "</svg>\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func c(_ v: Double) -> String { fmt(v, 1) }

    /// Up to 6 significant digits, no trailing zeros.
    static func number(_ v: Double) -> String { SweepRange.compact(abs(v) < 1e-9 ? 0 : v) }

    mutating func text(_ s: String, _ x: Double, _ y: Double, anchor: String, size: Int) {
        body += "<text x=\"\(SVG.c(x))\" y=\"\(SVG.c(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\">"
            + SVG.escape(s) + "</text>\n"
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String) {
        body += "<line x1=\"\(SVG.c(x1))\" y1=\"\(SVG.c(y1))\" x2=\"\(SVG.c(x2))\" y2=\"\(SVG.c(y2))\" stroke=\"\(stroke)\"/>\n"
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String) {
        body += "<rect x=\"\(SVG.c(x))\" y=\"\(SVG.c(y))\" width=\"\(SVG.c(w))\" height=\"\(SVG.c(h))\" fill=\"\(fill)\"/>\n"
    }

    /// About five round ticks (1, 2 or 5 times a power of ten) covering [lo, hi].
    static func niceTicks(_ lo: Double, _ hi: Double) -> [Double] {
        let span = hi - lo
        guard span.isFinite, lo.isFinite else { return [0, 1] }
        // One value only (every point at 100%): a band of ±1 around it.
        guard span > 1e-9 * max(1, abs(hi)) else { return niceTicks(lo - 1, hi + 1) }
        let raw = span / 5, mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw }!
        let first = floor(lo / step) * step
        var t: [Double] = []
        var v = first
        var i = 0.0
        while v < hi + step * 0.999 && t.count < 20 { t.append(v); i += 1; v = first + i * step }
        return t
    }

    /// A line chart 600 x 220 at `top`.
    mutating func panel(top: Double, title: String, xLabel: String, xRange: (Double, Double),
                        xTicks: [(Double, String)]?, fromZero: Bool, series: [(String, [(Double, Double)])]) {
        let left = 70.0, w = 560.0, h = 220.0
        let ys = series.flatMap { $0.1.map(\.1) }
        // Latency from 0 (the size of a difference reads true); a success rate zoomed to its range.
        let ylo = fromZero ? min(0, ys.min() ?? 0) : (ys.min() ?? 0)
        let yt = SVG.niceTicks(ylo, max(ys.max() ?? 1, ylo + 1e-9))
        let (y0, y1) = (yt.first!, yt.last!)
        let (x0, x1) = xRange.0 == xRange.1 ? (xRange.0 - 1, xRange.1 + 1) : xRange
        let sx = { (v: Double) in left + w * (v - x0) / (x1 - x0) }
        let sy = { (v: Double) in top + h - h * (v - y0) / (y1 - y0) }
        text(title, left, top - 8, anchor: "start", size: 13)
        for v in yt {
            line(left, sy(v), left + w, sy(v), stroke: "#dddddd")
            text(SVG.number(v), left - 6, sy(v) + 4, anchor: "end", size: 11)
        }
        let xt = xTicks ?? SVG.niceTicks(x0, x1).filter { $0 >= x0 - 1e-9 && $0 <= x1 + 1e-9 }.map { ($0, SVG.number($0)) }
        for (v, label) in xt {
            line(sx(v), top + h, sx(v), top + h + 4, stroke: "#444444")
            text(label, sx(v), top + h + 17, anchor: "middle", size: 11)
        }
        line(left, top + h, left + w, top + h, stroke: "#444444")
        line(left, top, left, top + h, stroke: "#444444")
        text(xLabel, left + w / 2, top + h + 34, anchor: "middle", size: 12)
        for (i, s) in series.enumerated() {
            let color = SVG.palette[i % SVG.palette.count]
            let pts = s.1.map { "\(SVG.c(sx($0.0))),\(SVG.c(sy($0.1)))" }
            if pts.count > 1 {
                body += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(pts.joined(separator: " "))\"/>\n"
            }
            for p in s.1 {
                body += "<circle cx=\"\(SVG.c(sx(p.0)))\" cy=\"\(SVG.c(sy(p.1)))\" r=\"3\" fill=\"\(color)\"/>\n"
            }
        }
    }

    mutating func legend(_ names: [String], x: Double, y: Double) {
        for (i, n) in names.enumerated() {
            let yy = y + Double(i) * 18
            rect(x, yy - 9, 12, 12, fill: SVG.palette[i % SVG.palette.count])
            text(n, x + 18, yy + 1, anchor: "start", size: 11)
        }
    }
}
