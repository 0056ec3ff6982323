import Foundation
import SimCore

/// Checks that a citation's source text supports the value it is cited for: every
/// number of the printed value, with its unit, appears in the source or follows from it
/// by a stated rule, and a value of "none" is backed by words that say there is none.
/// A source that contradicts its value (another number, a per-try figure cited for a
/// route timeout) fails. docs/calibration.md, "How citations are checked", lists the rules.
///
/// Derivations accepted (each one a rule a reader can redo):
/// - units: 60000 ms = 60 s, 24 h = 86400 s, 10,000 rps = 10000/s, 50% = a ratio 0.5;
/// - rounding: a value matches a source figure within half a unit of the figure's last
///   digit (and of the printed value's third significant digit);
/// - "X vCPU per 1000 rps" is X/1000 CPU seconds per request;
/// - words for small numbers ("one", "single", "two") and for zero and none;
/// - a lognormal given as (mean, cv) matches a source that states mean and cv (the
///   printed p99 follows from them);
/// - a latency "fitted" to a published figure is the fit of a `CalibrationTargets`
///   entry whose figures the source quotes (LatencyFitTests checks the fit itself).
enum CitationCheck {
    /// What is wrong with the citation (empty: its source supports its value).
    static func problems(_ c: Citation) -> [String] {
        let value = c.value, source = c.source
        var out: [String] = []
        func need(_ ok: Bool, _ why: String) { if !ok { out.append("\(c.field) = \(value): \(why)") } }
        let quoted = Quantity.all(in: cleaned(source))
        let lower = source.lowercased()

        // What the field means, beyond its number.
        if c.field == "policies.perTryTimeout" && !isNone(value) {
            need(containsAny(lower, perTryWords), "the source does not say the timeout is per try")
            need(!containsAny(lower, wholeCallWords), "the source describes a timeout over every try, not per try")
        }
        if c.field == "policies.timeout" && !isNone(value) {
            need(!containsAny(lower, perTryWords), "the source describes a per-try timeout, not the route's")
        }

        if isNone(value) {
            need(containsAny(lower, noneWords), "the source does not say there is none")
            return out
        }
        if c.field.hasSuffix(".latency"), value.hasPrefix("lognormal(") {
            checkLognormal(c, quoted: quoted, lower: lower, need: need)
            return out
        }
        for word in words(in: value) {
            need(containsAny(lower, word.synonyms), "the source does not say '\(word.text)'")
        }
        for q in Quantity.all(in: value.replacingOccurrences(of: #"\[.*\]"#, with: "", options: .regularExpression),
                              printed: true) {
            if q.value == 0, containsAny(lower, noneWords) { continue }
            need(quoted.contains { q.matches($0) }, "\(q.text) is not in the source")
        }
        return out
    }

    // MARK: Latencies

    static func checkLognormal(_ c: Citation, quoted: [Quantity], lower: String, need: (Bool, String) -> Void) {
        let fits = CalibrationTargets.latency.filter { t in
            guard let d = PresetRegistry.preset(named: t.preset)?.profile(role: t.role)?.latency else { return false }
            return PresetFormat.distribution(d) == c.value
        }
        if !fits.isEmpty {
            // The value is the fit of a published figure: the source must quote that figure.
            let quotesOne = fits.contains { t in
                [t.addedP90Ms, t.addedP99Ms].allSatisfy { ms in
                    quoted.contains { Quantity(kind: .duration, value: ms / 1000, tolerance: 0, text: "").matches($0) }
                }
            }
            need(quotesOne && lower.contains("fit"),
                 "the value is a fitted latency but the source does not quote the figures it was fitted to")
            return
        }
        func printed(_ label: String) -> Quantity? {
            guard let r = c.value.range(of: label + #" [0-9.]+[a-zµ]+"#, options: .regularExpression) else { return nil }
            return Quantity.all(in: String(c.value[r].dropFirst(label.count)), printed: true).first
        }
        let mean = printed("mean:"), p99 = printed("p99:")
        need(mean.map { m in quoted.contains { m.matches($0) } } ?? false, "its mean is not in the source")
        // The p99, or the coefficient of variation it follows from.
        var cv: Double?
        if let r = c.value.range(of: #"sigma -?[0-9.]+"#, options: .regularExpression),
           let sigma = Double(c.value[r].dropFirst(6)) {
            cv = (exp(sigma * sigma) - 1).squareRoot()
        }
        let p99Quoted = p99.map { p in quoted.contains { p.matches($0) } } ?? false
        let cvQuoted = cv.map { v in quoted.contains { $0.kind == .cv && abs($0.value - v) <= $0.tolerance + 1e-3 } } ?? false
        need(p99Quoted || cvQuoted, "neither its p99 nor its shape (cv) is in the source")
    }

    // MARK: Words

    static let noneWords = ["none", "no ", "not ", "n't", "disabled", "unset", "off ", "off,", "off;", "opt-in",
                            "unless", "only when", "never", "without", "cannot", "defaults to 0", " 0 ", "(0 here)"]
    static let perTryWords = ["per try", "per-try", "pertry", "per_try", "each try"]
    static let wholeCallWords = ["retries included", "every try", "spans the retries"]

    static func isNone(_ value: String) -> Bool { value == "none" || value == "off" }

    static func containsAny(_ text: String, _ words: [String]) -> Bool { words.contains { text.contains($0.lowercased()) } }

    struct Word { var text: String; var synonyms: [String] }

    /// Words of a printed value the source must state: names of algorithms, retry
    /// conditions, booleans and unbounded sizes.
    static func words(in value: String) -> [Word] {
        let table: [(String, [String])] = [
            ("round-robin", ["round-robin", "round_robin", "roundrobin", "round robin"]),
            ("least-request", ["least-request", "least_request", "leastrequest", "least request"]),
            ("power-of-two", ["power-of-two", "power of two", "p2c"]),
            ("random", ["random"]),
            ("connect-failure", ["connect-failure", "connection error", "connect failure", "error"]),
            ("refused-stream", ["refused-stream"]),
            ("unavailable", ["unavailable", "503"]),
            ("timeout", ["timeout"]),
            ("unlimited", ["unlimited", "no worker", "bound", "goroutine"]),
            ("true", ["true", "waits"]),
            ("false", ["false", "no ", "not ", "without"]),
        ]
        var out: [Word] = []
        let tokens = Set(value.lowercased().split { !($0.isLetter || $0 == "-") }.map(String.init))
        for (w, syn) in table where tokens.contains(w) {
            // "timeout" as a retry condition only (not inside other wording).
            if w == "timeout" && !value.contains(" on ") { continue }
            out.append(Word(text: w, synonyms: syn))
        }
        return out
    }

    /// The source without what holds digits but states no figure: URLs and issue numbers.
    static func cleaned(_ s: String) -> String {
        s.replacingOccurrences(of: #"https?://[^\s)]+"#, with: " ", options: .regularExpression)
            .replacingOccurrences(of: #"[\w.-]*#\d+"#, with: " ", options: .regularExpression)
    }
}

/// A number with its unit, normalised (seconds, MB, ratios, per second, plain counts).
struct Quantity: Equatable {
    enum Kind { case duration, size, ratio, rate, plain, cv }
    var kind: Kind
    var value: Double
    /// Half a unit of the last digit written, in normalised units.
    var tolerance: Double
    var text: String

    /// Same kind (a ratio also reads as a plain fraction) and equal within both roundings.
    func matches(_ q: Quantity) -> Bool {
        let sameKind = kind == q.kind || (kind == .ratio && q.kind == .plain && q.value <= 1)
        return sameKind && abs(value - q.value) <= tolerance + q.tolerance + 1e-12 * abs(value)
    }

    static let units: [(String, Kind, Double)] = [
        ("CPU s", .duration, 1), ("vCPU", .plain, 1), ("min", .duration, 60), ("ms", .duration, 1e-3),
        ("us", .duration, 1e-6), ("µs", .duration, 1e-6), ("ns", .duration, 1e-9), ("h", .duration, 3600),
        ("s", .duration, 1), ("MB", .size, 1), ("%", .ratio, 0.01), ("rps", .rate, 1), ("/s", .rate, 1),
    ]

    /// Every quantity in a text. `printed`: the value as topsim prints it (3 significant
    /// digits), whose rounding is wider than its last written digit says.
    static func all(in text: String, printed: Bool = false) -> [Quantity] {
        var out: [Quantity] = []
        if text.contains("2^32-1") {
            out.append(Quantity(kind: .plain, value: 4_294_967_295, tolerance: 0, text: "2^32-1"))
        }
        let t = text.replacingOccurrences(of: "2^32-1", with: " ")
        let perThousand = t.contains("per 1000 rps")
        let number = try! NSRegularExpression(pattern: #"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\d])"#)
        let ns = t as NSString
        for m in number.matches(in: t, range: NSRange(location: 0, length: ns.length)) {
            let digits = ns.substring(with: m.range(at: 1)).replacingOccurrences(of: ",", with: "")
            guard let v = Double(digits) else { continue }
            let decimals = digits.split(separator: ".").dropFirst().first?.count ?? 0
            var half = 0.5 * pow(10, -Double(decimals))
            if printed && v != 0 { half = max(half, 0.5 * pow(10, floor(log10(abs(v))) - 2)) }
            let rest = ns.substring(from: m.range.location + m.range.length)
            let after = rest.drop { $0 == " " }
            let before = ns.substring(to: m.range.location)
            var kind = Quantity.Kind.plain, scale = 1.0, unitText = ""
            for (u, k, s) in units where after.hasPrefix(u) {
                let next = after.dropFirst(u.count).first
                if let n = next, n.isLetter, u != "%", u != "/s" { continue }
                kind = k; scale = s; unitText = u
                break
            }
            if unitText == "vCPU" && perThousand { kind = .duration; scale = 1e-3 }
            if before.hasSuffix("cv ") { kind = .cv }
            out.append(Quantity(kind: kind, value: v * scale, tolerance: half * scale,
                                text: unitText.isEmpty ? digits : "\(digits) \(unitText)"))
        }
        // Small numbers in words (sources only: topsim prints digits).
        let lower = t.lowercased()
        for (w, v) in [("one", 1.0), ("single", 1), ("two", 2), ("zero", 0)] where !printed
            && lower.range(of: "\\b\(w)\\b", options: .regularExpression) != nil {
            out.append(Quantity(kind: .plain, value: v, tolerance: 0, text: w))
        }
        return out
    }
}
