import Calibration
import SimCore

struct ExpectationError: Error {
    var message: String
    /// Character offset in the expectation's text.
    var offset: Int
    var suggestion: String?
}

/// `SIDE [in [START, END]] OP (VALUE | [FACTOR *] SIDE) [in [START, END]]`; SIDE is
/// `TOPOLOGY.METRIC` or `TOPOLOGY.METRIC - TOPOLOGY.METRIC`, in parentheses after a factor.
enum ExpectationParser {
    enum Tok: Equatable { case word(String), op(CompareOp), open, close, comma, lparen, rparen, minus, times }
    struct Token { var tok: Tok; var offset: Int }

    static func tokenize(_ s: String) -> Result<[Token], ExpectationError> {
        var out: [Token] = []
        let cs = Array(s)
        var i = 0
        func isWordChar(_ c: Character) -> Bool {
            !(c.isWhitespace || "<>=![],()".contains(c))
        }
        while i < cs.count {
            let c = cs[i]
            if c.isWhitespace { i += 1; continue }
            if c == "[" { out.append(Token(tok: .open, offset: i)); i += 1; continue }
            if c == "]" { out.append(Token(tok: .close, offset: i)); i += 1; continue }
            if c == "," { out.append(Token(tok: .comma, offset: i)); i += 1; continue }
            if c == "(" { out.append(Token(tok: .lparen, offset: i)); i += 1; continue }
            if c == ")" { out.append(Token(tok: .rparen, offset: i)); i += 1; continue }
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
            // '-' and '*' stand apart (`a.p50 - b.p50`, `1.5 * b.p99`): glued to a word they
            // are part of it (`-5ms`, `*.p99`, a topology named `istio-1.12`).
            let w = String(cs[i..<j])
            out.append(Token(tok: w == "-" ? .minus : w == "*" ? .times : .word(w), offset: i)); i = j
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
        func here() -> Int { i < tokens.count ? tokens[i].offset : end }
        func fail(_ m: String, _ off: Int? = nil, _ sug: String? = nil) -> Result<Expectation, ExpectationError> {
            .failure(ExpectationError(message: m, offset: off ?? here(), suggestion: sug))
        }
        let form = "write TOPOLOGY.METRIC OP VALUE, e.g. \"mesh.p99 < 60ms\""
        guard !tokens.isEmpty else { return fail("an empty expectation; \(form)", 0) }
        switch tokens[0].tok {
        case .word, .lparen: break
        default: return fail("an expectation starts with TOPOLOGY.METRIC; \(form)", 0)
        }
        if case .word(let w) = tokens[0].tok, looksNumeric(w), tokens.count > 1, tokens[1].tok == .times {
            return fail("a factor scales the right-hand side: write \"a.p99 <= 2 * b.p99\", not a product on the left", 0)
        }

        /// `REF`, `REF - REF` or `( REF - REF )`: one side of the comparison.
        struct Side { var ref: MetricRef; var minus: MetricRef?; var parenthesised: Bool; var offset: Int; var text: String }
        let chars = Array(text)
        func parseSide() -> Result<Side, ExpectationError> {
            let start = here()
            var paren = false
            if i < tokens.count, tokens[i].tok == .lparen { paren = true; i += 1 }
            guard i < tokens.count, case .word(let w) = tokens[i].tok else {
                return .failure(ExpectationError(message: "expected TOPOLOGY.METRIC; \(form)", offset: here()))
            }
            let firstOffset = tokens[i].offset
            var sideEnd = firstOffset + w.count
            let first: MetricRef
            switch ref(w, at: firstOffset, topologies: topologies, services: services) {
            case .failure(let e): return .failure(e)
            case .success(let r): first = r
            }
            i += 1
            var minus: MetricRef?
            if i < tokens.count, tokens[i].tok == .minus {
                i += 1
                guard i < tokens.count, case .word(let w2) = tokens[i].tok else {
                    return .failure(ExpectationError(message: "missing TOPOLOGY.METRIC after '-'", offset: here()))
                }
                let off2 = tokens[i].offset
                if looksNumeric(w2) {
                    return .failure(ExpectationError(
                        message: "'-' subtracts one TOPOLOGY.METRIC from another, not a value ('\(w2)'); "
                            + "for a margin compare the difference with it, e.g. \"a.p50 - b.p50 < \(w2)\"",
                        offset: off2))
                }
                let second: MetricRef
                switch ref(w2, at: off2, topologies: topologies, services: services) {
                case .failure(let e): return .failure(e)
                case .success(let r): second = r
                }
                i += 1
                if second.metric.dimension != first.metric.dimension {
                    return .failure(ExpectationError(
                        message: "cannot subtract \(second.metric.name) (\(describe(second.metric.dimension))) "
                            + "from \(first.metric.name) (\(describe(first.metric.dimension)))", offset: off2))
                }
                if first.topology == .all || second.topology == .all {
                    return .failure(ExpectationError(
                        message: "'*' (every topology) cannot be part of a difference: name both topologies, "
                            + "e.g. \"mesh.p50 - direct.p50 < 2ms\"",
                        offset: first.topology == .all ? firstOffset : off2))
                }
                sideEnd = off2 + w2.count
                minus = second
            }
            if paren {
                guard i < tokens.count, tokens[i].tok == .rparen else {
                    return .failure(ExpectationError(message: "missing ')' to close the '('", offset: here()))
                }
                sideEnd = tokens[i].offset + 1
                i += 1
            }
            return .success(Side(ref: first, minus: minus, parenthesised: paren, offset: start,
                                 text: String(chars[start..<sideEnd])))
        }

        let left: Side
        switch parseSide() {
        case .failure(let e): return .failure(e)
        case .success(let s): left = s
        }
        let lhs = left.ref
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
        guard i < tokens.count else { return fail("missing a comparison after '\(left.text)'; \(form)") }
        guard case .op(let op) = tokens[i].tok else {
            if tokens[i].tok == .times {
                return fail("a factor scales the right-hand side: write \"a.p99 <= 2 * b.p99\", not a product on the left")
            }
            if isArithmetic(tokens[i].tok) { return fail(Self.noArithmetic) }
            return fail("expected a comparison (< <= > >= == !=); \(form)")
        }
        i += 1
        guard i < tokens.count else { return fail("missing a value or TOPOLOGY.METRIC after '\(op.rawValue)'") }
        let rOff = tokens[i].offset
        var rhs: ExpectationOperand
        var rhsMinus: MetricRef?
        var factor = 1.0
        func checkDimension(_ r: MetricRef, at off: Int) -> ExpectationError? {
            r.metric.dimension == lhs.metric.dimension ? nil : ExpectationError(
                message: "cannot compare \(lhs.metric.name) (\(describe(lhs.metric.dimension))) "
                    + "with \(r.metric.name) (\(describe(r.metric.dimension)))", offset: off)
        }
        if case .word(let rw) = tokens[i].tok, looksNumeric(rw) {
            i += 1
            if i < tokens.count, tokens[i].tok == .times {
                // `FACTOR * SIDE`
                guard let (v, unit) = Units.splitNumber(rw), unit.isEmpty, v.isFinite, v > 0 else {
                    return fail("a factor is a positive plain number, e.g. 1.5 in \"a.p99 >= 1.5 * b.p99\", not '\(rw)'", rOff)
                }
                factor = v
                i += 1
                let right: Side
                switch parseSide() {
                case .failure(let e): return .failure(e)
                case .success(let s): right = s
                }
                if right.minus != nil && !right.parenthesised {
                    return fail("after a factor, put the difference in parentheses: \"\(rw) * (a.p50 - b.p50)\"", right.offset)
                }
                if let e = checkDimension(right.ref, at: right.offset) { return .failure(e) }
                rhs = .metric(right.ref)
                rhsMinus = right.minus
            } else {
                if rw.contains("*") { return fail(Self.noArithmetic, rOff) }
                // A difference can be negative, so its bound can be (`a.p50 - b.p50 > -5ms`);
                // a metric itself cannot, and keeps the units' own message.
                let negative = left.minus != nil && rw.hasPrefix("-") && rw.count > 1
                switch quantity(negative ? String(rw.dropFirst()) : rw, for: lhs.metric, at: rOff) {
                case .failure(let e): return .failure(e)
                case .success(let q): rhs = .value(negative ? q.negated : q)
                }
            }
        } else if tokens[i].tok == .lparen || { if case .word = tokens[i].tok { return true }; return false }() {
            // `b.p50`, `b.p50 - c.p50` or `(b.p50 - c.p50)`
            let right: Side
            switch parseSide() {
            case .failure(let e): return .failure(e)
            case .success(let s): right = s
            }
            if let e = checkDimension(right.ref, at: right.offset) { return .failure(e) }
            rhs = .metric(right.ref)
            rhsMinus = right.minus
        } else {
            return fail("missing a value or TOPOLOGY.METRIC after '\(op.rawValue)'")
        }
        if i < tokens.count, tokens[i].tok == .word("in") {
            if let e = parseWindow() { return .failure(e) }
        }
        guard i >= tokens.count else {
            // `a.p50 < b.p50 + 1ms`: say what is wrong rather than "unexpected".
            if isArithmetic(tokens[i].tok) { return fail(Self.noArithmetic) }
            return fail("unexpected text after the expectation")
        }
        var refs = [lhs] + [left.minus, rhsMinus].compactMap { $0 }
        if case .metric(let r) = rhs { refs.append(r) }
        if window != nil, refs.contains(where: { $0.service != nil }) {
            return fail("a window 'in [START, END]' applies to a topology's metrics, not a service's", 0)
        }
        return .success(Expectation(text: text, lhs: lhs, op: op, rhs: rhs, window: window,
                                    lhsMinus: left.minus, rhsMinus: rhsMinus, factor: factor))
    }

    /// A token that starts arithmetic this grammar does not have (`+ 1ms`, `/ 2`, `* 3` after a metric).
    static func isArithmetic(_ t: Tok) -> Bool {
        switch t {
        case .minus, .times, .lparen, .rparen: return true
        case .word(let w): return w.first.map { "+-*/".contains($0) } ?? false
        default: return false
        }
    }

    static let noArithmetic = "this arithmetic is not supported in an expectation: it may subtract one "
        + "TOPOLOGY.METRIC from another and scale the right-hand side by a factor, with spaces around '-' and '*' "
        + "(e.g. \"a.p50 - b.p50 < 1ms\", \"a.p99 >= 1.5 * b.p99\", \"a.p50 - c.p50 >= 2 * (b.p50 - c.p50)\")"

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
            if e.hasArithmetic {
                return .failure(SLOSyntaxError(message: "an SLO compares a metric with a value, e.g. \"p99 < 200ms\"",
                                               offset: lead))
            }
            e.text = text.trimmingCharacters(in: .whitespaces)
            return .success(e)
        }
    }
}
