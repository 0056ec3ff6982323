import Foundation
import Scenario
import SimCore
import Topology

/// One verdict of `topsim check`: an expanded expectation, a fingerprint, or a
/// baseline metric. Each becomes one line of output and one JUnit testcase.
public struct CheckCase: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        case pass = "PASS", fail = "FAIL"
        /// Nothing stored to compare with (a new fingerprint or baseline row): not a failure.
        case new = "NEW"
    }

    public enum Kind: String, Sendable, Equatable { case expectation, fingerprint, baseline }

    public var kind: Kind
    /// The expectation text (expanded), `fingerprint TOPOLOGY` or `baseline TOPOLOGY.COLUMN`.
    public var name: String
    public var status: Status
    /// The measured values, readable.
    public var detail: String
    /// For a failure: `measured …, expected …`.
    public var message: String?
    /// The file and line the case comes from (expectations only).
    public var line: Int?
    public var column: Int?

    public init(kind: Kind, name: String, status: Status, detail: String, message: String? = nil,
                line: Int? = nil, column: Int? = nil) {
        self.kind = kind; self.name = name; self.status = status; self.detail = detail
        self.message = message; self.line = line; self.column = column
    }

    public var failed: Bool { status == .fail }
}

/// Everything checked for one scenario file.
public struct ScenarioCheck: Sendable {
    public var file: String
    public var scenario: String
    public var replications: Int
    public var seed: UInt64
    public var wallSeconds: Double
    public var cases: [CheckCase]
    /// Informational lines printed under the cases (e.g. a baseline topology no longer run).
    public var notes: [String]

    public init(file: String, scenario: String, replications: Int, seed: UInt64, wallSeconds: Double,
                cases: [CheckCase], notes: [String] = []) {
        self.file = file; self.scenario = scenario; self.replications = replications; self.seed = seed
        self.wallSeconds = wallSeconds; self.cases = cases; self.notes = notes
    }

    public var failures: Int { cases.filter(\.failed).count }
    public var passes: Int { cases.count - failures }
}

extension CheckCase {
    /// The cases of a run's expectations, in file order.
    public static func expectations(_ result: Runner.Result) -> [CheckCase] {
        ExpectationCheck.evaluate(result).map { o in
            let message: String?
            if o.passed {
                message = nil
            } else if let p = o.problem {
                message = p
            } else {
                message = "measured \(o.measuredText), expected \(o.expectedText)"
            }
            return CheckCase(kind: .expectation, name: o.text, status: o.passed ? .pass : .fail,
                             detail: o.measuredText, message: message,
                             line: o.expectation.line, column: o.expectation.column)
        }
    }
}

/// The text `topsim check` prints.
public enum CheckText {
    /// One scenario: a heading, one line per case with its verdict at the end, and
    /// the position of each failed expectation so an editor can jump to it.
    public static func scenario(_ c: ScenarioCheck) -> String {
        var out = "\(c.file): scenario \(c.scenario), seed \(c.seed)"
        out += c.replications > 1 ? ", \(c.replications) replications (mean ± 95% CI half-width)\n" : "\n"
        if !c.cases.contains(where: { $0.kind == .expectation }) { out += "  (no expectations)\n" }
        let labels = c.cases.map { "\($0.name): \($0.detail)" }
        let width = min(statusColumn, labels.map(\.count).max() ?? 0)
        for (k, label) in zip(c.cases, labels) {
            // A label longer than the column wraps at spaces (continuations indented), so
            // every verdict stays in one column however long the expectation.
            let lines = wrap(label, width: width)
            for line in lines.dropLast() { out += "  \(line)\n" }
            let lastLine = lines.last ?? ""
            let pad = String(repeating: " ", count: max(2, width - lastLine.count + 2))
            out += "  \(lastLine)\(pad)\(k.status.rawValue)\n"
            if k.failed, let line = k.line, let column = k.column, line > 0 {
                out += "    \(c.file):\(line):\(column): \(k.message ?? "failed")\n"
            }
        }
        for n in c.notes { out += "  note: \(n)\n" }
        return out
    }

    /// The column (after the two-space indent) where verdicts start, at most: labels
    /// longer than this wrap.
    static let statusColumn = 72

    /// `text` cut into lines of at most `width` characters at spaces, the continuations
    /// indented by four (a word longer than a line is cut where it must be).
    static func wrap(_ text: String, width: Int) -> [String] {
        guard text.count > width, width > 8 else { return [text] }
        var lines: [String] = []
        var rest = Substring(text)
        var limit = width
        while rest.count > limit {
            let head = rest.prefix(limit + 1)
            let cut = head.lastIndex(of: " ").flatMap { $0 > rest.startIndex ? $0 : nil } ?? rest.index(rest.startIndex, offsetBy: limit)
            lines.append((lines.isEmpty ? "" : "    ") + String(rest[..<cut]))
            rest = rest[cut...].drop { $0 == " " }
            limit = width - 4
        }
        lines.append((lines.isEmpty ? "" : "    ") + String(rest))
        return lines
    }

    /// The last line: exactly `N passed, M failed`.
    public static func summaryLine(_ checks: [ScenarioCheck]) -> String {
        let failed = checks.reduce(0) { $0 + $1.failures }
        let passed = checks.reduce(0) { $0 + $1.passes }
        return "\(passed) passed, \(failed) failed"
    }
}
