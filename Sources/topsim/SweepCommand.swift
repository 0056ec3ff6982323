import ArgumentParser
import Experiments
import Foundation
import Report
import Scenario

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a scenario over a grid of values: one sweep.csv row per point and topology.",
        discussion: """
        Each --set PATH=V1,V2,... names a value of the file (traffic.shoppers.rate, \
        services.payment.replicas, services.payment.service_time, topologies.mesh.preset, \
        policies.retries.attempts; list entries by their name) and its values; A..B:N is N \
        values from A to B (100/s..2000/s:10), A..B every whole number. The grid is every \
        combination, the first --set varying slowest; points count from 0. Every point is \
        checked before anything runs. --shard I/N runs every N-th point from I (auto: from \
        SLURM_ARRAY_TASK_ID, or JOB_COMPLETION_INDEX with --shards N); topsim merge joins the \
        shards' folders into the folder the whole sweep writes, byte for byte. \
        Writes sweep.csv, sweep.json and (whole sweeps) sweep.svg in DIR, whole or not at all. \
        See docs/cli.md and docs/scale-out.md.
        """)

    @Argument(help: "The scenario file.", completion: .scenarioFile)
    var scenario: String

    @Option(name: .customLong("set"), help: "PATH=V1,V2,... or PATH=A..B:N (repeatable).")
    var sets: [String] = []

    @Option(name: .long, help: "Directory for sweep.csv, sweep.json and sweep.svg.", completion: .directory)
    var out: String

    @Option(name: .long, help: "Run one shard: I/N (I from 0) or auto (Slurm array, Kubernetes Indexed Job).")
    var shard: String?

    @Option(name: .long, help: "With --shard auto and JOB_COMPLETION_INDEX: the number of shards (the Job's completions).")
    var shards: Int?

    @Option(name: .long, parsing: .unconditional, help: "Base seed for every point (overrides the scenario's).")
    var seed: UInt64?

    @Option(name: .long, parsing: .unconditional, help: "Independent replications per point (overrides the scenario's).")
    var replications: Int?

    @Option(name: .long, help: "Measured simulated time per point, e.g. 2m (overrides the scenario's).")
    var duration: String?

    // Optional, so that the help says "the number of cores" once, not also this machine's count.
    @Option(name: .customLong("jobs"), parsing: .unconditional, help: "Simulations run at once (default: the number of cores).")
    var jobsOption: Int?
    var jobs: Int { jobsOption ?? ProcessInfo.processInfo.activeProcessorCount }

    @Flag(name: .long, help: "Give each point its own seed (a hash of its values) instead of common random numbers.")
    var independentSeeds = false

    func validate() throws {
        if sets.isEmpty { throw ValidationError("give at least one --set PATH=V1,V2,...") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if shards != nil && shard != "auto" { throw ValidationError("--shards N goes with --shard auto") }
    }

    func run() throws {
        let plan: SweepPlan
        let options: Sweep.Options
        do {
            let parameters = try sets.map(SweepParameter.parse)
            let sh = try shard.map { try Shard.parse($0, shards: shards, environment: ProcessInfo.processInfo.environment) }
            // --duration and --replications go through the scenario's parser and limits, as for `run`.
            options = Sweep.Options(seed: seed, replications: replications, duration: nil,
                                    jobs: jobs, shard: sh, independentSeeds: independentSeeds)
            plan = try SweepPlan.make(scenarioPath: scenario, parameters: parameters,
                                      overrides: ScenarioOverrides(duration: duration, replications: replications))
        } catch let e as ScenarioErrors {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(2)
        } catch {
            fail("\(error)")
        }
        // The output folder is checked (and its temporary twin created) before simulating.
        let folder: OutputFolder
        do { folder = try OutputFolder(target: out, kind: .sweep) } catch { fail("\(error)") }
        let progress = ProgressLine(enabled: isatty(STDERR_FILENO) == 1)
        let result: Sweep.Result
        do {
            result = try Sweep.run(plan, options: options, progress: progress.enabled ? { @Sendable f in progress.update(f) } : nil)
        } catch {
            progress.finish()
            fail("\(error)")
        }
        progress.finish()
        let mine = options.shard.map { s in plan.points.indices.filter { s.owns($0) }.count } ?? plan.points.count
        print("\(plan.base.name): \(mine) of \(plan.points.count) points"
            + (options.shard.map { " (shard \($0.text))" } ?? "") + ", \(result.rows.count) rows\n")
        print(Sweep.table(result), terminator: "")
        do {
            try folder.commit(Sweep.files(manifest: result.manifest, header: result.header, rows: result.rows))
        } catch { fail("\(error)") }
    }
}
