import Calibration
import Foundation
import Scenario
import SimCore
import Topology

/// One row of a `summary.csv`, by column name.
public struct SummaryRow: Sendable, Equatable {
    public var scenario: String
    public var topology: String
    public var replications: Int
    public var values: [String: Double]
}

public struct BaselineError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Reads stored `topsim run --out DIR` results.
public enum BaselineStore {
    /// `DIR/summary.csv` and every `summary.csv` below DIR (one `--out` directory
    /// per scenario works too), rows keyed by scenario and topology name.
    public static func load(dir: String) throws -> [SummaryRow] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw BaselineError(description: "baseline '\(dir)' is not a directory (give a 'topsim run --out DIR' directory)")
        }
        var files: [String] = []
        if let e = fm.enumerator(atPath: dir) {
            while let p = e.nextObject() as? String {
                if (p as NSString).lastPathComponent == "summary.csv" { files.append(p) }
            }
        }
        files.sort()
        guard !files.isEmpty else {
            throw BaselineError(description: "baseline '\(dir)' holds no summary.csv (write one with 'topsim run SCENARIO --out \(dir)')")
        }
        var rows: [SummaryRow] = []
        for f in files {
            let path = (dir as NSString).appendingPathComponent(f)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw BaselineError(description: "cannot read \(path)")
            }
            rows += try parse(text, file: path)
        }
        return rows
    }

    static func v(_ d: Double) -> String { String(d) }

    public static func parse(_ text: String, file: String = "summary.csv") throws -> [SummaryRow] {
        let records = try CSVReader.records(text, file: file)
        guard let header = records.first else { throw BaselineError(description: "\(file): empty") }
        for required in ["scenario", "topology", "replications"] + BaselineCheck.columns where !header.contains(required) {
            throw BaselineError(description: "\(file): no '\(required)' column; not a topsim summary.csv")
        }
        var rows: [SummaryRow] = []
        let numeric = Set(BaselineCheck.columns + BaselineCheck.columns.map { $0 + "_ci95" })
        for (n, rec) in records.dropFirst().enumerated() where !(rec.count == 1 && rec[0].isEmpty) {
            let line = "\(file):\(n + 2)"
            guard rec.count == header.count else {
                throw BaselineError(description: "\(line): \(rec.count) fields, the header has \(header.count)")
            }
            // A baseline is evidence: a value that is not a finite number (nan, inf, text)
            // or an impossible replication count is an input error, never compared.
            var values: [String: Double] = [:]
            for (h, v) in zip(header, rec) {
                if let d = Double(v) {
                    guard d.isFinite else {
                        throw BaselineError(description: "\(line): '\(h)' is \(v), not a finite number")
                    }
                    values[h] = d
                } else if numeric.contains(h), !v.isEmpty {
                    throw BaselineError(description: "\(line): '\(h)' is '\(v)', not a number")
                }
            }
            let col = Dictionary(uniqueKeysWithValues: zip(header, rec))
            let repText = col["replications"]!
            guard let reps = Int(repText), reps >= 1 else {
                throw BaselineError(description: "\(line): 'replications' is '\(repText)', not a whole number of at least 1")
            }
            for (h, d) in values where h.hasSuffix("_ci95") && d < 0 {
                throw BaselineError(description: "\(line): '\(h)' is \(v(d)), a negative confidence half-width")
            }
            rows.append(SummaryRow(scenario: CSVFormula.restore(col["scenario"]!),
                                   topology: CSVFormula.restore(col["topology"]!),
                                   replications: reps, values: values))
        }
        return rows
    }
}

/// RFC 4180 records (quoted fields, doubled quotes, CRLF or LF line ends).
enum CSVReader {
    static func records(_ text: String, file: String) throws -> [[String]] {
        var out: [[String]] = []
        var rec: [String] = [], field = ""
        var quoted = false, afterQuote = false
        var it = Array(text.unicodeScalars)[...]
        func endField() { rec.append(field); field = ""; afterQuote = false }
        while let c = it.popFirst() {
            if quoted {
                if c == "\"" {
                    if it.first == "\"" { field.unicodeScalars.append("\""); it.removeFirst() } else { quoted = false; afterQuote = true }
                } else { field.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": endField()
            case "\r": if it.first == "\n" { it.removeFirst() }; endField(); out.append(rec); rec = []
            case "\n": endField(); out.append(rec); rec = []
            default:
                if afterQuote { throw BaselineError(description: "\(file): text after a closing quote") }
                field.unicodeScalars.append(c)
            }
        }
        if quoted { throw BaselineError(description: "\(file): unterminated quoted field") }
        if !field.isEmpty || !rec.isEmpty { endField(); out.append(rec) }
        return out
    }
}

/// One metric of one topology compared with its baseline.
public struct BaselineComparison: Sendable {
    public struct Side: Sendable {
        public var mean: Double
        /// 95% CI half-width as reported (0 with one replication or for counts).
        public var halfWidth: Double
        public var replications: Int
    }
    public var topology: String
    public var column: String
    public var current: Side
    /// nil: no baseline row for this topology.
    public var baseline: Side?
    /// Two-sided p-value of the difference beyond the tolerance (1 when within it).
    public var pValue: Double
    /// The Holm-adjusted threshold the p-value was held against (nil when not tested).
    public var threshold: Double?
    public var passed: Bool
}

/// "Did a summary metric move by more than chance explains?"
///
/// For each compared column, with means m0 (baseline) and m1 (now), replication
/// counts n0, n1 and per-replication standard deviations s0, s1 recovered from the
/// 95% half-widths (s = h·√n / t₀.₉₇₅(n−1)):
///   d = max(0, |m1 − m0| − tolerance·|m0|),  t = d / √(s0²/n0 + s1²/n1)
/// with Welch–Satterthwaite degrees of freedom and a two-sided p-value. Within one
/// scenario the p-values are held against 5% with Holm's step-down correction, so
/// comparing ten metrics of five topologies still raises a false alarm in at most
/// 5% of unchanged runs. Details (counts, single replications) in docs/ci.md.
public enum BaselineCheck {
    /// The columns compared: the headline outcomes. p90/p999/max are left out
    /// (extremes are noisy and each extra test weakens the correction).
    public static let columns = ["success_rate", "throughput_rps", "mean_ms", "p50_ms", "p99_ms",
                                 "errors_timeout", "errors_unavailable", "errors_refused", "errors_tls",
                                 "errors_rate_limited"]
    static let countColumns: [String: ErrorCause] = [
        "errors_timeout": .timeout, "errors_unavailable": .unavailable, "errors_refused": .refused,
        "errors_tls": .tls, "errors_rate_limited": .rateLimited,
    ]
    public static let familyAlpha = 0.05

    /// Compares one run with the baseline rows of its scenario (matched by scenario
    /// and topology name). Returns nil when the baseline has no row for the scenario.
    public static func compare(_ r: Runner.Result, baseline: [SummaryRow], tolerance: Double = 0,
                               alpha: Double = familyAlpha) throws -> [BaselineComparison]? {
        let base = baseline.filter { $0.scenario == r.scenario.name }
        guard !base.isEmpty else { return nil }
        // The current side goes through the same summary.csv text, so both sides are rounded alike.
        let now = try BaselineStore.parse(Reports.summaryCSV(r), file: "current summary")
        var out: [BaselineComparison] = []
        var tested: [(index: Int, p: Double)] = []
        for row in now {
            let b = base.first { $0.topology == row.topology }
            let top = r.topologies.first { $0.spec.name == row.topology }!
            for c in columns {
                let cur = side(row, c)
                guard let b else {
                    out.append(BaselineComparison(topology: row.topology, column: c, current: cur, baseline: nil,
                                                  pValue: 1, threshold: nil, passed: true))
                    continue
                }
                let old = side(b, c)
                // Per-replication variances: from the CI columns; for error counts, which
                // have none, from the runs themselves with a Poisson floor.
                var v1 = variance(cur), v0 = variance(old)
                if let cause = countColumns[c] {
                    let runs = top.runs.map { measure(.errors(cause), $0, scenario: r.scenario) }
                    var w = Welford(); runs.forEach { w.add($0) }
                    let floor = (cur.mean + old.mean) / 2
                    v1 = runs.count > 1 ? max(w.variance, floor) : floor
                    v0 = nil
                }
                let p = pValue(m0: old.mean, m1: cur.mean, v0: v0, n0: old.replications, v1: v1,
                               n1: cur.replications, tolerance: tolerance)
                tested.append((out.count, p))
                out.append(BaselineComparison(topology: row.topology, column: c, current: cur, baseline: old,
                                              pValue: p, threshold: nil, passed: true))
            }
        }
        // Holm: the k-th smallest of m p-values is held against alpha / (m - k); once one
        // holds, every larger one does too.
        let m = tested.count
        var stillRejecting = true
        for (k, t) in tested.sorted(by: { ($0.p, $0.index) < ($1.p, $1.index) }).enumerated() {
            let threshold = alpha / Double(m - k)
            out[t.index].threshold = threshold
            if stillRejecting && t.p <= threshold {
                out[t.index].passed = false
            } else {
                stillRejecting = false
            }
        }
        return out
    }

    static func side(_ row: SummaryRow, _ c: String) -> BaselineComparison.Side {
        BaselineComparison.Side(mean: row.values[c] ?? 0, halfWidth: row.values[c + "_ci95"] ?? 0,
                                replications: max(1, row.replications))
    }

    /// s² recovered from a 95% half-width; nil when there is no spread to recover.
    static func variance(_ s: BaselineComparison.Side) -> Double? {
        guard s.replications > 1 else { return nil }
        let sd = s.halfWidth * Double(s.replications).squareRoot() / StudentT.quantile975(df: s.replications - 1)
        return sd * sd
    }

    /// Two-sided p-value of |m1 − m0| exceeding the tolerance margin by chance.
    /// A side without a variance borrows the other's (equal spread assumed); with
    /// none at all (one replication each), any move beyond the margin is significant.
    public static func pValue(m0: Double, m1: Double, v0: Double?, n0: Int, v1: Double?, n1: Int,
                       tolerance: Double) -> Double {
        let d = max(0, abs(m1 - m0) - tolerance * abs(m0))
        // Equal up to the CSV's rounding: no move at all.
        if d <= 1e-12 * max(abs(m0), abs(m1), 1) { return 1 }
        let a = v0 ?? v1, b = v1 ?? v0
        guard let var0 = a, let var1 = b else { return 0 }
        let se0 = var0 / Double(n0), se1 = var1 / Double(n1)
        let se = (se0 + se1).squareRoot()
        if se == 0 { return 0 }
        // Degrees of freedom: Welch–Satterthwaite, each term with the df of the side
        // its variance came from; a count's Poisson floor alone is a known variance (df ∞).
        let df0 = Double(v0 != nil ? n0 - 1 : n1 - 1), df1 = Double(v1 != nil ? n1 - 1 : n0 - 1)
        var df = (se0 + se1) * (se0 + se1) / ((df0 > 0 ? se0 * se0 / df0 : 0) + (df1 > 0 ? se1 * se1 / df1 : 0))
        if !df.isFinite || df <= 0 { df = .infinity }
        return StudentT.twoSidedP(t: d / se, df: df)
    }
}

extension CheckCase {
    /// One case per compared metric; topologies without a baseline row are NEW.
    public static func baseline(_ comparisons: [BaselineComparison]) -> [CheckCase] {
        comparisons.map { c in
            let name = "baseline \(c.topology).\(c.column)"
            let isRate = c.column == "success_rate"
            let scale = isRate ? 100.0 : 1
            let unit = isRate ? "%" : c.column.hasSuffix("_ms") ? " ms" : c.column == "throughput_rps" ? "/s" : ""
            let decimals = isRate ? 4 : c.column.hasPrefix("errors_") ? 1 : 3
            func show(_ s: BaselineComparison.Side) -> String {
                let m = fmt(s.mean * scale, decimals) + unit
                return s.halfWidth > 0 ? "\(m) ± \(fmt(s.halfWidth * scale, decimals))" : m
            }
            guard let b = c.baseline else {
                return CheckCase(kind: .baseline, name: name, status: .new, detail: "\(show(c.current)) (no baseline row)")
            }
            let p = c.pValue < 1e-4 ? "p < 0.0001" : "p = \(fmt(c.pValue, 4))"
            let detail = "\(show(c.current)), baseline \(show(b)), \(p)"
            return CheckCase(kind: .baseline, name: name, status: c.passed ? .pass : .fail, detail: detail,
                             message: c.passed ? nil
                                 : "measured \(show(c.current)), expected \(show(b)) within chance (\(p), limit \(fmt(c.threshold ?? 0, 4)))")
        }
    }
}
