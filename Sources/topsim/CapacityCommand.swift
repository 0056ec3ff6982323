import ArgumentParser
import Experiments
import Foundation
import Report
import Scenario

struct CapacityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Per topology, the highest traffic rate at which every SLO still holds, with its 95% interval.",
        discussion: """
        An SLO is an expect line without the topology: "p99 < 200ms", "success_rate >= 99.9%", \
        "p99 in [2m, 3m] < 1s". The traffic (the --traffic source, or all of it) is scaled; each \
        replication doubles or halves it until an SLO fails, then bisects, on its own seed; the \
        answer is the mean of the replications' answers with a Student t 95% interval \
        (docs/capacity.md). With --out DIR: capacity.csv \
        (topology,max_rate_rps,max_rate_ci95,limiting_slo), capacity_replications.csv and \
        capacity.svg, written whole or not at all.
        """)

    @Argument(help: "The scenario file.", completion: .scenarioFile)
    var scenario: String

    @Option(name: .customLong("slo"), help: "An SLO, e.g. \"p99 < 200ms\" (repeatable; all must hold).")
    var slos: [String] = []

    @Option(name: .long, help: "Scale only this traffic source (default: all of them).")
    var traffic: String?

    @Option(name: .long, help: "Directory for capacity.csv, capacity_replications.csv and capacity.svg.",
            completion: .directory)
    var out: String?

    @Option(name: .long, parsing: .unconditional, help: "Searches per topology, each on its own seed (at least 2).")
    var replications: Int = 5

    @Option(name: .long, help: "Add replications until the 95% half-width is at most this share of the answer, e.g. 2%.")
    var precision: String?

    @Option(name: .long, parsing: .unconditional, help: "With --precision: the most replications per topology.")
    var maxReplications: Int = 50

    @Option(name: .long, parsing: .unconditional, help: "Base seed (overrides the scenario's).")
    var seed: UInt64?

    @Option(name: .long, help: "Measured simulated time per run, e.g. 2m (overrides the scenario's).")
    var duration: String?

    // Optional, so that the help says "the number of cores" once, not also this machine's count.
    @Option(name: .customLong("jobs"), parsing: .unconditional, help: "Simulations run at once (default: the number of cores).")
    var jobsOption: Int?
    var jobs: Int { jobsOption ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if slos.isEmpty { throw ValidationError("give at least one --slo, e.g. --slo \"p99 < 200ms\"") }
        if replications < 2 { throw ValidationError("--replications must be at least 2 (an interval needs two)") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let p = precision, parseShare(p) == nil {
            throw ValidationError("--precision '\(p)' is not a share above 0 (e.g. 2% or 0.02)")
        }
    }

    func parseShare(_ s: String) -> Double? {
        let v = s.hasSuffix("%") ? Double(s.dropLast()).map { $0 / 100 } : Double(s)
        guard let v, v > 0, v.isFinite else { return nil }
        return v
    }

    func run() throws {
        let parsed: [SLO]
        do { parsed = try slos.map(SLO.parse) } catch { fail("\(error)") }
        // --duration goes through the scenario's parser and limits, as for `run`.
        let s = try loadScenarioOrExit(scenario, overrides: ScenarioOverrides(duration: duration))
        let options = Capacity.Options(traffic: traffic, replications: replications, precision: precision.flatMap(parseShare),
                                       maxReplications: maxReplications, seed: seed,
                                       duration: nil, jobs: jobs)
        // The output folder is checked (and its temporary twin created) before searching.
        var folder: OutputFolder?
        if let out {
            do { folder = try OutputFolder(target: out, kind: .capacity) } catch { fail("\(error)") }
        }
        let progress = ProgressLine(enabled: isatty(STDERR_FILENO) == 1)
        let results: [TopologyCapacity]
        let base: Double
        do {
            base = try Capacity.baseRate(s, traffic: traffic)
            results = try Capacity.run(s, slos: parsed, options: options,
                                       progress: progress.enabled ? { @Sendable f in progress.update(f) } : nil)
        } catch {
            progress.finish()
            fail("\(error)")
        }
        progress.finish()
        print(Capacity.table(results, scenario: s.name, traffic: traffic, baseRate: base, slos: parsed), terminator: "")
        if let folder {
            do { try folder.commit(Capacity.files(results, scenario: s.name, slos: parsed)) } catch {
                fail("\(error)")
            }
        }
    }
}
