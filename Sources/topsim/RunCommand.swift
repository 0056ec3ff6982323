import ArgumentParser
import Foundation
import Report
import Scenario
import SimCore
import Topology

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario's topologies on identical traffic and print a summary.",
        discussion: """
        With --out DIR, writes summary.csv, timeseries.csv, hops.csv, services.csv, proxies.csv, \
        verdict.csv (which topology wins each criterion), report.html, run.json (and faults.csv when the \
        scenario has faults; traces.json with \
        --trace-sample, access.log with --access-log); docs/outputs.md describes every column. Files are written whole or not at all; the same scenario \
        and seed give the same files whatever --jobs is.
        """)

    @Argument(help: "The scenario file.", completion: .scenarioFile)
    var scenario: String

    @Option(name: .long, help: "Directory for the CSV reports and run.json.", completion: .directory)
    var out: String?

    @Option(name: .long, parsing: .unconditional, help: "Base seed (overrides the scenario's).")
    var seed: UInt64?

    @Option(name: .long, parsing: .unconditional, help: "Independent replications (overrides the scenario's).")
    var replications: Int?

    @Option(name: .long, help: "Measured simulated time, e.g. 10m (overrides the scenario's).")
    var duration: String?

    @Option(name: .long, parsing: .unconditional, help: "Trace the first N measured requests per topology into traces.json (OTLP JSON).")
    var traceSample: Int = 0

    @Flag(name: .long, help: "Write access.log: every measured call in Envoy's access-log format.")
    var accessLog = false

    // Optional, so that the help says "the number of cores" once, not also this machine's count.
    @Option(name: .customLong("jobs"), parsing: .unconditional, help: "Simulations run at once (default: the number of cores).")
    var jobsOption: Int?
    var jobs: Int { jobsOption ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if traceSample < 0 { throw ValidationError("--trace-sample must be 0 or more") }
        if (traceSample > 0 || accessLog) && out == nil {
            throw ValidationError("--trace-sample and --access-log write files: give --out DIR")
        }
    }

    func run() throws {
        // --duration and --replications go through the scenario's own parser and limits.
        let s = try loadScenarioOrExit(scenario, overrides: ScenarioOverrides(duration: duration, replications: replications))
        // The output folder is checked (and its temporary twin created) before simulating.
        var folder: OutputFolder?
        if let out {
            do { folder = try OutputFolder(target: out) } catch { fail("\(error)") }
        }
        var opts = Runner.Options(seed: seed, jobs: jobs)
        opts.traceSample = traceSample
        opts.accessLog = accessLog
        let progress = ProgressLine(enabled: isatty(STDERR_FILENO) == 1)
        let result: Runner.Result
        do {
            var report: (@Sendable (Double) -> Void)?
            if progress.enabled {
                let p = progress
                report = { @Sendable f in p.update(f) }
            }
            result = try Runner.run(s, options: opts, progress: report)
        } catch {
            progress.finish()
            folder?.discard()
            fail("\(error)")
        }
        progress.finish()
        let verdict = Verdict.evaluate(result: result)
        for w in Reports.warnings(result) { FileHandle.standardError.write(Data((w + "\n").utf8)) }
        if let folder {
            let files = Reports.files(result) + [("verdict.csv", verdict.csv())]
            do { try folder.commit(files) } catch { fail("\(error)") }
        }
        writeStandardOutput(Reports.summaryTable(result) + "\n" + verdict.table())
    }
}

/// Writes to stdout, or fails (exit 2) when it cannot: a full disk behind a redirection is
/// an error like any other output that could not be written.
func writeStandardOutput(_ text: String) {
    do { try FileHandle.standardOutput.write(contentsOf: Data(text.utf8)) } catch {
        fail("cannot write to standard output: \(error.localizedDescription)")
    }
}

/// Loads a scenario (with command-line overrides) or prints its diagnostics and exits 2.
func loadScenarioOrExit(_ path: String, overrides: ScenarioOverrides = ScenarioOverrides()) throws -> Scenario {
    do {
        return try ScenarioLoader.load(path: path, overrides: overrides)
    } catch let e as ScenarioErrors {
        FileHandle.standardError.write(Data((e.description + "\n").utf8))
        throw ExitCode(2)
    }
}

/// `error: MESSAGE` on stderr (control characters escaped) and exit.
func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("error: \(ControlCharacters.escaped(message))\n".utf8))
    exit(status)
}

/// Progress on stderr, only when it is a terminal.
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    private let lock = NSLock()
    private var last = -1
    private let start = Date()
    init(enabled: Bool) { self.enabled = enabled }

    func update(_ f: Double) {
        lock.lock(); defer { lock.unlock() }
        let pct = Int(f * 100)
        guard pct != last else { return }
        last = pct
        let elapsed = Date().timeIntervalSince(start)
        let eta = f > 0.01 ? elapsed * (1 - f) / f : 0
        FileHandle.standardError.write(Data(String(format: "\r  simulating %3d%%  ETA %4.0fs ", pct, eta).utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
