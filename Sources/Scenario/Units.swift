import Foundation
import SimCore

/// A value that does not parse; `offset` is where in the text (in characters) the problem is.
struct UnitError: Error {
    var message: String
    var offset: Int = 0
}

enum Units {
    static let durationUnits: [(String, Double)] = [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86_400e9),
    ]
    static let rateUnits: [(String, Double)] = [
        ("us", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("min", 60e9), ("h", 3600e9),
    ]
    /// Durations stay far below Int64.max so that sums of a few cannot overflow.
    static let maxDuration = 1e18
    /// The smallest rate above 0, per second: one event per `maxDuration`.
    static let minRate = 1e-9

    /// The largest plain number a scenario may hold (counts, MB, cv, burst...): far beyond
    /// any real value, small enough that sums and products of a few stay finite.
    static let maxNumber = 1e15

    /// Splits `12.5ms` (or `1e15s`) into its number and its unit; nil when it does not start
    /// with a number. The value may be infinite when the exponent overflows: callers bound it.
    static func splitNumber(_ s: String) -> (Double, String)? {
        var end = s.startIndex
        var sawDigit = false, sawDot = false
        func digit(_ i: String.Index) -> Bool { i < s.endIndex && s[i].isASCII && s[i].isNumber }
        if end < s.endIndex, s[end] == "-" || s[end] == "+" { end = s.index(after: end) }
        while end < s.endIndex {
            let c = s[end]
            if c.isASCII && c.isNumber { sawDigit = true } else if c == ".", !sawDot { sawDot = true } else { break }
            end = s.index(after: end)
        }
        // An exponent (`1e15`, `2.5E-3`) only when digits follow, so a unit starting with e stays a unit.
        if sawDigit, end < s.endIndex, s[end] == "e" || s[end] == "E" {
            var e = s.index(after: end)
            if e < s.endIndex, s[e] == "-" || s[e] == "+" { e = s.index(after: e) }
            if digit(e) {
                while digit(e) { e = s.index(after: e) }
                end = e
            }
        }
        guard sawDigit, let v = Double(s[s.startIndex..<end]), !v.isNaN else { return nil }
        return (v, String(s[end...]).trimmingCharacters(in: .whitespaces))
    }

    static func number(_ raw: String) throws -> Double {
        let s = raw.trimmingCharacters(in: .whitespaces)
        guard let (v, rest) = splitNumber(s), rest.isEmpty else {
            throw UnitError(message: "'\(raw)' is not a number")
        }
        guard abs(v) <= maxNumber else {
            throw UnitError(message: "'\(raw)' is too large a number (at most 1e15)")
        }
        return v
    }

    static func duration(_ raw: String) throws -> SimTime {
        let s = raw.trimmingCharacters(in: .whitespaces)
        guard let (v, unit) = splitNumber(s) else {
            throw UnitError(message: "'\(raw)' is not a duration (write e.g. 250us, 3ms, 2s, 5m, 1h, 2d)")
        }
        if unit.isEmpty {
            throw UnitError(message: "'\(raw)' needs a unit (e.g. \(s)ms or \(s)s): a bare number is not a duration")
        }
        guard let mult = durationUnits.first(where: { $0.0 == unit })?.1 else {
            let near = Suggest.closest(to: unit, in: durationUnits.map(\.0))
            throw UnitError(message: "unknown time unit '\(unit)' in '\(raw)'"
                + (near.map { " (did you mean '\($0)'?)" } ?? " (use ns, us, ms, s, m, h or d)"))
        }
        if v < 0 { throw UnitError(message: "a duration cannot be negative ('\(raw)')") }
        let ns = v * mult
        guard ns <= maxDuration else {
            throw UnitError(message: "'\(raw)' is too long a duration (at most \(Int(maxDuration / 86_400e9))d, about 31 years)")
        }
        return SimTime(ns.rounded())
    }

    /// Words people write for a rate's time unit, and the unit topsim spells it with.
    static let perWords: [String: String] = [
        "rps": "s", "qps": "s", "tps": "s", "hz": "s", "ps": "s",
        "sec": "s", "secs": "s", "second": "s", "seconds": "s",
        "rpm": "m", "minute": "m", "minutes": "m", "mins": "m",
        "hr": "h", "hour": "h", "hours": "h",
    ]

    /// Per second.
    static func rate(_ raw: String) throws -> Double {
        let s = raw.trimmingCharacters(in: .whitespaces)
        guard let slash = s.firstIndex(of: "/") else {
            if let (_, word) = splitNumber(s) {
                // `300rps`, `300 qps`, `300hz`: the number alone, then /s (not `300rps/s`).
                let number = String(s.dropLast(word.count)).trimmingCharacters(in: .whitespaces)
                if let per = perWords[word.lowercased()] {
                    throw UnitError(message: "'\(raw)': a rate is written COUNT/UNIT, e.g. \(number)/\(per)")
                }
                throw UnitError(message: "'\(raw)' needs a time unit, e.g. \(number)/s"
                    + (word.isEmpty ? "" : " ('\(word)' is not one)"))
            }
            throw UnitError(message: "'\(raw)' is not a rate (write e.g. 800/s, 30/m, 5/ms)")
        }
        let numText = String(s[..<slash]).trimmingCharacters(in: .whitespaces)
        let unit = String(s[s.index(after: slash)...]).trimmingCharacters(in: .whitespaces)
        guard let (v, rest) = splitNumber(numText), rest.isEmpty else {
            // `300req/s`, `300 requests/s`: what is counted goes without saying.
            if let (_, word) = splitNumber(numText), !word.isEmpty {
                let number = String(numText.dropLast(word.count)).trimmingCharacters(in: .whitespaces)
                throw UnitError(message: "'\(raw)': write the number alone before the '/', e.g. \(number)/\(unit)")
            }
            throw UnitError(message: "'\(raw)' is not a rate (write e.g. 800/s, 30/m, 5/ms)")
        }
        guard let per = rateUnits.first(where: { $0.0 == unit })?.1 else {
            let near = perWords[unit.lowercased()].map { "/" + $0 }
            throw UnitError(message: "unknown rate unit '/\(unit)' in '\(raw)'"
                + (near.map { " (did you mean '\(numText)\($0)'?)" } ?? " (use /s, /m, /h, /ms or /us)"))
        }
        let r = v * 1e9 / per
        guard r.isFinite, abs(r) <= 1e12 else { throw UnitError(message: "'\(raw)' is too large a rate (at most 1e12/s)") }
        // Below one per 31 years the mean gap between arrivals is longer than any duration.
        guard r == 0 || abs(r) >= minRate else {
            throw UnitError(message: "'\(raw)' is too small a rate (at least one per 31 years, 1e-9/s; 0/s for none)")
        }
        return r
    }

    /// `0.1%` or `0.001`, within 0...1.
    static func fraction(_ raw: String) throws -> Double {
        let s = raw.trimmingCharacters(in: .whitespaces)
        if s.hasSuffix("%") {
            guard let (v, rest) = splitNumber(String(s.dropLast())), rest.isEmpty else {
                throw UnitError(message: "'\(raw)' is not a percentage")
            }
            guard v >= 0, v <= 100 else { throw UnitError(message: "'\(raw)' is outside 0%..100%") }
            return v / 100
        }
        guard let (v, rest) = splitNumber(s) else {
            throw UnitError(message: "'\(raw)' is not a fraction (write e.g. 0.1% or 0.001)")
        }
        guard rest.isEmpty else {
            throw UnitError(message: "'\(raw)' is not a fraction (write e.g. 0.1% or 0.001)")
        }
        guard v >= 0, v <= 1 else {
            throw UnitError(message: "'\(raw)' is outside 0..1 (write a percentage with '%', e.g. \(s)%)")
        }
        return v
    }
}

// MARK: - Distributions

/// Where `empirical(...)` files are read from, and how.
struct EmpiricalLoader {

    /// The scenario's folder; nil when the scenario is not a file.
    var directory: String?

    func load(_ rel: String) throws -> EmpiricalSamples {
        guard let dir = directory else {
            throw UnitError(message: "empirical(\(rel)) needs a scenario file on disk (its path is relative to the file)")
        }
        if rel.hasPrefix("/") || rel.hasPrefix("~") {
            throw UnitError(message: "empirical(\(rel)): the path must be relative to the scenario file's folder")
        }
        let base = URL(fileURLWithPath: dir).standardizedFileURL.resolvingSymlinksInPath().path
        let full = URL(fileURLWithPath: base).appendingPathComponent(rel).standardizedFileURL
            .resolvingSymlinksInPath().path
        guard full.hasPrefix(base.hasSuffix("/") ? base : base + "/") else {
            throw UnitError(message: "empirical(\(rel)) points outside the scenario's folder")
        }
        let data: Data
        switch ScenarioLoader.readBounded(full, limit: 16 << 20) {
        case .success(let d): data = d
        case .failure(let why) where why.message.hasPrefix("the file is larger"):
            throw UnitError(message: "empirical(\(rel)): the file is larger than 16 MB")
        case .failure:
            throw UnitError(message: "empirical(\(rel)): cannot read '\(rel)' next to the scenario file")
        }
        return try EmpiricalLoader.samples(csv: String(decoding: data, as: UTF8.self), name: rel)
    }

    /// One column of durations. An optional header names the unit of bare
    /// numbers (`ms`, `latency_ms`, `us`, `s`...); without one, each value carries its unit.
    static func samples(csv: String, name: String) throws -> EmpiricalSamples {
        var values: [Double] = []
        var bareUnit: Double?
        var first = true
        for (i, rawLine) in csv.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.contains(",") || line.contains(";") || line.contains("\t") {
                throw UnitError(message: "\(name) line \(i + 1): one column expected")
            }
            if first {
                first = false
                if Units.splitNumber(line) == nil {
                    let lower = line.lowercased()
                    let unit = lower.split(separator: "_").last.map(String.init) ?? lower
                    guard let mult = Units.durationUnits.first(where: { $0.0 == unit })?.1 else {
                        throw UnitError(message: "\(name) line \(i + 1): header '\(line)' names no unit (use e.g. latency_ms)")
                    }
                    bareUnit = mult
                    continue
                }
            }
            if let (v, rest) = Units.splitNumber(line), rest.isEmpty {
                guard let mult = bareUnit else {
                    throw UnitError(message: "\(name) line \(i + 1): '\(line)' needs a unit (or name it in a header, e.g. latency_ms)")
                }
                guard v >= 0 else { throw UnitError(message: "\(name) line \(i + 1): '\(line)' is negative") }
                guard v * mult <= Units.maxDuration else {
                    throw UnitError(message: "\(name) line \(i + 1): '\(line)' is too long a duration")
                }
                values.append(v * mult)
            } else {
                do {
                    values.append(Double(try Units.duration(line)))
                } catch let e as UnitError {
                    throw UnitError(message: "\(name) line \(i + 1): \(e.message)")
                }
            }
            if values.count > 1_000_000 { throw UnitError(message: "\(name): more than 1,000,000 samples") }
        }
        guard let s = EmpiricalSamples(values) else {
            throw UnitError(message: "\(name) holds no samples")
        }
        return s
    }
}

enum DistributionParser {
    static let names = ["const", "exp", "uniform", "normal", "lognormal", "erlang", "empirical"]

    /// A distribution string, or a bare duration meaning `const(...)`.
    static func parse(_ raw: String, empirical: EmpiricalLoader) throws -> Distribution {
        let s = raw.trimmingCharacters(in: .whitespaces)
        guard let open = s.firstIndex(of: "(") else {
            if let (_, unit) = Units.splitNumber(s), !unit.isEmpty {
                return .constant(Double(try Units.duration(s)))
            }
            if Units.splitNumber(s) != nil { _ = try Units.duration(s) }   // throws the bare-number message
            throw UnitError(message: "'\(raw)' is not a distribution (write e.g. const(1ms), exp(10ms), "
                + "uniform(1ms, 3ms), normal(1ms, 200us), lognormal(mean: 4ms, p99: 20ms), erlang(k: 4, mean: 10ms))")
        }
        guard s.hasSuffix(")") else {
            throw UnitError(message: "'\(raw)' is missing its closing ')'", offset: s.count - 1)
        }
        let name = String(s[..<open]).trimmingCharacters(in: .whitespaces)
        let inner = String(s[s.index(after: open)..<s.index(before: s.endIndex)])
        if inner.contains("(") || inner.contains(")") {
            throw UnitError(message: "'\(raw)': unbalanced parentheses")
        }
        if name == "empirical" {
            let path = inner.trimmingCharacters(in: .whitespaces)
            guard !path.isEmpty else { throw UnitError(message: "empirical() needs a file name, e.g. empirical(samples.csv)") }
            return .empirical(try empirical.load(path))
        }
        var positional: [String] = []
        var named: [String: String] = [:]
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            let p = part.trimmingCharacters(in: .whitespaces)
            if p.isEmpty { throw UnitError(message: "'\(raw)': empty argument") }
            if let colon = p.firstIndex(of: ":") {
                let k = String(p[..<colon]).trimmingCharacters(in: .whitespaces)
                let v = String(p[p.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                if named[k] != nil { throw UnitError(message: "'\(raw)': '\(k)' given twice") }
                named[k] = v
            } else {
                if !named.isEmpty { throw UnitError(message: "'\(raw)': positional arguments come before named ones") }
                positional.append(p)
            }
        }
        // Each distribution's parameters in order; named or positional.
        func args(_ params: [String]) throws -> [String] {
            for k in named.keys where !params.contains(k) {
                let near = Suggest.closest(to: k, in: params)
                throw UnitError(message: "\(name)() has no parameter '\(k)'"
                    + (near.map { " (did you mean '\($0)'?)" } ?? " (it takes \(params.joined(separator: ", ")))"))
            }
            guard positional.count <= params.count else {
                throw UnitError(message: "\(name)() takes \(params.count) argument\(params.count == 1 ? "" : "s"): \(params.joined(separator: ", "))")
            }
            var out: [String] = []
            for (i, p) in params.enumerated() {
                if i < positional.count {
                    if named[p] != nil { throw UnitError(message: "'\(raw)': '\(p)' given twice") }
                    out.append(positional[i])
                } else if let v = named[p] {
                    out.append(v)
                } else {
                    throw UnitError(message: "\(name)() needs '\(p)' (\(params.joined(separator: ", ")))")
                }
            }
            return out
        }
        func dur(_ v: String) throws -> Double { Double(try Units.duration(v)) }
        switch name {
        case "const", "constant":
            return .constant(try dur(try args(["value"])[0]))
        case "exp", "exponential":
            let m = try dur(try args(["mean"])[0])
            guard m > 0 else { throw UnitError(message: "exp(): the mean must be above 0 (use const(0s) for no delay)") }
            return .exponential(mean: m)
        case "uniform":
            let a = try args(["low", "high"])
            let lo = try dur(a[0]), hi = try dur(a[1])
            guard lo <= hi else { throw UnitError(message: "uniform(): the low end \(a[0]) is above the high end \(a[1])") }
            return .uniform(low: lo, high: hi)
        case "normal":
            let a = try args(["mean", "sd"])
            return .normal(mean: try dur(a[0]), sd: try dur(a[1]))
        case "lognormal":
            if named["cv"] != nil {
                let a = try args(["mean", "cv"])
                let mean = try dur(a[0]), cv = try Units.number(a[1])
                guard let d = Distribution.lognormal(mean: mean, cv: cv) else {
                    throw UnitError(message: "lognormal(): the mean and cv must both be above 0")
                }
                return d
            }
            let a = try args(["mean", "p99"])
            let mean = try dur(a[0]), p99 = try dur(a[1])
            guard let d = Distribution.lognormal(mean: mean, p99: p99) else {
                // A tail heavier than any lognormal with that mean is real (GC pauses, cold caches):
                // measured samples describe it where a formula cannot.
                throw UnitError(message: "lognormal(): no lognormal has mean \(a[0]) and p99 \(a[1]) "
                    + "(p99 must be above the mean and at most ~15x it); for a measured tail that heavy use "
                    + "empirical(FILE), a file of samples next to the scenario")
            }
            return d
        case "erlang":
            let a = try args(["k", "mean"])
            let kd = try Units.number(a[0])
            guard kd >= 1, kd <= 1000, kd == kd.rounded() else {
                throw UnitError(message: "erlang(): k must be a whole number from 1 to 1000")
            }
            let m = try dur(a[1])
            guard m > 0 else { throw UnitError(message: "erlang(): the mean must be above 0") }
            return .erlang(k: Int(kd), mean: m)
        default:
            let near = Suggest.closest(to: name, in: names)
            throw UnitError(message: "unknown distribution '\(name)'"
                + (near.map { " (did you mean '\($0)'?)" } ?? " (use \(names.joined(separator: ", ")))"))
        }
    }
}
