import Dispatch
import Foundation
import Report
import Scenario
import SimCore
import Synchronization
import Topology

/// `topsim sweep`: every point of a plan (or one shard's) run like `topsim run`, one
/// sweep.csv row per point and topology.
public enum Sweep {
    /// The command-line options of `topsim sweep`.
    public struct Options: Sendable {
        /// Overrides every point's base seed.
        public var seed: UInt64?
        /// Overrides the scenario's replications (the same for every point).
        public var replications: Int?
        /// Overrides every point's measured duration.
        public var duration: SimTime?
        /// Simulations at once.
        public var jobs: Int
        /// nil: every point.
        public var shard: Shard?
        /// Each point gets its own seed, derived from its values, instead of the
        /// scenario's (common random numbers across points, the default).
        public var independentSeeds: Bool

        public init(seed: UInt64? = nil, replications: Int? = nil, duration: SimTime? = nil,
                    jobs: Int = ProcessInfo.processInfo.activeProcessorCount, shard: Shard? = nil,
                    independentSeeds: Bool = false) {
            self.seed = seed; self.replications = replications; self.duration = duration; self.jobs = jobs
            self.shard = shard; self.independentSeeds = independentSeeds
        }
    }

    /// What one sweep (or shard) produced: the rows of sweep.csv without the header.
    public struct Result: Sendable {
        /// sweep.json's content (with `shard` for a shard).
        public var manifest: SweepManifest
        /// sweep.csv's columns (`header(parameters:replications:)`).
        public var header: [String]
        /// In point order, then topology order; unquoted fields.
        public var rows: [[String]]
    }

    /// The seed point `point` runs with: the scenario's (after `--seed`), so that every
    /// point sees the same arrivals and service draws and a difference between two points
    /// is the parameters' doing; with `independentSeeds`, a hash of that seed and the
    /// point's values. Never the shard or the point's position: a point gives the same
    /// numbers whichever process runs it and whatever else the grid holds.
    public static func seed(for point: SweepPoint, scenarioSeed: UInt64, independent: Bool) -> UInt64 {
        guard independent else { return scenarioSeed }
        let hex = SHA256.hex("\(scenarioSeed)\n" + point.overrides.map { "\($0.path)=\($0.value)" }.joined(separator: "\n"))
        return UInt64(hex.prefix(16), radix: 16)!
    }

    /// Point `i`'s scenario as it runs: command-line options applied, seed chosen.
    public static func scenario(_ plan: SweepPlan, point i: Int, options: Options) -> Scenario {
        var s = Runner.effective(plan.scenarios[i], Runner.Options(seed: options.seed, replications: options.replications,
                                                                   duration: options.duration))
        s.seed = seed(for: plan.points[i], scenarioSeed: s.seed, independent: options.independentSeeds)
        return s
    }

    /// What defines the sweep (or shard) that `plan` and `options` describe.
    public static func manifest(_ plan: SweepPlan, options: Options) -> SweepManifest {
        SweepManifest(scenario: plan.base.name, scenarioSHA256: SHA256.hex(plan.base.sourceText),
                      parameters: plan.parameters, points: plan.points.count,
                      seed: options.seed, replications: options.replications,
                      durationNanos: options.duration, independentSeeds: options.independentSeeds,
                      shard: options.shard)
    }

    /// sweep.csv's columns: `point`, one per parameter (its path), `seed`, then summary.csv's.
    public static func header(parameters: [SweepParameter], replications: Int) -> [String] {
        ["point"] + parameters.map(\.path) + ["seed"] + Reports.summaryHeader(replications: replications)
    }

    /// Compiles every point's topologies (all points, whatever the shard, so every shard
    /// refuses the same input) and then runs this shard's points, `jobs` simulations at a
    /// time. `progress` gets the fraction done (0...1) from worker threads.
    /// Throws `ExperimentError` for a topology that cannot be built, naming the point.
    public static func run(_ plan: SweepPlan, options: Options,
                           progress: (@Sendable (Double) -> Void)? = nil) throws -> Result {
        let all = plan.points.indices.map { scenario(plan, point: $0, options: options) }
        for (i, s) in all.enumerated() {
            for t in s.topologies {
                do { _ = try CompiledTopology(scenario: s, topology: t) } catch {
                    throw ExperimentError("\(plan.scenarioPath): topology '\(t.name)': \(error) "
                        + "(point \(i): \(plan.points[i].label))")
                }
            }
        }
        let mine = plan.points.indices.filter { options.shard?.owns($0) ?? true }
        let reps = max(1, Runner.effective(plan.base, Runner.Options(replications: options.replications)).replications)
        let out = Mutex<[[[String]]?]>(Array(repeating: nil, count: mine.count))
        let failure = Mutex<String?>(nil)
        let next = Mutex(0)
        // Each point's fraction done and their sum, kept together so an update is O(1).
        let fractions = Mutex<(each: [Double], sum: Double)>((Array(repeating: 0, count: mine.count), 0))
        // Points in parallel, each run single-threaded, while there are more points than
        // cores; with few points the cores go to each point's topologies and replications.
        let workers = max(1, min(options.jobs, mine.count))
        let inner = max(1, options.jobs / max(1, mine.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let k = next.withLock { n -> Int in let k = n; n += 1; return k }
                if k >= mine.count || failure.withLock({ $0 != nil }) { return }
                let i = mine[k]
                let s = all[i]
                var report: (@Sendable (Double) -> Void)?
                if let progress {
                    let total = mine.count
                    report = { @Sendable f in
                        let sum = fractions.withLock { fs -> Double in
                            fs.sum += f - fs.each[k]; fs.each[k] = f
                            return fs.sum
                        }
                        progress(min(1, sum / Double(total)))
                    }
                }
                do {
                    let r = try Runner.run(s, options: Runner.Options(jobs: inner), progress: report)
                    let lead = ["\(i)"] + plan.points[i].values + ["\(s.seed)"]
                    let rows = r.topologies.map { lead + Reports.summaryRow($0, scenario: r.scenario) }
                    out.withLock { $0[k] = rows }
                } catch {
                    failure.withLock { $0 = "\(error) (point \(i): \(plan.points[i].label))" }
                }
            }
        }
        if let f = failure.withLock({ $0 }) { throw ExperimentError(f) }
        let rows = out.withLock { $0 }.flatMap { $0! }
        return Result(manifest: manifest(plan, options: options),
                      header: header(parameters: plan.parameters, replications: reps), rows: rows)
    }

    /// The output folder's files: sweep.csv and sweep.json, and for a whole sweep (not a
    /// shard) sweep.svg. A pure function of the manifest and the rows, which is what lets
    /// `topsim merge` rebuild the unsharded folder byte for byte.
    public static func files(manifest: SweepManifest, header: [String], rows: [[String]]) -> [(name: String, contents: String)] {
        var csv = csvLine(header)
        for r in rows { csv += csvLine(r) }
        var f: [(name: String, contents: String)] = [("sweep.csv", csv), ("sweep.json", manifest.json())]
        if manifest.shard == nil {
            f.append(("sweep.svg", SweepChart.svg(title: "\(manifest.scenario): sweep", header: header, rows: rows,
                                                  parameters: manifest.parameters.map(\.path))))
        }
        return f
    }

    /// A short table for the terminal: one line per point and topology.
    public static func table(_ r: Result) -> String {
        guard let topology = r.header.firstIndex(of: "topology"), let p50 = r.header.firstIndex(of: "p50_ms"),
              let p99 = r.header.firstIndex(of: "p99_ms"), let ok = r.header.firstIndex(of: "success_rate"),
              let tput = r.header.firstIndex(of: "throughput_rps") else { return "" }
        let params = r.manifest.parameters.count
        var rows = [["point"] + r.manifest.parameters.map(\.path) + ["topology", "p50 ms", "p99 ms", "success", "rps"]]
        for row in r.rows {
            let rate = Double(row[ok]).map { fmt($0 * 100, 2) + "%" } ?? row[ok]
            rows.append([row[0]] + row[1...params] + [row[topology], row[p50], row[p99], rate, row[tput]])
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
        var out = ""
        for (i, row) in rows.enumerated() {
            out += row.enumerated().map { c, cell in
                c <= params + 1 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
            if i == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }
}

/// sweep.json: what defines a sweep, so `topsim merge` can refuse shards of different
/// sweeps. No wall time and no host: the same sweep gives the same bytes anywhere.
public struct SweepManifest: Sendable, Equatable, Codable {
    /// The version that wrote it: shards of different versions are not merged.
    public var topsimVersion: String = Reports.version
    /// The scenario's name.
    public var scenario: String
    /// SHA-256 of the scenario file's text.
    public var scenarioSHA256: String
    /// The `--set` paths and values, ranges expanded.
    public var parameters: [SweepParameter]
    /// Points in the whole grid.
    public var points: Int
    /// `--seed`, when given.
    public var seed: UInt64?
    /// `--replications`, when given.
    public var replications: Int?
    /// `--duration` in nanoseconds, when given.
    public var durationNanos: Int64?
    /// `--independent-seeds`.
    public var independentSeeds: Bool
    /// The shard this folder holds; nil for a whole (or merged) sweep.
    public var shard: Shard?

    enum CodingKeys: String, CodingKey {
        case topsimVersion = "topsim_version", scenario, scenarioSHA256 = "scenario_sha256", parameters, points,
             seed, replications, durationNanos = "duration_ns", independentSeeds = "independent_seeds", shard
    }

    /// Pretty-printed with sorted keys: stable bytes.
    public func json() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! e.encode(self), as: UTF8.self) + "\n"
    }
}
