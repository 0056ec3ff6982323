import Dispatch
import Foundation
import Report
import Scenario
import SimCore
import Synchronization
import Topology

/// One replication's answer: the largest traffic scaling at which every SLO held in a
/// run with this replication's seed.
public struct CapacityReplication: Sendable, Equatable {
    /// The topology's name.
    public var topology: String
    /// 0-based; its seed is `topsim run`'s seed for the same replication.
    public var replication: Int
    /// The seed every run of this search used.
    public var seed: UInt64
    /// Traffic multiplier found (midpoint of the last bracket; 0 when every SLO failed
    /// even at the smallest scaling tried).
    public var scale: Double
    /// `scale` times the base rate, requests per second.
    public var rate: Double
    /// Index of the SLO that failed just above `scale` (the worst miss when several did);
    /// nil when every SLO held up to the largest scaling tried.
    public var limiting: Int?
    /// Simulations the search ran.
    public var simulations: Int
}

/// A topology's capacity: the mean of its replications' answers and the 95% interval.
public struct TopologyCapacity: Sendable, Equatable {
    /// The topology's name and its kind (`none`, `gateway`, ...).
    public var topology: String
    public var kind: String
    /// Requests per second (the scaled traffic's rate): the mean over replications.
    public var maxRate: Double
    /// Half-width of the 95% confidence interval of `maxRate` (Student t over replications).
    public var ci95: Double
    /// The SLO most replications hit first, as written; `none up to the search limit` when
    /// every SLO held at the largest rate tried.
    public var limitingSLO: String
    /// Every replication's own answer, in replication order.
    public var replications: [CapacityReplication]
}

/// `topsim capacity`: per topology, the highest scaling of the traffic at which every SLO
/// holds. How, and how the interval is computed: docs/capacity.md.
///
/// Each replication r (seed as `topsim run`'s replication r) searches on its own: from the
/// scenario's rate it doubles (or halves) the traffic until an SLO fails (or all hold),
/// then bisects to `resolution`. Within a replication every run uses the same random
/// numbers, only the arrival rate changes, so the metrics move with the rate, not with
/// noise, and the bisection converges on that replication's crossing. The replications'
/// crossings are independent and identically distributed, so their mean and Student t
/// interval estimate the capacity and its uncertainty, noise of the simulation included.
public enum Capacity {
    /// How the search runs; the defaults are `topsim capacity`'s.
    public struct Options: Sendable {
        /// Scale only this traffic source (nil: every source by the same factor).
        public var traffic: String?
        /// Replications (searches) per topology, at least 2 for an interval.
        public var replications: Int
        /// With a value, replications are added (in steps of `replications`) until the
        /// interval's half-width is at most this fraction of the answer, or `maxReplications`.
        public var precision: Double?
        /// With `precision`: the most replications per topology.
        public var maxReplications: Int
        /// The bisection stops when its bracket is narrower than this fraction of the rate.
        public var resolution: Double
        /// The scaling the search stops doubling at; lowered so that no run simulates more
        /// than `maxArrivals` arrivals.
        public var maxScale: Double
        /// The scaling the search stops halving at (the answer is then 0).
        public var minScale: Double
        /// Arrivals (rate times warm-up plus duration) one run may simulate: bounds the cost
        /// of a search whose SLOs hold at every rate.
        public var maxArrivals: Double = 20_000_000
        /// Overrides the scenario's base seed and measured duration.
        public var seed: UInt64?
        public var duration: SimTime?
        /// Searches run at once.
        public var jobs: Int

        public init(traffic: String? = nil, replications: Int = 5, precision: Double? = nil,
                    maxReplications: Int = 50, resolution: Double = 0.002, maxScale: Double = 1024,
                    minScale: Double = 1.0 / 1024, seed: UInt64? = nil, duration: SimTime? = nil,
                    jobs: Int = ProcessInfo.processInfo.activeProcessorCount) {
            self.traffic = traffic; self.replications = replications; self.precision = precision
            self.maxReplications = maxReplications; self.resolution = resolution; self.maxScale = maxScale
            self.minScale = minScale
            self.seed = seed; self.duration = duration; self.jobs = jobs
        }
    }

    /// Requests per second of the traffic that is scaled: a source's rate (a profile's peak),
    /// summed over the scaled sources. Throws `ExperimentError` for an unknown `traffic`.
    public static func baseRate(_ s: Scenario, traffic: String?) throws -> Double {
        let sources = try scaledSources(s, traffic: traffic)
        let rate = sources.reduce(0.0) { sum, i in
            switch s.traffic[i].rate {
            case .constant(let r): return sum + r
            case .profile(let pts): return sum + (pts.map(\.perSecond).max() ?? 0)
            }
        }
        guard rate > 0 else { throw ExperimentError("the traffic to scale has no rate above 0") }
        return rate
    }

    static func scaledSources(_ s: Scenario, traffic: String?) throws -> [Int] {
        guard let name = traffic else { return Array(s.traffic.indices) }
        guard let i = s.traffic.firstIndex(where: { $0.name == name }) else {
            throw ExperimentError("--traffic '\(name)': no such traffic source (have: "
                + s.traffic.map(\.name).joined(separator: ", ") + ")")
        }
        return [i]
    }

    /// The scenario with the scaled sources' rates (every profile point) times `k`.
    public static func scaled(_ s: Scenario, by k: Double, sources: [Int]) -> Scenario {
        var s = s
        for i in sources {
            switch s.traffic[i].rate {
            case .constant(let r): s.traffic[i].rate = .constant(perSecond: r * k)
            case .profile(let pts):
                s.traffic[i].rate = .profile(pts.map { RatePoint(at: $0.at, perSecond: $0.perSecond * k) })
            }
        }
        return s
    }

    /// Runs the searches, `jobs` at a time. `progress` gets the fraction of searches done.
    /// Throws `ExperimentError` (an unknown traffic source, an SLO window past the end of
    /// the run, a topology that cannot be built).
    public static func run(_ scenario: Scenario, slos: [SLO], options: Options,
                           progress: (@Sendable (Double) -> Void)? = nil) throws -> [TopologyCapacity] {
        var o = options
        guard !slos.isEmpty else { throw ExperimentError("give at least one --slo, e.g. --slo \"p99 < 200ms\"") }
        guard o.replications >= 2 else { throw ExperimentError("--replications must be at least 2 (the interval needs two)") }
        var base = Runner.effective(scenario, Runner.Options(seed: o.seed, replications: 1, duration: o.duration))
        for slo in slos {
            if let w = slo.expectation.window, w.end > base.duration {
                throw ExperimentError("--slo \"\(slo.text)\": the window ends after the run (\(Nanos.toSeconds(base.duration)) s)")
            }
        }
        // The SLOs as the run's expectations, so a windowed SLO is measured exactly.
        base.expectations = slos.map(\.expectation)
        let sources = try scaledSources(base, traffic: o.traffic)
        let rate = try baseRate(base, traffic: o.traffic)
        o.maxScale = max(1, min(o.maxScale, o.maxArrivals / (rate * Nanos.toSeconds(base.warmup + base.duration))))
        for t in base.topologies {
            do { _ = try CompiledTopology(scenario: base, topology: t) } catch {
                throw ExperimentError("topology '\(t.name)': \(error)")
            }
        }
        var found: [[CapacityReplication]] = base.topologies.map { _ in [] }
        var target = base.topologies.map { _ in o.replications }
        let limit = max(o.replications, o.maxReplications)
        while true {
            let tasks = base.topologies.indices.flatMap { t in (found[t].count..<target[t]).map { (t, $0) } }
            if tasks.isEmpty { break }
            let done = try runTasks(tasks, base: base, slos: slos, sources: sources, rate: rate, options: o,
                                    progress: progress)
            for (k, task) in tasks.enumerated() { found[task.0].append(done[k]) }
            for t in base.topologies.indices {
                let sum = ReplicationSummary(found[t].map(\.rate))
                if let p = o.precision, sum.halfWidth > p * sum.mean, found[t].count < limit {
                    target[t] = min(limit, found[t].count + o.replications)
                }
            }
        }
        return base.topologies.indices.map { t in
            let reps = found[t]
            let sum = ReplicationSummary(reps.map(\.rate))
            return TopologyCapacity(topology: base.topologies[t].name, kind: base.topologies[t].kind.rawValue,
                                    maxRate: sum.mean, ci95: sum.halfWidth,
                                    limitingSLO: limitingText(reps, slos: slos, maxRate: rate * o.maxScale),
                                    replications: reps)
        }
    }

    /// The SLO most replications hit first (ties: the one listed first).
    static func limitingText(_ reps: [CapacityReplication], slos: [SLO], maxRate: Double) -> String {
        var votes = [Int](repeating: 0, count: slos.count)
        for r in reps { if let l = r.limiting { votes[l] += 1 } }
        guard let best = votes.indices.max(by: { votes[$0] < votes[$1] || (votes[$0] == votes[$1] && $0 > $1) }),
              votes[best] > 0 else {
            return "none up to the search limit (\(SVG.number(maxRate))/s)"
        }
        return slos[best].text
    }

    static func runTasks(_ tasks: [(Int, Int)], base: Scenario, slos: [SLO], sources: [Int], rate: Double,
                         options o: Options, progress: (@Sendable (Double) -> Void)?) throws -> [CapacityReplication] {
        let out = Mutex<[CapacityReplication?]>(Array(repeating: nil, count: tasks.count))
        let next = Mutex(0), finished = Mutex(0)
        let failure = Mutex<String?>(nil)
        DispatchQueue.concurrentPerform(iterations: max(1, min(o.jobs, tasks.count))) { _ in
            while true {
                let k = next.withLock { n -> Int in let k = n; n += 1; return k }
                if k >= tasks.count || failure.withLock({ $0 != nil }) { return }
                let (t, r) = tasks[k]
                do {
                    let rep = try search(base: base, topology: t, replication: r, slos: slos, sources: sources,
                                         rate: rate, options: o)
                    out.withLock { $0[k] = rep }
                    let f = finished.withLock { n -> Int in n += 1; return n }
                    progress?(Double(f) / Double(tasks.count))
                } catch {
                    failure.withLock { $0 = "\(error)" }
                }
            }
        }
        if let f = failure.withLock({ $0 }) { throw ExperimentError(f) }
        return out.withLock { $0 }.map { $0! }
    }

    /// One replication's doubling/halving and bisection for one topology.
    static func search(base: Scenario, topology t: Int, replication r: Int, slos: [SLO], sources: [Int],
                       rate: Double, options o: Options) throws -> CapacityReplication {
        var s = base
        s.topologies = [base.topologies[t]]
        s.seed = replicationSeed(base: base.seed, replication: r)
        var runs = 0
        /// The SLOs that fail at scaling k, with how far each misses.
        func failing(_ k: Double) throws -> [(Int, Double)] {
            runs += 1
            let result = try Runner.run(scaled(s, by: k, sources: sources), options: Runner.Options(jobs: 1))
            let run = result.topologies[0].runs[0]
            return slos.indices.compactMap { i in
                slos[i].holds(run, scenario: result.scenario) ? nil : (i, slos[i].miss(slos[i].value(run, scenario: result.scenario)))
            }
        }
        var lo = 0.0, hi = Double.infinity
        var atHi: [(Int, Double)] = []
        let first = try failing(1)
        if first.isEmpty {
            lo = 1
            var k = 2.0
            while k <= o.maxScale {
                let f = try failing(k)
                if f.isEmpty { lo = k; k *= 2 } else { hi = k; atHi = f; break }
            }
        } else {
            hi = 1; atHi = first
            var k = 0.5
            while k >= o.minScale {
                let f = try failing(k)
                if f.isEmpty { lo = k; break } else { hi = k; atHi = f; k /= 2 }
            }
        }
        let seed = s.seed
        let name = base.topologies[t].name
        if hi == .infinity {
            return CapacityReplication(topology: name, replication: r, seed: seed, scale: lo, rate: lo * rate,
                                       limiting: nil, simulations: runs)
        }
        if lo == 0 {
            return CapacityReplication(topology: name, replication: r, seed: seed, scale: 0, rate: 0,
                                       limiting: worst(atHi), simulations: runs)
        }
        while hi - lo > o.resolution * hi {
            let mid = (lo + hi) / 2
            let f = try failing(mid)
            if f.isEmpty { lo = mid } else { hi = mid; atHi = f }
        }
        let scale = (lo + hi) / 2
        return CapacityReplication(topology: name, replication: r, seed: seed, scale: scale, rate: scale * rate,
                                   limiting: worst(atHi), simulations: runs)
    }

    static func worst(_ f: [(Int, Double)]) -> Int? {
        f.max { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 > $1.0) }?.0
    }

    // MARK: Outputs

    /// capacity.csv: `topology,max_rate_rps,max_rate_ci95,limiting_slo`.
    public static func csv(_ results: [TopologyCapacity]) -> String {
        var out = csvLine(["topology", "max_rate_rps", "max_rate_ci95", "limiting_slo"])
        for r in results { out += csvLine([r.topology, fmt(r.maxRate, 3), fmt(r.ci95, 3), r.limitingSLO]) }
        return out
    }

    /// capacity_replications.csv: every replication's own answer, the interval's raw material.
    public static func replicationsCSV(_ results: [TopologyCapacity], slos: [SLO]) -> String {
        var out = csvLine(["topology", "replication", "seed", "max_rate_rps", "scale", "limiting_slo", "simulations"])
        for t in results {
            for r in t.replications {
                out += csvLine([r.topology, "\(r.replication)", "\(r.seed)", fmt(r.rate, 3), fmt(r.scale, 6),
                                r.limiting.map { slos[$0].text } ?? "", "\(r.simulations)"])
            }
        }
        return out
    }

    /// The table printed on stdout.
    public static func table(_ results: [TopologyCapacity], scenario: String, traffic: String?, baseRate: Double,
                             slos: [SLO]) -> String {
        var rows = [["topology", "kind", "max rate/s", "± 95%", "replications", "limiting SLO"]]
        for r in results {
            rows.append([r.topology, r.kind, fmt(r.maxRate, 1), fmt(r.ci95, 1), "\(r.replications.count)", r.limitingSLO])
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
        var out = "\(scenario): the highest rate at which \(slos.map { "\"\($0.text)\"" }.joined(separator: " and ")) "
            + "hold\(slos.count == 1 ? "s" : ""), scaling \(traffic.map { "traffic '\($0)'" } ?? "all traffic") "
            + "(\(SVG.number(baseRate))/s in the file); mean of the replications' answers ± 95% CI\n\n"
        for (i, row) in rows.enumerated() {
            out += row.enumerated().map { c, cell in
                c < 2 || c == 5 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
            if i == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }

    /// The output folder: capacity.csv, capacity_replications.csv, capacity.svg.
    public static func files(_ results: [TopologyCapacity], scenario: String, slos: [SLO]) -> [(name: String, contents: String)] {
        [("capacity.csv", csv(results)), ("capacity_replications.csv", replicationsCSV(results, slos: slos)),
         ("capacity.svg", CapacityChart.svg(title: "\(scenario): capacity at " + slos.map(\.text).joined(separator: ", "), results))]
    }
}
