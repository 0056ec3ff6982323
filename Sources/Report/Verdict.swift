import Foundation
import Scenario
import SimCore
import TextKit
import Topology

/// Which topology wins each criterion of a run, and by how much: latency,
/// availability (overall and during the scenario's faults), blast radius,
/// resource cost and components to operate. Pure: the same result gives the
/// same text.
public struct Verdict: Sendable {
    public enum Criterion: String, Sendable, CaseIterable {
        case latencyP50 = "latency_p50_ms"
        case latencyP99 = "latency_p99_ms"
        case availability = "success_rate"
        case availabilityDuringFaults = "success_rate_during_faults"
        case blastRadius = "requests_failed_during_faults"
        case proxyCPU = "proxy_cpu_cores"
        case proxyMemory = "proxy_memory_mb"
        case components = "components_to_operate"

        public var title: String {
            switch self {
            case .latencyP50: return "latency p50"
            case .latencyP99: return "latency p99"
            case .availability: return "success rate"
            case .availabilityDuringFaults: return "success during faults"
            case .blastRadius: return "blast radius"
            case .proxyCPU: return "proxy vCPU"
            case .proxyMemory: return "proxy memory"
            case .components: return "components to operate"
            }
        }

        /// Success rates are better high; everything else is better low.
        public var higherIsBetter: Bool { self == .availability || self == .availabilityDuringFaults }
        var isFraction: Bool { higherIsBetter }
        var needsFaults: Bool { self == .availabilityDuringFaults || self == .blastRadius }
    }

    public struct Row: Sendable {
        public var criterion: Criterion
        public var winner: String
        public var value: Double
        /// nil with a single topology.
        public var runnerUp: String?
        public var runnerUpValue: Double?
        /// Success rates: the difference in points as a fraction (0.0075 = 0.75 points).
        /// Everything else: how much lower than the runner-up, relative to it (0.35 = 35% lower).
        public var margin: Double?
        /// Every topology's value, in scenario order.
        public var values: [(name: String, value: Double)]
        /// A caveat printed after the margin (a fast winner that fails many requests).
        public var note: String? = nil
    }

    public var scenario: String
    public var rows: [Row]

    public func row(_ c: Criterion) -> Row? { rows.first { $0.criterion == c } }

    /// Per topology, the value of every criterion (the mean over replications).
    public static func values(_ r: Runner.Result) -> [Criterion: [(name: String, value: Double)]] {
        let s = r.scenario
        var out: [Criterion: [(String, Double)]] = [:]
        for t in r.topologies {
            func mean(_ m: Metric) -> Double { summarize(m, t, scenario: s).mean }
            var v: [Criterion: Double] = [
                .latencyP50: mean(.p50), .latencyP99: mean(.p99), .availability: mean(.successRate),
                .proxyCPU: mean(.proxyCPUCores), .proxyMemory: t.runs.first?.proxyMemoryMB ?? 0,
                // Proxies running at the end: an `inject` adds sidecars during the run (issue 22).
                .components: Double((t.runs.first?.proxies ?? t.model.proxyCount)
                                    + (t.model.hasMesh ? t.model.controlPlaneReplicas : 0)),
            ]
            if !s.faults.isEmpty {
                // Every fault's own interval, summed (overlapping faults count their overlap twice).
                var requests = 0.0, succeeded = 0.0
                for run in t.runs {
                    for f in s.faults {
                        let end = max(f.end(runDuration: s.duration), f.at + s.window)
                        guard let iv = run.interval(f.at, end) else { continue }
                        requests += Double(iv.requests); succeeded += Double(iv.succeeded)
                    }
                }
                let n = Double(max(1, t.runs.count))
                v[.availabilityDuringFaults] = requests > 0 ? succeeded / requests : 1
                v[.blastRadius] = (requests - succeeded) / n
            }
            for (c, x) in v { out[c, default: []].append((t.spec.name, x)) }
        }
        return out
    }

    /// The verdict the lead prints at the end of `topsim run` (table) and writes as verdict.csv.
    public static func evaluate(result: Runner.Result) -> Verdict {
        let all = values(result)
        var rows: [Row] = []
        let success = all[.availability] ?? []
        let bestSuccess = success.map(\.value).max() ?? 1
        let s = result.scenario
        let metrics: [Criterion: Metric] = [.latencyP50: .p50, .latencyP99: .p99, .availability: .successRate,
                                            .proxyCPU: .proxyCPUCores]
        func halfWidth(_ c: Criterion, _ name: String) -> Double {
            guard let m = metrics[c], let t = result.topologies.first(where: { $0.spec.name == name }) else { return 0 }
            return summarize(m, t, scenario: s).halfWidth
        }
        for c in Criterion.allCases {
            // A latency over no successful request is NaN: no topology wins on it when none
            // has one (`rank` leaves out those without).
            guard let vs = all[c], vs.contains(where: { !$0.value.isNaN }) else { continue }
            var row = rank(c, vs)
            // With replications, a margin inside either confidence interval is not a finding.
            if s.replications > 1, let ru = row.runnerUp, let rv = row.runnerUpValue, row.value != rv,
               abs(row.value - rv) <= max(halfWidth(c, row.winner), halfWidth(c, ru)) {
                row.note = "within the 95% confidence intervals"
            }
            // Latency counts successful requests only: failing the slow ones makes a topology look fast.
            if c == .latencyP50 || c == .latencyP99,
               let ok = success.first(where: { $0.name == row.winner })?.value, ok < bestSuccess - 0.01 {
                row.note = (row.note.map { $0 + "; " } ?? "") + "but only "
                    + String(format: "%.2f%%", ok * 100) + " succeeded"
            }
            rows.append(row)
        }
        return Verdict(scenario: result.scenario.name, rows: rows)
    }

    /// The best value wins; ties go to the topology listed first. A topology whose value is
    /// NaN (a latency with no successful request behind it) is not ranked, and the row's note
    /// names it: NaN compares false with everything, so sorted in it would win or come second
    /// by accident, and a margin against it is not a number. Needs one value that is not NaN.
    public static func rank(_ c: Criterion, _ all: [(name: String, value: Double)]) -> Row {
        let vs = all.filter { !$0.value.isNaN }
        let unmeasured = all.filter { $0.value.isNaN }.map(\.name)
        precondition(!vs.isEmpty, "rank needs a measured value")
        var row = rankMeasured(c, vs)
        row.values = all
        if !unmeasured.isEmpty { row.note = "no data for " + unmeasured.joined(separator: ", ") }
        return row
    }

    static func rankMeasured(_ c: Criterion, _ vs: [(name: String, value: Double)]) -> Row {
        let order = vs.indices.sorted { a, b in
            let x = vs[a].value, y = vs[b].value
            if x != y { return c.higherIsBetter ? x > y : x < y }
            return a < b
        }
        let w = vs[order[0]]
        guard order.count > 1 else {
            return Row(criterion: c, winner: w.name, value: w.value, runnerUp: nil, runnerUpValue: nil,
                       margin: nil, values: vs)
        }
        let r = vs[order[1]]
        let margin: Double
        if c.higherIsBetter {
            margin = w.value - r.value
        } else {
            margin = r.value > 0 ? (r.value - w.value) / r.value : 0
        }
        return Row(criterion: c, winner: w.name, value: w.value, runnerUp: r.name, runnerUpValue: r.value,
                   margin: margin, values: vs)
    }

    // MARK: Text

    static func format(_ c: Criterion, _ v: Double) -> String {
        switch c {
        case .latencyP50, .latencyP99: return String(format: "%.2f ms", v)
        case .availability, .availabilityDuringFaults: return String(format: "%.2f%%", v * 100)
        case .blastRadius: return "\(Int(v.rounded())) failed"
        case .proxyCPU: return String(format: "%.2f vCPU", v)
        case .proxyMemory: return "\(Int(v.rounded())) MB"
        case .components: return "\(Int(v.rounded()))"
        }
    }

    /// "35% lower than edge+mesh", "0.75 points higher than direct", "tie with mesh".
    public static func marginText(_ row: Row) -> String {
        guard let ru = row.runnerUp, let m = row.margin else {
            return row.values.count > 1 ? "no runner-up" : "the only topology"
        }
        if row.criterion.higherIsBetter {
            if m == 0 { return "tie with \(ru)" }
            if m < 0.0001 { return "<0.01 points higher than \(ru)" }
            return String(format: "%.2f points higher than %@", m * 100, ru)
        }
        if row.value == row.runnerUpValue { return "tie with \(ru)" }
        if (row.runnerUpValue ?? 0) > 0 && row.value == 0 { return "none, against \(format(row.criterion, row.runnerUpValue!)) for \(ru)" }
        let pct = m * 100
        guard pct.isFinite else { return "not comparable with \(ru)" }
        return (pct < 1 ? String(format: "%.1f%%", pct) : "\(Int(pct.rounded()))%") + " lower than \(ru)"
    }

    /// One line per criterion: winner, its value, runner-up and margin.
    public func table() -> String {
        var lines: [[String]] = [["criterion", "winner", "value", "runner-up", "value", "margin"]]
        for r in rows {
            lines.append([r.criterion.title, r.winner, Verdict.format(r.criterion, r.value), r.runnerUp ?? "-",
                          r.runnerUpValue.map { Verdict.format(r.criterion, $0) } ?? "-",
                          Verdict.marginText(r) + (r.note.map { "; " + $0 } ?? "")])
        }
        return "verdict: \(scenario)\n\n" + TextTable.render(lines, rightAligned: [2, 4])
    }

    /// `criterion,winner,value,runner_up,runner_up_value,margin`: values in the criterion's
    /// unit (ms, 0..1 fractions, requests, vCPU, MB, count); margin as in `Row.margin`.
    public func csv() -> String {
        var out = csvLine(["criterion", "winner", "value", "runner_up", "runner_up_value", "margin"])
        for r in rows {
            let d = r.criterion.isFraction ? 6 : (r.criterion == .proxyCPU ? 4 : 3)
            out += csvLine([r.criterion.rawValue, r.winner, fmt(r.value, d), r.runnerUp ?? "",
                            r.runnerUpValue.map { fmt($0, d) } ?? "", r.margin.map { fmt($0, 6) } ?? ""])
        }
        return out
    }
}
