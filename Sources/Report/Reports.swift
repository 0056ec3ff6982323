import Calibration
import Foundation
import Scenario
import SimCore
import TextKit
import Topology

/// The batch outputs of `topsim run`, as text: every function here is pure, so
/// the same result gives byte-identical files.
public enum Reports {
    public static let version = "0.1.0"

    static let latencyMetrics: [(Metric, String)] = [
        (.mean, "mean_ms"), (.p50, "p50_ms"), (.p90, "p90_ms"), (.p99, "p99_ms"), (.p999, "p999_ms"), (.max, "max_ms"),
    ]

    // MARK: summary.csv

    public static func summaryCSV(_ r: Runner.Result) -> String {
        var out = csvLine(summaryHeader(replications: r.scenario.replications))
        for t in r.topologies { out += csvLine(summaryRow(t, scenario: r.scenario)) }
        return out
    }

    /// summary.csv's columns; the `_ci95` ones only with more than one replication.
    /// `topsim sweep` puts the same columns after a point's parameters.
    public static func summaryHeader(replications reps: Int) -> [String] {
        let ci = reps > 1
        var header = ["scenario", "topology", "kind", "replications", "requests", "succeeded",
                      "success_rate"] + (ci ? ["success_rate_ci95"] : []) + ["throughput_rps"] + (ci ? ["throughput_rps_ci95"] : [])
        for (_, name) in latencyMetrics { header.append(name); if ci { header.append(name + "_ci95") } }
        header += ["errors_timeout", "errors_unavailable", "errors_refused", "errors_tls", "errors_rate_limited",
                   "hops_per_request", "proxies", "proxy_memory_mb", "proxy_cpu_cores"]
        // The 2026-11-30 extension, after every earlier column (CLI.md).
        header += ["errors_overflow", "incomplete", "failed_p50_ms", "failed_p99_ms", "proxy_cost_per_month"]
        // Issue 13: what its zone crossings cost (after everything above).
        header += ["cross_zone_cost_per_month"]
        return header
    }

    /// One topology's summary.csv row (unquoted fields, in `summaryHeader` order).
    public static func summaryRow(_ t: Runner.TopologyResult, scenario: Scenario) -> [String] {
        let reps = scenario.replications
        let ci = reps > 1
        let s = { (m: Metric) in summarize(m, t, scenario: scenario) }
        let count = { (m: Metric) -> String in fmt(s(m).mean, reps > 1 ? 1 : 0) }
        var row = [scenario.name, t.spec.name, t.spec.kind.rawValue, "\(reps)", count(.requests),
                   fmt(t.runs.map { Double($0.succeeded) }.reduce(0, +) / Double(reps), reps > 1 ? 1 : 0)]
        row.append(fmt(s(.successRate).mean, 6)); if ci { row.append(fmt(s(.successRate).halfWidth, 6)) }
        row.append(fmt(s(.throughput).mean, 3)); if ci { row.append(fmt(s(.throughput).halfWidth, 3)) }
        for (m, _) in latencyMetrics {
            row.append(fmt(s(m).mean, 3)); if ci { row.append(fmt(s(m).halfWidth, 3)) }
        }
        for c in [ErrorCause.timeout, .unavailable, .refused, .tls, .rateLimited] { row.append(count(.errors(c))) }
        row += [fmt(s(.hops).mean, 3), "\(t.runs[0].proxies)", fmt(t.runs[0].proxyMemoryMB, 1),
                fmt(s(.proxyCPUCores).mean, 4)]
        row += [count(.errors(.overflow)), count(.incomplete),
                fmt(finiteMean(t.runs.map { measure(.failedP50, $0, scenario: scenario) }), 3),
                fmt(finiteMean(t.runs.map { measure(.failedP99, $0, scenario: scenario) }), 3),
                fmt(proxyCostPerMonth(t, scenario: scenario), 2)]
        row.append(fmt(crossZoneCostPerMonth(t, scenario: scenario), 2))
        return row
    }

    /// US dollars a month for the topology's proxies: their mean busy vCPUs and their memory
    /// at the scenario's `cost:` prices (mean over replications).
    public static func proxyCostPerMonth(_ t: Runner.TopologyResult, scenario: Scenario) -> Double {
        scenario.cost.perMonth(cores: summarize(.proxyCPUCores, t, scenario: scenario).mean,
                               memoryMB: t.runs[0].proxyMemoryMB)
    }

    /// US dollars a month for the topology's cross-zone traffic: its zone crossings per second
    /// (every service's `cross_zone`, mean over replications) at the scenario's `cost:` prices.
    public static func crossZoneCostPerMonth(_ t: Runner.TopologyResult, scenario: Scenario) -> Double {
        let seconds = Nanos.toSeconds(scenario.duration)
        let crossings = t.runs.map { run in Double(run.services.reduce(0) { $0 + $1.crossZone }) }
        let perSecond = crossings.reduce(0, +) / Double(max(1, crossings.count)) / max(1e-9, seconds)
        return scenario.cost.crossZonePerMonth(crossingsPerSecond: perSecond)
    }

    /// Requests still in flight at the end, as a share of those started (mean over replications).
    public static func incompleteShare(_ t: Runner.TopologyResult) -> Double {
        let started = t.runs.reduce(0) { $0 + $1.requests + $1.incomplete }
        return started > 0 ? Double(t.runs.reduce(0) { $0 + $1.incomplete }) / Double(started) : 0
    }

    /// Above this share of incomplete requests the success rate leaves out enough to
    /// mislead (an overloaded system whose queue only grows): flagged and warned about.
    public static let incompleteWarningShare = 0.01

    /// Warnings for stderr: topologies whose incomplete requests exceed `incompleteWarningShare`.
    public static func warnings(_ r: Runner.Result) -> [String] {
        r.topologies.compactMap { t in
            let share = incompleteShare(t)
            guard share > incompleteWarningShare else { return nil }
            let n = summarize(.incomplete, t, scenario: r.scenario).mean
            return "warning: \(t.spec.name): \(fmt(n, 0)) requests (\(fmt(share * 100, 1))% of those started) had not "
                + "finished when the run ended; success rate and latency count finished requests only "
                + "(overloaded, a queue that only grows? or calls lost to a hang, a dead node or a partition with no timeout to end them)"
        }
    }

    // MARK: timeseries.csv (replication 1)

    public static func timeseriesCSV(_ r: Runner.Result) -> String {
        var out = csvLine(["topology", "t_s", "requests", "success_rate", "p50_ms", "p99_ms", "errors", "in_flight"])
        let w = Nanos.toSeconds(r.scenario.window)
        for t in r.topologies {
            // A row per window (25,000 in a long run at the default 1 s): only the name can
            // need quoting or neutralising, so it is escaped once; `fmt` and integers give
            // plain numbers, which `csvField` leaves as they are (the bytes are the same).
            let name = csvField(t.spec.name)
            for (i, win) in t.runs[0].windows.windows.enumerated() {
                let rate = win.requests > 0 ? Double(win.succeeded) / Double(win.requests) : 1
                // Field by field, not through an array of them: no allocation per row (each
                // field is a small string, stored inline).
                out += name
                out += ","; out += fmt(Double(i) * w, 3)
                out += ","; out += String(win.requests)
                out += ","; out += fmt(rate, 6)
                out += ","; out += fmt(win.p50 / 1e6, 3)
                out += ","; out += fmt(win.p99 / 1e6, 3)
                out += ","; out += String(win.errors)
                out += ","; out += String(win.inFlight)
                out += "\r\n"
            }
        }
        return out
    }

    // MARK: hops.csv

    public struct HopRow: Sendable {
        public var hop: HopKind
        public var perRequest: Double
        public var meanMs: Double
        public var p99Ms: Double
        public var share: Double
        /// Mean time on the critical path of a successful request, ms (parallel calls: the slowest branch).
        public var criticalMs: Double
        /// Share of successful requests' latency on the critical path; the rows add up to 1.
        public var criticalShare: Double
    }

    /// Critical-path totals over replications: per category (hop kinds, then services), and requests.
    static func criticalTotals(_ t: Runner.TopologyResult) -> (time: [Double], requests: Int) {
        var time = [Double](repeating: 0, count: t.runs[0].criticalPath.count)
        var n = 0
        for run in t.runs {
            n += run.criticalPathRequests
            for k in time.indices { time[k] += Double(run.criticalPath[k]) }
        }
        return (time, n)
    }

    /// Where the time goes: per hop kind, traversals per request and time per traversal,
    /// and the share of all time spent in hops (app work included), summed over replications.
    public static func hopRows(_ t: Runner.TopologyResult) -> [HopRow] {
        var started = 0
        var stats = HopKind.allCases.map { _ in (n: 0, timed: 0, lat: LatencyStats(digits: .two)) }
        for run in t.runs {
            started += run.started
            for h in HopKind.allCases {
                stats[h.rawValue].n += run.hops[h.rawValue].traversals
                stats[h.rawValue].timed += run.hops[h.rawValue].timed
                stats[h.rawValue].lat.merge(run.hops[h.rawValue].latency)
            }
        }
        // Zero-time traversals (a zero-latency wire) count toward the mean as zeros.
        let mean = HopKind.allCases.map { h -> Double in
            let st = stats[h.rawValue]
            return st.n > 0 ? st.lat.mean * Double(st.timed) / Double(st.n) / 1e6 : 0
        }
        let per = HopKind.allCases.map { h in started > 0 ? Double(stats[h.rawValue].n) / Double(started) : 0 }
        let time = HopKind.allCases.map { h in per[h.rawValue] * mean[h.rawValue] }
        let total = time.reduce(0, +)
        let cp = criticalTotals(t)
        let cpTotal = cp.time.prefix(HopKind.allCases.count).reduce(0, +)
        return HopKind.allCases.compactMap { h in
            guard stats[h.rawValue].n > 0 || cp.time[h.rawValue] > 0 else { return nil }
            let st = stats[h.rawValue]
            return HopRow(hop: h, perRequest: per[h.rawValue], meanMs: mean[h.rawValue],
                          p99Ms: hopP99(traversals: st.n, timed: st.timed, latency: st.lat),
                          share: total > 0 ? time[h.rawValue] / total : 0,
                          criticalMs: cp.requests > 0 ? cp.time[h.rawValue] / Double(cp.requests) / 1e6 : .nan,
                          criticalShare: cpTotal > 0 ? cp.time[h.rawValue] / cpTotal : .nan)
        }
    }

    /// The 99th percentile of a hop kind's traversal times, in ms, over every traversal: the
    /// zero-time ones (a zero-latency wire: counted, not recorded) sit below the recorded ones,
    /// as they do in the mean. 0 when at least 99% took no time; NaN only with no traversal.
    /// The recorded ones are read at the rank left after the zeros: for n traversals, z of
    /// them zero, p99 is the ⌈0.99 n⌉-th value, the (0.99 n − z)-th of the timed ones.
    static func hopP99(traversals n: Int, timed: Int, latency: LatencyStats) -> Double {
        guard n > 0 else { return .nan }
        let zeros = Double(n - timed), rank = 0.99 * Double(n)
        guard zeros < rank, timed > 0 else { return 0 }
        return latency.percentile(min(100, (rank - zeros) / Double(timed) * 100)) / 1e6
    }

    public static func hopsCSV(_ r: Runner.Result) -> String {
        var out = csvLine(["topology", "hop", "traversals_per_request", "mean_ms", "p99_ms", "share_of_latency",
                           "critical_path_ms", "critical_path_share"])
        for t in r.topologies {
            for h in hopRows(t) {
                out += csvLine([t.spec.name, h.hop.name, fmt(h.perRequest, 3), fmt(h.meanMs, 3), fmt(h.p99Ms, 3),
                                fmt(h.share, 4), fmt(h.criticalMs, 4), fmt(h.criticalShare, 4)])
            }
        }
        return out
    }

    // MARK: faults.csv

    public struct FaultImpact: Sendable {
        public var requestsFailed: Double
        public var successRate: Double
        public var p99Ms: Double
        /// Seconds after the fault's end until a window's success rate is back to the
        /// pre-fault level (within half a point); nil if it never is.
        public var recoverySeconds: Double?
    }

    public static func faultImpact(_ f: Fault, _ t: Runner.TopologyResult, scenario s: Scenario) -> FaultImpact {
        let end = f.end(runDuration: s.duration)
        var failed = 0.0, rates: [Double] = [], p99s: [Double] = [], recoveries: [Double] = []
        var recoveredAll = true
        for run in t.runs {
            let ws = run.windows.windows
            let width = s.window
            var before = (ok: 0, n: 0)
            for (i, w) in ws.enumerated() where SimTime(i + 1) * width <= f.at {
                before.ok += w.succeeded; before.n += w.requests
            }
            let baseline = before.n > 0 ? Double(before.ok) / Double(before.n) : run.successRate
            let iv = run.interval(f.at, max(end, f.at + width))
            let n = iv?.requests ?? 0
            failed += Double(n - (iv?.succeeded ?? 0))
            rates.append(n > 0 ? Double(iv!.succeeded) / Double(n) : 1)
            // Nothing succeeded during the fault: no latency (an empty cell), not 0.
            p99s.append(iv.map { $0.latency.count > 0 ? $0.latency.p99 / 1e6 : .nan } ?? .nan)
            var rec: Double?
            for (i, w) in ws.enumerated() {
                let a = SimTime(i) * width
                guard a + width > end || (f.kind == .restart && a >= f.at) else { continue }
                if a < end && f.kind != .restart { continue }
                let rate = w.requests > 0 ? Double(w.succeeded) / Double(w.requests) : 1
                if rate >= baseline - 0.005 {
                    rec = max(0, Nanos.toSeconds(a - (f.kind == .restart ? f.at : end)))
                    break
                }
            }
            if let rec { recoveries.append(rec) } else { recoveredAll = false }
        }
        let n = Double(t.runs.count)
        return FaultImpact(requestsFailed: failed / n, successRate: rates.reduce(0, +) / n,
                           p99Ms: finiteMean(p99s),
                           recoverySeconds: recoveredAll ? recoveries.reduce(0, +) / n : nil)
    }

    public static func faultsCSV(_ r: Runner.Result) -> String {
        var out = csvLine(["fault", "kind", "target", "start_s", "end_s", "topology", "requests_failed",
                           "success_rate_during", "p99_during_ms", "recovery_s"])
        let s = r.scenario
        for (i, f) in s.faults.enumerated() {
            for t in r.topologies {
                let imp = faultImpact(f, t, scenario: s)
                out += csvLine(["\(i + 1)", f.kind.rawValue, f.displayTarget,
                                fmt(Nanos.toSeconds(f.at), 3), fmt(Nanos.toSeconds(f.end(runDuration: s.duration)), 3),
                                t.spec.name, fmt(imp.requestsFailed, s.replications > 1 ? 1 : 0),
                                fmt(imp.successRate, 6), fmt(imp.p99Ms, 3),
                                imp.recoverySeconds.map { fmt($0, 3) } ?? ""])
            }
        }
        return out
    }

    // MARK: run.json

    /// A JSON string literal through Foundation's encoder (the fingerprint file's
    /// hand-laid lines use it, so every JSON topsim writes is escaped one way).
    static func jsonString(_ s: String) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        // Encoding a String cannot fail.
        return String(decoding: (try? e.encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    /// run.json's record; its keys are the file's keys.
    struct RunRecord: Encodable {
        struct Topology: Encodable {
            var name, kind: String
            /// The presets the topology ran with, resolved ("linkerd" is recorded as the
            /// version it stood for then, e.g. "linkerd-2.18"), so results stay comparable
            /// when an alias moves to a newer version.
            var presets: [String]
            var events: UInt64, fingerprints: [String]
        }
        var topsimVersion, scenario, scenarioFile, scenarioSHA256: String
        var seed: UInt64, replicationSeeds: [UInt64], replications: Int
        var warmupSeconds, simulatedSeconds: Double
        var events: UInt64, wallTimeSeconds: Double
        var topologies: [Topology]

        enum CodingKeys: String, CodingKey {
            case topsimVersion = "topsim_version", scenario, scenarioFile = "scenario_file"
            case scenarioSHA256 = "scenario_sha256", seed, replicationSeeds = "replication_seeds", replications
            case warmupSeconds = "warmup_s", simulatedSeconds = "simulated_s", events
            case wallTimeSeconds = "wall_time_s", topologies
        }
    }

    /// Reproducibility record, through `JSONEncoder` with sorted keys (escaping is
    /// Foundation's). `wall_time_s` is the one value that differs between two runs of
    /// the same scenario and seed; seconds are rounded to the millisecond.
    /// The registry names of a topology's presets (main, mesh, gateway), aliases resolved.
    static func resolvedPresets(_ spec: TopologySpec) -> [String] {
        var out: [String] = []
        for name in [spec.preset, spec.mesh?.preset, spec.gateway?.preset].compactMap({ $0 }) {
            let resolved = PresetRegistry.preset(named: name)?.name ?? name
            if !out.contains(resolved) { out.append(resolved) }
        }
        return out
    }

    public static func runJSON(_ r: Runner.Result) -> String {
        let s = r.scenario
        func ms(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
        let record = RunRecord(
            topsimVersion: version, scenario: s.name, scenarioFile: s.sourcePath ?? "<built-in>",
            scenarioSHA256: SHA256.hex(s.sourceText), seed: s.seed, replicationSeeds: r.seeds,
            replications: s.replications, warmupSeconds: ms(Nanos.toSeconds(s.warmup)),
            simulatedSeconds: ms(Nanos.toSeconds(s.duration)), events: r.events, wallTimeSeconds: ms(r.wallSeconds),
            topologies: r.topologies.map { t in
                RunRecord.Topology(name: t.spec.name, kind: t.spec.kind.rawValue,
                                   presets: resolvedPresets(t.spec),
                                   events: t.runs.reduce(0) { $0 + $1.events },
                                   fingerprints: t.runs.map(\.fingerprint.description))
            })
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding strings, integers and finite doubles cannot fail.
        guard let data = try? e.encode(record) else { preconditionFailure("run.json did not encode") }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    // MARK: the table on stdout

    public static func summaryTable(_ r: Runner.Result) -> String {
        let s = r.scenario
        let reps = s.replications
        var rows: [[String]] = [["topology", "kind", "requests", "success", "p50 ms", "p99 ms", "timeouts", "unavail",
                                 "refused", "tls", "429", "ovfl", "incompl", "hops", "proxies", "mem MB", "vCPU", "$/month"]]
        // With zones, what crossing them costs (summary.csv's cross_zone_cost_per_month).
        let zones = s.cluster.zones.count > 1
        if zones { rows[0].append("zones $/mo") }
        for t in r.topologies {
            let v = { (m: Metric) in summarize(m, t, scenario: s) }
            func withCI(_ m: Metric, _ d: Int, scale: Double = 1) -> String {
                let x = v(m)
                return reps > 1 ? "\(fmt(x.mean * scale, d))±\(fmt(x.halfWidth * scale, d))" : fmt(x.mean * scale, d)
            }
            rows.append([t.spec.name, t.spec.kind.rawValue, fmt(v(.requests).mean, 0),
                         withCI(.successRate, 2, scale: 100) + "%", withCI(.p50, 2), withCI(.p99, 2),
                         fmt(v(.errors(.timeout)).mean, 0), fmt(v(.errors(.unavailable)).mean, 0),
                         fmt(v(.errors(.refused)).mean, 0), fmt(v(.errors(.tls)).mean, 0),
                         fmt(v(.errors(.rateLimited)).mean, 0), fmt(v(.errors(.overflow)).mean, 0),
                         // "!": so many requests never finished that the success rate misleads.
                         fmt(v(.incomplete).mean, 0) + (incompleteShare(t) > incompleteWarningShare ? "!" : ""),
                         fmt(v(.hops).mean, 1),
                         "\(t.runs[0].proxies)", fmt(t.runs[0].proxyMemoryMB, 0), fmt(v(.proxyCPUCores).mean, 2),
                         fmt(proxyCostPerMonth(t, scenario: s), 0)])
            if zones { rows[rows.count - 1].append(fmt(crossZoneCostPerMonth(t, scenario: s), 0)) }
        }
        var out = "\(s.name): \(fmt(Nanos.toSeconds(s.duration), 0)) s simulated after \(fmt(Nanos.toSeconds(s.warmup), 0)) s warm-up, seed \(s.seed)"
        out += reps > 1 ? ", \(reps) replications (mean ± 95% CI)\n\n" : "\n\n"
        return out + TextTable.render(rows, rightAligned: Set(2..<rows[0].count))
    }

    public static func files(_ r: Runner.Result) -> [(name: String, contents: String)] {
        var f = [("summary.csv", summaryCSV(r)), ("timeseries.csv", timeseriesCSV(r)), ("hops.csv", hopsCSV(r)),
                 ("services.csv", servicesCSV(r)), ("proxies.csv", proxiesCSV(r)), ("run.json", runJSON(r)),
                 ("report.html", reportHTML(r))]
        if !r.scenario.faults.isEmpty { f.append(("faults.csv", faultsCSV(r))) }
        if r.topologies.contains(where: { $0.runs[0].trace.sampleLimit > 0 }) { f.append(("traces.json", tracesJSON(r))) }
        if r.topologies.contains(where: { $0.runs[0].trace.accessLog }) { f.append(("access.log", accessLog(r))) }
        return f
    }
}
