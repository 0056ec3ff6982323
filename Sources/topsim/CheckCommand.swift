import ArgumentParser
import Foundation
import Report

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "CI regression: run scenarios and judge every `expect:` line, PASS or FAIL.",
        discussion: """
        Prints each expectation with its measured value (± the 95% CI half-width with \
        replications; the mean over replications is compared) and PASS/FAIL, then a last line \
        'N passed, M failed'. Exit status: 0 all passed, 1 any failed, 2 invalid input \
        (every file is checked first; nothing runs if one is invalid). \
        A DIR means every *.yaml below it. See docs/ci.md.
        """)

    @Argument(help: "Scenario files or directories.", completion: .scenarioFile)
    var paths: [String]

    @Option(name: .long, help: "Write JUnit XML here (one testsuite per scenario).")
    var junit: String?

    @Option(name: .long, help: "Compare event-trajectory fingerprints with this file.")
    var fingerprints: String?

    @Flag(name: .long, help: "Store the current fingerprints in the --fingerprints file.")
    var updateFingerprints = false

    @Option(name: .long, help: "A 'topsim run --out' directory: fail when a summary metric moved by more than chance explains.")
    var baseline: String?

    @Option(name: .long, help: "Relative margin added to chance for --baseline, e.g. 5%.")
    var tolerance: String = "0"

    @Option(name: .long, parsing: .unconditional, help: "Base seed (overrides every scenario's).")
    var seed: UInt64?

    // Optional, so that the help says "the number of cores" once, not also this machine's count.
    @Option(name: .customLong("jobs"), parsing: .unconditional, help: "Simulations run at once (default: the number of cores).")
    var jobsOption: Int?
    var jobs: Int { jobsOption ?? ProcessInfo.processInfo.activeProcessorCount }

    /// Usage mistakes exit 2 like invalid input (CLI.md), with a one-line `error:`.
    func validate() throws {
        var problem: String?
        if paths.isEmpty { problem = "give at least one scenario file or directory" }
        if jobs < 1 { problem = "--jobs must be at least 1" }
        if updateFingerprints && fingerprints == nil { problem = "--update-fingerprints needs --fingerprints FILE" }
        if CheckRun.parseTolerance(tolerance) == nil {
            problem = "--tolerance '\(tolerance)' is not a non-negative fraction (e.g. 5% or 0.05)"
        }
        if let problem {
            FileHandle.standardError.write(Data("error: \(problem)\n".utf8))
            throw ExitCode(CheckRun.exitInvalid)
        }
    }

    func run() throws {
        let options = CheckOptions(junit: junit, fingerprints: fingerprints, updateFingerprints: updateFingerprints,
                                   baseline: baseline, tolerance: CheckRun.parseTolerance(tolerance)!,
                                   seed: seed, jobs: jobs)
        let status = CheckRun.run(paths, options: options,
                                  out: { FileHandle.standardOutput.write(Data($0.utf8)) },
                                  err: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        if status != 0 { throw ExitCode(status) }
    }
}
