import Foundation
import Scenario
import SimCore
import Topology

/// `topsim check`'s options, as the command line gives them.
public struct CheckOptions: Sendable {
    public var junit: String?
    public var fingerprints: String?
    public var updateFingerprints: Bool
    public var baseline: String?
    /// Relative margin added to chance in baseline comparisons (0.05 for `5%`).
    public var tolerance: Double
    public var seed: UInt64?
    public var jobs: Int

    public init(junit: String? = nil, fingerprints: String? = nil, updateFingerprints: Bool = false,
                baseline: String? = nil, tolerance: Double = 0, seed: UInt64? = nil,
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.junit = junit; self.fingerprints = fingerprints; self.updateFingerprints = updateFingerprints
        self.baseline = baseline; self.tolerance = tolerance; self.seed = seed; self.jobs = jobs
    }
}

public struct CheckInputError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// The CI regression run: load every file, run each scenario once, judge.
public enum CheckRun {
    public static let exitPassed: Int32 = 0
    public static let exitFailed: Int32 = 1
    public static let exitInvalid: Int32 = 2

    /// Files as given; for a directory, every `*.yaml` below it (recursively), sorted.
    public static func scenarioFiles(_ args: [String]) -> Result<[String], CheckInputError> {
        let fm = FileManager.default
        var out: [String] = []
        for a in args {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: a, isDirectory: &isDir) else {
                return .failure(CheckInputError(description: "\(a): no such file or directory"))
            }
            guard isDir.boolValue else { out.append(a); continue }
            var found: [String] = []
            if let e = fm.enumerator(atPath: a) {
                while let p = e.nextObject() as? String {
                    if p.hasSuffix(".yaml") { found.append((a as NSString).appendingPathComponent(p)) }
                }
            }
            guard !found.isEmpty else { return .failure(CheckInputError(description: "\(a): no *.yaml scenario files in it")) }
            out += found.sorted()
        }
        return .success(out)
    }

    /// `5%` or `0.05`.
    public static func parseTolerance(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces)
        let v = t.hasSuffix("%") ? Double(t.dropLast()).map { $0 / 100 } : Double(t)
        guard let v, v.isFinite, v >= 0 else { return nil }
        return v
    }

    /// Runs the whole check; `out` gets the report as it goes, `err` the problems.
    /// Returns the exit status: 0 all passed, 1 some failed, 2 invalid input (nothing run).
    public static func run(_ args: [String], options o: CheckOptions,
                           out: (String) -> Void, err: (String) -> Void) -> Int32 {
        let files: [String]
        switch scenarioFiles(args) {
        case .failure(let e): err("error: \(e)"); return exitInvalid
        case .success(let f): files = f
        }
        // Every file is loaded and compiled before anything runs: one bad file, nothing run.
        var scenarios: [(file: String, scenario: Scenario)] = []
        var invalid = false
        for f in files {
            do {
                var s = try ScenarioLoader.load(path: f)
                if let seed = o.seed { s.seed = seed }
                scenarios.append((f, s))
            } catch let e as ScenarioErrors {
                invalid = true
                err(e.description)
            } catch {
                invalid = true
                err("\(f):1:1: error: \(error)")
            }
        }
        if invalid { return exitInvalid }
        for (f, s) in scenarios {
            for t in s.topologies {
                do { _ = try CompiledTopology(scenario: s, topology: t) } catch {
                    err("\(f):\(t.line):\(t.column): error: topology '\(t.name)': \(error)")
                    invalid = true
                }
            }
        }
        if o.fingerprints != nil || o.baseline != nil {
            // Stored fingerprints and baselines are keyed by scenario name.
            var seen: [String: String] = [:]
            for (f, s) in scenarios {
                if let other = seen[s.name] {
                    err("\(f):1:1: error: scenario name '\(s.name)' is also used by \(other); "
                        + "fingerprints and baselines need distinct names")
                    invalid = true
                }
                seen[s.name] = f
            }
        }
        var store = FingerprintStore()
        if let fp = o.fingerprints, FileManager.default.fileExists(atPath: fp) {
            do {
                let text = try String(contentsOfFile: fp, encoding: .utf8)
                store = try FingerprintStore.parse(text, file: fp)
            } catch let e as FingerprintStore.FormatError where e.olderVersion && o.updateFingerprints {
                // Older fingerprints hashed less of each event: none can match, so all are replaced.
                out("note: \(fp) holds fingerprints of an older format (\(e)); every entry is replaced\n")
            } catch let e as FingerprintStore.FormatError {
                err("error: \(e)"); invalid = true
            } catch {
                err("error: cannot read \(fp)"); invalid = true
            }
        }
        // Output paths are checked before anything runs: a bad one costs nothing.
        var outputs: [(String, String)] = []
        if let j = o.junit { outputs.append((j, "--junit")) }
        if o.updateFingerprints, let fp = o.fingerprints { outputs.append((fp, "--fingerprints")) }
        for (path, what) in outputs {
            do { try OutputFile.check(path, what: what) } catch { err("error: \(error)"); invalid = true }
        }
        var baseline: [SummaryRow] = []
        if let dir = o.baseline {
            do { baseline = try BaselineStore.load(dir: dir) } catch { err("error: \(error)"); invalid = true }
        }
        if invalid { return exitInvalid }

        var checks: [ScenarioCheck] = []
        var results: [Runner.Result] = []
        for (f, s) in scenarios {
            let r: Runner.Result
            do { r = try Runner.run(s, options: Runner.Options(jobs: o.jobs)) } catch {
                err("\(f): error: \(error)")
                return exitInvalid
            }
            results.append(r)
            var cases = CheckCase.expectations(r)
            var notes: [String] = []
            if let fp = o.fingerprints {
                let c = store.compare(r, accept: o.updateFingerprints)
                cases += c.cases
                notes += c.notes
                if store.scenarios[s.name] == nil && !o.updateFingerprints {
                    notes.append("\(fp) has no fingerprints for scenario '\(s.name)' (store them with --update-fingerprints)")
                }
            }
            if let dir = o.baseline {
                do {
                    if let comparisons = try BaselineCheck.compare(r, baseline: baseline, tolerance: o.tolerance) {
                        cases += CheckCase.baseline(comparisons)
                        let run = Set(r.topologies.map(\.spec.name))
                        for row in baseline where row.scenario == s.name && !run.contains(row.topology) {
                            notes.append("baseline topology '\(row.topology)' is no longer run")
                        }
                    } else {
                        notes.append("\(dir) has no baseline for scenario '\(s.name)'")
                    }
                } catch {
                    err("error: \(error)")
                    return exitInvalid
                }
            }
            let c = ScenarioCheck(file: f, scenario: s.name, replications: r.scenario.replications, seed: r.seed,
                                  wallSeconds: r.wallSeconds, cases: cases, notes: notes)
            checks.append(c)
            out(CheckText.scenario(c) + "\n")
        }
        // Files first, so that the summary stays the last line.
        if let path = o.junit {
            if let e = writeFile(JUnit.xml(checks), to: path, what: "--junit") { err("error: \(e)"); return exitInvalid }
        }
        if o.updateFingerprints, let path = o.fingerprints {
            store.update(with: results)
            if let e = writeFile(store.serialized(), to: path, what: "--fingerprints") { err("error: \(e)"); return exitInvalid }
            out("fingerprints written to \(path)\n")
        }
        out(CheckText.summaryLine(checks) + "\n")
        return checks.contains { $0.failures > 0 } ? exitFailed : exitPassed
    }

    /// One file, whole or not at all; never over a link, pipe, device or folder.
    static func writeFile(_ contents: String, to path: String, what: String) -> Error? {
        do {
            try OutputFile.write(contents, to: path, what: what)
            return nil
        } catch { return error }
    }
}
