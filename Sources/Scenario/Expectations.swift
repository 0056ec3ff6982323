import Calibration
import SimCore

struct ExpectationError: Error {
    var message: String
    /// Character offset in the expectation's text.
    var offset: Int
    var suggestion: String?
}

/// `TOPOLOGY.METRIC [in [START, END]] OP (VALUE | TOPOLOGY.METRIC) [in [START, END]]`.
enum ExpectationParser {
    enum Tok: Equatable { case word(String), op(CompareOp), open, close, comma }
    struct Token { var tok: Tok; var offset: Int }

    static func tokenize(_ s: String) -> Result<[Token], ExpectationError> {
        var out: [Token] = []
        let cs = Array(s)
        var i = 0
        func isWordChar(_ c: Character) -> Bool {
            !(c.isWhitespace || "<>=![],".contains(c))
        }
        while i < cs.count {
            let c = cs[i]
            if c.isWhitespace { i += 1; continue }
            if c == "[" { out.append(Token(tok: .open, offset: i)); i += 1; continue }
            if c == "]" { out.append(Token(tok: .close, offset: i)); i += 1; continue }
            if c == "," { out.append(Token(tok: .comma, offset: i)); i += 1; continue }
            if "<>=!".contains(c) {
                var j = i
                while j < cs.count, "<>=!".contains(cs[j]) { j += 1 }
                let text = String(cs[i..<j])
                guard let op = CompareOp(rawValue: text) else {
                    let hint = text == "=" ? " (use '==')" : ""
                    return .failure(ExpectationError(message: "unknown comparison '\(text)'\(hint); use one of < <= > >= == !=", offset: i))
                }
                out.append(Token(tok: .op(op), offset: i)); i = j; continue
            }
            var j = i
            while j < cs.count, isWordChar(cs[j]) { j += 1 }
            out.append(Token(tok: .word(String(cs[i..<j])), offset: i)); i = j
        }
        return .success(out)
    }

    static func parse(_ text: String, topologies: [String], services: [String] = [],
                      duration: SimTime?) -> Result<Expectation, ExpectationError> {
        let tokens: [Token]
        switch tokenize(text) {
        case .failure(let e): return .failure(e)
        case .success(let t): tokens = t
        }
        var i = 0
        let end = text.count
        func fail(_ m: String, _ off: Int? = nil, _ sug: String? = nil) -> Result<Expectation, ExpectationError> {
            .failure(ExpectationError(message: m, offset: off ?? (i < tokens.count ? tokens[i].offset : end), suggestion: sug))
        }
        let form = "write TOPOLOGY.METRIC OP VALUE, e.g. \"mesh.p99 < 60ms\""
        guard !tokens.isEmpty else { return fail("an empty expectation; \(form)", 0) }

        guard case .word(let lw) = tokens[0].tok else { return fail("an expectation starts with TOPOLOGY.METRIC; \(form)", 0) }
        let lhs: MetricRef
        switch ref(lw, at: tokens[0].offset, topologies: topologies, services: services) {
        case .failure(let e): return .failure(e)
        case .success(let r): lhs = r
        }
        i = 1
        var window: TimeWindow?
        func parseWindow() -> ExpectationError? {
            // `in [START, END]`
            let at = tokens[i].offset
            i += 1
            guard i + 4 < tokens.count, tokens[i].tok == .open, case .word(let a) = tokens[i + 1].tok,
                  tokens[i + 2].tok == .comma, case .word(let b) = tokens[i + 3].tok, tokens[i + 4].tok == .close else {
                return ExpectationError(message: "a window is written 'in [START, END]', e.g. in [2m, 3m]", offset: at)
            }
            let s: SimTime, e: SimTime
            do { s = try Units.duration(a) } catch let u as UnitError {
                return ExpectationError(message: "window start: \(u.message)", offset: tokens[i + 1].offset)
            } catch { return ExpectationError(message: "\(error)", offset: at) }
            do { e = try Units.duration(b) } catch let u as UnitError {
                return ExpectationError(message: "window end: \(u.message)", offset: tokens[i + 3].offset)
            } catch { return ExpectationError(message: "\(error)", offset: at) }
            if s >= e {
                return ExpectationError(message: "the window [\(a), \(b)] is empty: its start must come before its end",
                                        offset: tokens[i].offset)
            }
            if let d = duration, e > d {
                return ExpectationError(message: "the window ends at \(b), after the end of the run (\(String.duration(d)))",
                                        offset: tokens[i + 3].offset)
            }
            if window != nil { return ExpectationError(message: "only one 'in [START, END]' window per expectation", offset: at) }
            window = TimeWindow(start: s, end: e)
            i += 5
            return nil
        }
        if i < tokens.count, tokens[i].tok == .word("in") {
            if let e = parseWindow() { return .failure(e) }
        }
        guard i < tokens.count else { return fail("missing a comparison after '\(lw)'; \(form)") }
        guard case .op(let op) = tokens[i].tok else {
            if case .word(let w) = tokens[i].tok, let c = w.first, "+-*/".contains(c) { return fail(Self.noArithmetic) }
            return fail("expected a comparison (< <= > >= == !=); \(form)")
        }
        i += 1
        guard i < tokens.count, case .word(let rw) = tokens[i].tok else {
            return fail("missing a value or TOPOLOGY.METRIC after '\(op.rawValue)'")
        }
        let rOff = tokens[i].offset
        i += 1
        var rhs: ExpectationOperand
        if looksNumeric(rw) {
            switch quantity(rw, for: lhs.metric, at: rOff) {
            case .failure(let e): return .failure(e)
            case .success(let q): rhs = .value(q)
            }
        } else {
            switch ref(rw, at: rOff, topologies: topologies, services: services) {
            case .failure(let e): return .failure(e)
            case .success(let r):
                if r.metric.dimension != lhs.metric.dimension {
                    return fail("cannot compare \(lhs.metric.name) (\(describe(lhs.metric.dimension))) "
                        + "with \(r.metric.name) (\(describe(r.metric.dimension)))", rOff)
                }
                rhs = .metric(r)
            }
        }
        if i < tokens.count, tokens[i].tok == .word("in") {
            if let e = parseWindow() { return .failure(e) }
        }
        guard i >= tokens.count else {
            // `a.p50 < b.p50 + 1ms`: say what is wrong rather than "unexpected".
            if case .word(let w) = tokens[i].tok, let c = w.first, "+-*/".contains(c) { return fail(Self.noArithmetic) }
            return fail("unexpected text after the expectation")
        }
        if window != nil, lhs.service != nil || { if case .metric(let r) = rhs { return r.service != nil }; return false }() {
            return fail("a window 'in [START, END]' applies to a topology's metrics, not a service's", 0)
        }
        return .success(Expectation(text: text, lhs: lhs, op: op, rhs: rhs, window: window))
    }

    static let noArithmetic = "arithmetic is not supported in an expectation: compare TOPOLOGY.METRIC with one value "
        + "or one other TOPOLOGY.METRIC (e.g. \"a.p50 < b.p50\", or \"a.p50 < 21ms\" for a fixed margin)"

    static func looksNumeric(_ w: String) -> Bool {
        guard let c = w.first else { return false }
        return c.isNumber || ((c == "-" || c == "+" || c == ".") && w.dropFirst().first?.isNumber == true)
    }

    static func describe(_ d: MetricDimension) -> String {
        switch d {
        case .count: return "a count"
        case .duration: return "a duration"
        case .fraction: return "a fraction"
        case .rate: return "a rate"
        case .number: return "a number"
        }
    }

    static func ref(_ w: String, at off: Int, topologies: [String], services: [String]) -> Result<MetricRef, ExpectationError> {
        guard let dot = w.firstIndex(of: ".") else {
            return .failure(ExpectationError(message: "'\(w)' is not TOPOLOGY.METRIC (e.g. mesh.p99, \"*.success_rate\", mesh:payment.attempts)", offset: off))
        }
        var t = String(w[..<dot])
        let m = String(w[w.index(after: dot)...])
        var service: String?
        if let colon = t.firstIndex(of: ":") {
            let name = String(t[t.index(after: colon)...])
            let serviceOffset = off + t.distance(from: t.startIndex, to: colon) + 1
            t = String(t[..<colon])
            guard services.contains(name) else {
                return .failure(ExpectationError(message: "unknown service '\(name)' (services: \(services.joined(separator: ", ")))",
                                                 offset: serviceOffset, suggestion: Suggest.closest(to: name, in: services)))
            }
            service = name
        }
        let topo: TopologyRef
        if t == "*" { topo = .all } else if topologies.contains(t) { topo = .named(t) } else {
            return .failure(ExpectationError(message: "unknown topology '\(t)' (topologies: \(topologies.joined(separator: ", ")))",
                                             offset: off, suggestion: Suggest.closest(to: t, in: topologies + ["*"])))
        }
        let metricOffset = off + w.distance(from: w.startIndex, to: dot) + 1
        let allowed = service == nil ? Metric.all.filter { !$0.isServiceOnly } : Metric.serviceMetrics
        guard let metric = Metric(name: m), allowed.contains(metric) else {
            let names = allowed.map(\.name)
            // `mesh.p50+1ms`: a metric with arithmetic glued on.
            if let op = m.firstIndex(where: { "+-*/".contains($0) }), names.contains(String(m[..<op])) {
                return .failure(ExpectationError(message: Self.noArithmetic, offset: metricOffset + m.distance(from: m.startIndex, to: op)))
            }
            // `mesh.errors`: a family of metrics, one per cause; no single one is "the" suggestion.
            let family = names.filter { $0.hasPrefix(m + ".") }
            if family.count > 1 {
                return .failure(ExpectationError(
                    message: "'\(m)' needs one of \(family.joined(separator: ", "))"
                        + (m == "errors" && names.contains("error_rate") ? " (or error_rate: every cause, as a fraction)" : ""),
                    offset: metricOffset))
            }
            let what = service == nil ? "metric" : "service metric"
            let hint = service == nil && Metric(name: m)?.isServiceOnly == true
                ? " ('\(m)' is per service: TOPOLOGY:SERVICE.\(m), e.g. mesh:payment.\(m))" : ""
            return .failure(ExpectationError(message: "unknown \(what) '\(m)'\(hint) (metrics: \(names.joined(separator: ", ")))",
                                             offset: metricOffset, suggestion: Suggest.closest(to: m, in: names)))
        }
        return .success(MetricRef(topology: topo, metric: metric, service: service))
    }

    static func quantity(_ w: String, for metric: Metric, at off: Int) -> Result<Quantity, ExpectationError> {
        func err(_ m: String) -> Result<Quantity, ExpectationError> { .failure(ExpectationError(message: m, offset: off)) }
        let bare = (Units.splitNumber(w).map { $0.1.isEmpty }) ?? false
        let isPercent = w.hasSuffix("%"), isRate = w.contains("/")
        do {
            switch metric.dimension {
            case .duration:
                if isPercent || isRate { return err("\(metric.name) is a duration (e.g. 60ms), not '\(w)'") }
                if bare, let (v, _) = Units.splitNumber(w), v == 0 { return .success(.duration(0)) }
                return .success(.duration(try Units.duration(w)))
            case .fraction:
                if !bare && !isPercent {
                    return err("\(metric.name) is a fraction (e.g. 99.9% or 0.999), not '\(w)'"
                        + (Units.splitNumber(w).map { !$0.1.isEmpty && !isRate } == true ? " (a duration)" : ""))
                }
                return .success(.fraction(try Units.fraction(w)))
            case .rate:
                if isPercent { return err("\(metric.name) is a rate (e.g. 800/s), not '\(w)'") }
                if bare { return .success(.rate(try Units.number(w))) }
                if !isRate { return err("\(metric.name) is a rate (e.g. 800/s), not '\(w)'") }
                return .success(.rate(try Units.rate(w)))
            case .count, .number:
                guard bare else {
                    let hint = metric.dimension == .count && isPercent ? "; compare error_rate or success_rate for a share" : ""
                    return err("\(metric.name) is \(describe(metric.dimension)) (a plain number), not '\(w)'\(hint)")
                }
                return .success(.number(try Units.number(w)))
            }
        } catch let u as UnitError {
            return err(u.message)
        } catch {
            return err("\(error)")
        }
    }
}

/// A service-level objective that could not be read; `offset` counts characters into its text.
public struct SLOSyntaxError: Error, Sendable, Equatable {
    public var message: String
    /// 0-based character offset in the SLO as written.
    public var offset: Int
    /// A near metric name for a misspelt one.
    public var suggestion: String?
}

/// `METRIC [in [START, END]] OP VALUE`, e.g. `p99 < 200ms` or `success_rate >= 99.9%`: an
/// expectation line without its topology, read by the same parser with the same metric
/// vocabulary and units as `expect:` lines (`topsim capacity --slo`).
public enum SLOParser {
    /// The SLO as an expectation on every topology (`*`), its `text` the SLO as written.
    /// `duration` bounds a window's end (nil: not checked). Errors name the offending part.
    public static func parse(_ text: String, duration: SimTime? = nil) -> Result<Expectation, SLOSyntaxError> {
        let prefix = "*."
        let trimmed = String(text.drop(while: \.isWhitespace))
        let lead = text.count - trimmed.count
        let shift = { (o: Int) in max(0, o - prefix.count) + lead }
        if let c = trimmed.first, !(c.isLetter || c == "_") {
            return .failure(SLOSyntaxError(message: "an SLO starts with a metric, e.g. \"p99 < 200ms\"", offset: lead))
        }
        switch ExpectationParser.parse(prefix + trimmed, topologies: [], duration: duration) {
        case .failure(let e):
            // A word where the value goes reads as a metric of another topology; say what an SLO takes.
            if e.message.contains("TOPOLOGY.METRIC") {
                return .failure(SLOSyntaxError(message: "an SLO compares a metric with a value, e.g. \"p99 < 200ms\"",
                                               offset: shift(e.offset)))
            }
            return .failure(SLOSyntaxError(message: e.message, offset: shift(e.offset), suggestion: e.suggestion))
        case .success(var e):
            if case .metric = e.rhs {
                return .failure(SLOSyntaxError(message: "an SLO compares a metric with a value, e.g. \"p99 < 200ms\"",
                                               offset: lead))
            }
            e.text = text.trimmingCharacters(in: .whitespaces)
            return .success(e)
        }
    }
}
