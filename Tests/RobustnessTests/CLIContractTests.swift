import Foundation
import XCTest

/// Exit statuses and messages as CLI.md promises: 0 success, 1 failed expectations,
/// 2 invalid input or usage with a lowercase `error:` line; command-line values obey the
/// same limits as the file's and are parsed by the same duration syntax.
final class CLIContractTests: XCTestCase {
    static let scenario = """
    scenario: cli
    duration: 200ms
    services:
      a: { service_time: exp(1ms) }
    traffic:
      - { to: a, rate: 100/s }
    topologies:
      - { name: direct, kind: none }
    expect:
      - direct.success_rate >= 0%

    """

    func testExitStatusesAndErrorLines() throws {
        let dir = Topsim.scratch("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = "\(dir)/s.yaml"
        try Self.scenario.write(toFile: s, atomically: true, encoding: .utf8)
        let failing = "\(dir)/f.yaml"
        try Self.scenario.replacingOccurrences(of: ">= 0%", with: "> 100%").write(toFile: failing, atomically: true, encoding: .utf8)
        let cases: [([String], Int32, String)] = [
            (["run", s], 0, ""),
            (["check", s], 0, ""),
            (["check", failing], 1, ""),
            (["--help"], 0, ""),
            (["run", s, "--bogus"], 2, "error: Unknown option '--bogus'"),
            (["run"], 2, "error: Missing expected argument"),
            (["run", s, "--jobs", "0"], 2, "error: --jobs must be at least 1"),
            (["tui", s, "--headless", "--size", "0x0"], 2, "error: --size needs a width and a height of at least 1"),
            (["tui", s, "--headless", "--overlay", "servics"], 2, "(did you mean 'services'?)"),
            (["tui", s, "--headless", "--sort", "p99"], 2, "error: --sort orders the service panel: add --overlay services"),
            (["run", s, "--replications", "0"], 2, "error: --replications must be from 1 to 10000, not 0"),
            (["run", s, "--replications", "100000"], 2, "error: --replications must be from 1 to 10000"),
            // A negative number is a bad value, not a missing one ('-1' read as an option).
            (["run", s, "--replications", "-1"], 2, "error: --replications must be from 1 to 10000, not -1"),
            (["run", s, "--seed", "-5"], 2, "error: The value '-5' is invalid for '--seed <seed>'"),
            (["run", s, "--jobs", "-2"], 2, "error: --jobs must be at least 1"),
            (["run", s, "--replications", "5000", "--duration", "10m"], 2, "error: --replications 5000: "),
            // --duration is parsed by the scenario's own parser and bounded like the file's.
            (["run", s, "--duration", "365000d"], 2, "error: --duration: '365000d' is too long a duration"),
            (["run", s, "--duration", "1e15s"], 2, "error: --duration: '1e15s' is too long a duration"),
            (["run", s, "--duration", "0s"], 2, "error: --duration 0s: the run must be longer than 0s"),
            (["run", s, "--duration", "90"], 2, "needs a unit"),
            (["run", s, "--duration", "2d"], 2, "error: --duration 2d: a run of 2d in windows of 1s makes 172800 windows"),
            // A conflict the override causes keeps the file's position and names the flag.
            (["run", Topsim.repo.appendingPathComponent("scenarios/mm1.yaml").path, "--duration", "1m"], 2,
             "must be shorter than 'duration' (1m, from --duration 1m); give a --duration longer than 5m"),
            (["run", "\(dir)/missing.yaml"], 2, "missing.yaml:1:1: error: cannot read the file: No such file or directory"),
            (["run", dir], 2, ":1:1: error: is a folder"),
            (["run", "/dev/zero"], 2, "/dev/zero:1:1: error: is not a regular file"),
            (["tui", "--headless", "--size", "100000x100000"], 2, "error: --size 100000x100000 is too large"),
            (["tui", "--headless", "--frames", "100000"], 2, "error: --frames must be at most 10000"),
            (["tui", "--headless", "--speed", "0"], 2, "error: --speed must be a number above 0 and at most 10000"),
            (["tui", "--headless", "--speed", "nan"], 2, "error: --speed must be a number above 0"),
            // Nothing close to the name: every preset is named instead of no hint at all.
            (["presets", "nosuch"], 2, "error: unknown preset 'nosuch'; the presets are "),
            // A negative rate is a bad rate, not an unknown option '-5'.
            (["import", "isotope", Topsim.repo.appendingPathComponent("Tests/ImportersTests/Fixtures/isotope/shop.yaml").path, "--rate", "-5"], 2,
             "error: --rate must be above 0 and at most 1e9"),
        ]
        for (args, status, fragment) in cases {
            let r = try Topsim.run(args)
            XCTAssertEqual(r.status, status, "\(args): \(r.summary)")
            XCTAssertFalse(r.err.contains("Error:"), "\(args): capitalised 'Error:' \(r.err)")
            if status == 2 {
                XCTAssertTrue(r.err.contains(fragment), "\(args): expected '\(fragment)' in\n\(r.err)")
                let first = r.err.split(separator: "\n").first.map(String.init) ?? ""
                XCTAssertTrue(first.hasPrefix("error: ") || first.contains(": error: "), "\(args): \(first)")
            }
        }
    }

    /// `help run` names every file --out writes (verdict.csv too) and says the --jobs default
    /// once, in words, not also as this machine's core count; `help tui` gives --speed's default.
    func testHelpListsFilesAndDefaultsOnce() throws {
        let run = try Topsim.run(["help", "run"])
        XCTAssertEqual(run.status, 0, run.summary)
        let flat = run.out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for file in ["summary.csv", "timeseries.csv", "hops.csv", "services.csv", "proxies.csv", "verdict.csv",
                     "report.html", "run.json", "faults.csv"] {
            XCTAssertTrue(flat.contains(file), "help run lacks \(file):\n\(run.out)")
        }
        XCTAssertTrue(flat.contains("(default: the number of cores)"), run.out)
        XCTAssertFalse(flat.contains("cores). (default:"), "the default twice:\n\(run.out)")
        for command in ["check", "sweep", "capacity"] {
            let h = try Topsim.run(["help", command])
            XCTAssertFalse(h.out.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains("cores). (default:"),
                           "help \(command):\n\(h.out)")
        }
        let tui = try Topsim.run(["help", "tui"]).out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(tui.contains("--speed <x>") && tui.contains("(default: 32.0)"), tui)
    }

    /// A second `--duration 1d` with a coarser window in the file is fine: the flag is
    /// held against the file's window, as if the file said it.
    func testDurationFlagUsesTheFilesWindow() throws {
        let dir = Topsim.scratch("cli-window")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = "\(dir)/s.yaml"
        try Self.scenario.replacingOccurrences(of: "duration: 200ms", with: "duration: 200ms\nwindow: 100ms")
            .replacingOccurrences(of: "rate: 100/s", with: "rate: 1/s")
            .write(toFile: s, atomically: true, encoding: .utf8)
        let r = try Topsim.run(["run", s, "--duration", "2h"])
        XCTAssertEqual(r.status, 0, r.summary)
        XCTAssertTrue(r.out.contains("7200 s simulated"), r.out)
    }
}
