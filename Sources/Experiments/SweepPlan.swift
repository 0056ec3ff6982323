import TextKit
import Foundation
import Scenario
import SimCore

/// A mistake on the command line (not in the scenario file), or an output that cannot be
/// written: printed as `error: …`, exit 2.
public struct ExperimentError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One `--set PATH=V1,V2,...`: a scenario value and the values it takes.
public struct SweepParameter: Sendable, Equatable, Codable {
    /// Where the value is in the file, e.g. `traffic.shoppers.rate` (see `ScenarioOverride.path`).
    public var path: String
    /// The values as YAML text, in the order they were given (ranges expanded).
    public var values: [String]

    public init(path: String, values: [String]) { self.path = path; self.values = values }

    /// Reads `PATH=V1,V2,...`. Commas inside `()`, `[]`, `{}` or quotes belong to a value
    /// (`exp(10ms)`, `lognormal(mean: 4ms, cv: 1.2)`); `A..B:N` is a range (`SweepRange`).
    /// Throws `ExperimentError` naming the argument.
    public static func parse(_ argument: String) throws -> SweepParameter {
        guard let eq = argument.firstIndex(of: "=") else {
            throw ExperimentError("--set '\(argument)': write PATH=V1,V2,..., e.g. traffic.shoppers.rate=100/s,200/s")
        }
        let path = argument[..<eq].trimmingCharacters(in: .whitespaces)
        let list = String(argument[argument.index(after: eq)...])
        if path.isEmpty { throw ExperimentError("--set '\(argument)': the path before '=' is empty") }
        if path == "replications" {
            // The columns of sweep.csv depend on it (the _ci95 ones); one value for the whole sweep.
            throw ExperimentError("--set replications: give it once with --replications R, it cannot be swept")
        }
        var values: [String] = []
        for item in splitValues(list) {
            let v = item.trimmingCharacters(in: .whitespaces)
            if v.isEmpty { throw ExperimentError("--set '\(argument)': an empty value (two commas in a row?)") }
            if let r = try SweepRange.expand(v, path: path) { values += r } else { values.append(v) }
        }
        if values.isEmpty { throw ExperimentError("--set '\(argument)': no values after '='") }
        if let dup = firstDuplicate(values) {
            throw ExperimentError("--set '\(argument)': the value '\(dup)' is given twice")
        }
        return SweepParameter(path: path, values: values)
    }

    /// Splits at commas outside brackets and quotes.
    static func splitValues(_ s: String) -> [String] {
        var out: [String] = [], cur = "", depth = 0
        var quote: Character?
        for c in s {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if "([{".contains(c) {
                depth += 1
            } else if ")]}".contains(c) {
                depth = max(0, depth - 1)
            } else if c == ",", depth == 0 {
                out.append(cur); cur = ""; continue
            }
            cur.append(c)
        }
        out.append(cur)
        return out
    }

    static func firstDuplicate(_ values: [String]) -> String? {
        var seen = Set<String>()
        for v in values where !seen.insert(v).inserted { return v }
        return nil
    }
}

/// `A..B:N`: N values evenly spaced from A to B, both ends included (`100/s..2000/s:10`,
/// `1ms..5ms:5`, `1..8:8`). A and B carry the same unit. With whole-number ends and no
/// unit the values are whole numbers (rounded, repeats dropped), and `:N` may be left out
/// for every whole number from A to B (`1..6`).
public enum SweepRange {
    /// At most this many values in one range, so a typo cannot ask for a million runs.
    public static let maxValues = 10_000

    /// The values, or nil when `text` is not a range. Throws `ExperimentError`.
    public static func expand(_ text: String, path: String) throws -> [String]? {
        guard let dots = text.range(of: ".."), !text.contains("(") else { return nil }
        let a = String(text[..<dots.lowerBound])
        var rest = String(text[dots.upperBound...])
        var count: Int?
        if let colon = rest.lastIndex(of: ":") {
            let n = rest[rest.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard let c = Int(n), c >= 2 else {
                throw ExperimentError("--set \(path): in the range '\(text)', ':\(n)' must be a number of values, at least 2")
            }
            count = c
            rest = String(rest[..<colon])
        }
        let b = rest
        func number(_ s: String) throws -> (Double, String) {
            guard let (v, unit) = splitNumber(s.trimmingCharacters(in: .whitespaces)) else {
                throw ExperimentError("--set \(path): the range '\(text)' needs numbers at both ends, e.g. 100/s..2000/s:10")
            }
            return (v, unit)
        }
        let (lo, unitA) = try number(a), (hi, unitB) = try number(b)
        guard unitA == unitB else {
            throw ExperimentError("--set \(path): the range '\(text)' has '\(unitA)' at one end and '\(unitB)' at the other")
        }
        let whole = unitA.isEmpty && lo == lo.rounded() && hi == hi.rounded()
        let n: Int
        if let count {
            n = count
        } else if whole {
            n = Int(abs(hi - lo)) + 1
        } else {
            throw ExperimentError("--set \(path): say how many values the range '\(text)' has, e.g. '\(a)..\(b):10'")
        }
        guard n <= maxValues else {
            throw ExperimentError("--set \(path): the range '\(text)' has \(n) values, more than \(maxValues)")
        }
        var out: [String] = []
        for i in 0..<n {
            let v = lo + (hi - lo) * Double(i) / Double(n - 1)
            let text = whole ? String(Int(v.rounded())) : compact(v) + unitA
            if out.last != text { out.append(text) }
        }
        return out
    }

    /// `12.5/s` into 12.5 and `/s`.
    static func splitNumber(_ s: String) -> (Double, String)? {
        var end = s.startIndex
        var sawDigit = false, sawDot = false
        if end < s.endIndex, s[end] == "-" || s[end] == "+" { end = s.index(after: end) }
        while end < s.endIndex {
            let c = s[end]
            if c.isASCII && c.isNumber { sawDigit = true } else if c == ".", !sawDot { sawDot = true } else { break }
            end = s.index(after: end)
        }
        guard sawDigit, let v = Double(s[s.startIndex..<end]), v.isFinite else { return nil }
        return (v, String(s[end...]))
    }

    /// Six significant digits, no exponent, no trailing zeros: 311.111, 2000, 0.25.
    static func compact(_ v: Double) -> String {
        let digits = v == 0 ? 1 : Int(floor(log10(abs(v)))) + 1
        let decimals = max(0, 6 - digits)
        var s = String(format: "%.\(decimals)f", locale: Locale(identifier: "en_US_POSIX"), v)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }
}

/// One combination of parameter values.
public struct SweepPoint: Sendable, Equatable {
    /// 0-based, in grid order: the first `--set` varies slowest, the last fastest.
    public var index: Int
    /// One value per parameter, in parameter order.
    public var values: [String]
    /// The values as scenario overrides, in parameter order.
    public var overrides: [ScenarioOverride]

    /// `traffic.shoppers.rate=400/s, services.payment.replicas=2`.
    public var label: String { overrides.map { "\($0.path)=\($0.value)" }.joined(separator: ", ") }
}

/// The grid of a sweep, every point's scenario already parsed and checked.
public struct SweepPlan: Sendable {
    /// The file as given on the command line (messages, and `empirical()` paths).
    public var scenarioPath: String
    /// The file as written, without overrides.
    public var base: Scenario
    /// The `--set` parameters, in the order given.
    public var parameters: [SweepParameter]
    /// The grid (`grid(_:)`).
    public var points: [SweepPoint]
    /// `scenarios[i]` is point i's scenario, overrides applied (command-line options not yet).
    public var scenarios: [Scenario]

    /// Every point of the grid, in order. Empty when there are no parameters.
    public static func grid(_ parameters: [SweepParameter]) -> [SweepPoint] {
        guard !parameters.isEmpty else { return [] }
        var combos: [[String]] = [[]]
        for p in parameters { combos = combos.flatMap { c in p.values.map { c + [$0] } } }
        return combos.enumerated().map { i, vs in
            SweepPoint(index: i, values: vs,
                       overrides: zip(parameters, vs).map { ScenarioOverride(path: $0.path, value: $1) })
        }
    }

    /// The largest grid a plan accepts.
    public static let maxPoints = 100_000

    /// Reads the file and checks every point of the grid through the scenario parser
    /// before anything runs. Throws `ScenarioErrors` (the file's own, or each point's,
    /// each naming the first point that shows it: `… (point 3: PATH=V)`) or `ExperimentError`.
    /// `overrides`: `--duration`/`--replications`, checked by the scenario's own parser and
    /// limits for every point, as `topsim run` checks them.
    public static func make(scenarioPath: String, parameters: [SweepParameter],
                            overrides: ScenarioOverrides = ScenarioOverrides()) throws -> SweepPlan {
        if let dup = SweepParameter.firstDuplicate(parameters.map(\.path)) {
            throw ExperimentError("--set \(dup) is given twice; list all its values in one --set")
        }
        let count = parameters.reduce(1) { $0.multipliedReportingOverflow(by: $1.values.count).partialValue }
        if parameters.isEmpty { throw ExperimentError("give at least one --set PATH=V1,V2,...") }
        if count > maxPoints { throw ExperimentError("the grid has \(count) points, more than \(maxPoints)") }
        // The file as written (its text is what every point edits); the flags are checked per
        // point, after the point's values: `--set warmup=0s --duration 1s` is a valid pair.
        let base = try ScenarioLoader.load(path: scenarioPath)
        let dir = parentFolder(of: scenarioPath)
        let points = grid(parameters)
        var scenarios: [Scenario] = []
        var problems: [Diagnostic] = []
        var seen = Set<String>()
        for p in points {
            do {
                var s = try ScenarioLoader.parse(text: base.sourceText, fileName: scenarioPath,
                                                 directory: dir.isEmpty ? "." : dir, overrides: overrides,
                                                 sets: p.overrides)
                s.sourcePath = scenarioPath
                scenarios.append(s)
            } catch let e as ScenarioErrors {
                // One report per distinct problem, naming the first point that has it.
                for var d in e.diagnostics where seen.insert("\(d.line):\(d.column):\(d.message)").inserted {
                    // The point last, after the hint: "… (did you mean 'x'?) (point 3: PATH=V)".
                    if let hint = d.suggestion { d.message += " (did you mean '\(hint)'?)"; d.suggestion = nil }
                    d.message += " (point \(p.index): \(p.label))"
                    problems.append(d)
                }
            }
        }
        if !problems.isEmpty { throw ScenarioErrors(problems) }
        return SweepPlan(scenarioPath: scenarioPath, base: base, parameters: parameters, points: points,
                         scenarios: scenarios)
    }
}
