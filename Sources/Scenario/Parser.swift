import Calibration
import Foundation
import SimCore

/// Turns a composed YAML tree into a `Scenario`, collecting every problem on the way.
/// Each `parseX` returns nil after recording its errors, so later checks that
/// need the value are skipped instead of reporting knock-on errors.
final class ScenarioParser {
    let file: String
    let text: String
    let empirical: EmpiricalLoader
    var diagnostics: [Diagnostic] = []
    /// Command-line values that replace the file's (checked like the file's own).
    var overrides = ScenarioOverrides()
    /// Whether the file names its zones (the default zone `a` must not shadow a service `a`).
    var zonesWritten = false
    /// Values replaced in the composed tree before it is read (`topsim sweep --set`).
    var sets: [ScenarioOverride] = []

    init(file: String, text: String, directory: String?) {
        self.file = file; self.text = text; self.empirical = EmpiricalLoader(directory: directory)
    }

    /// Valid values that cannot behave as written (`Scenario.parseNotes`).
    var notes: [KeyNote] = []

    func note(_ pos: Pos, _ message: String) {
        notes.append(KeyNote(line: max(1, pos.line), column: max(1, pos.column), text: message))
    }

    func error(_ pos: Pos, _ message: String, suggestion: String? = nil) {
        diagnostics.append(Diagnostic(file: file, line: max(1, pos.line), column: max(1, pos.column),
                                      message: message, suggestion: suggestion))
    }

    // MARK: Keys

    static let topKeys = ["scenario", "description", "seed", "duration", "warmup", "replications", "window",
                          "cluster", "services", "traffic", "policies", "control_plane", "topologies",
                          "faults", "expect", "cost"]
    static let clusterKeys = ["nodes", "zones", "clusters", "network", "east_west"]
    static let networkKeys = ["same_node", "same_zone", "cross_zone", "external", "cross_cluster"]
    static let serviceKeys = ["replicas", "workers", "queue", "service_time", "calls", "errors",
                              "client_policies", "cluster", "protocol", "termination_grace", "prestop", "readiness",
                              "mesh"]
    static let readinessKeys = ["period", "failure_threshold"]
    static let callKeys = ["service", "probability"]
    static let trafficKeys = ["name", "from", "to", "rate", "profile", "clients", "consumers", "connections"]
    static let profileKeys = ["at", "rate"]
    static let policyKeys = ["timeout", "per_try_timeout", "connect_timeout", "retries", "circuit_breakers", "outlier_detection",
                             "passive_health", "rate_limit", "health_check", "load_balancing", "locality"]
    static let retryKeys = ["attempts", "on", "backoff", "budget"]
    static let backoffKeys = ["base", "max"]
    static let budgetKeys = ["percent", "min_concurrent", "ratio", "min_per_second", "ttl"]
    static let breakerKeys = ["max_connections", "max_pending_requests", "max_requests", "max_retries"]
    static let outlierKeys = ["consecutive_errors", "interval", "ejection", "max_ejection", "max_ejection_time",
                              "panic_threshold"]
    static let passiveHealthKeys = ["max_fails", "fail_timeout", "on"]
    static let rateLimitKeys = ["per_consumer", "burst", "algorithm", "window", "policy", "fail_open"]
    static let healthKeys = ["interval", "unhealthy_threshold"]
    static let controlPlaneKeys = ["replicas", "push_delay", "certificates"]
    static let certificateKeys = ["ttl", "rotate_at"]
    static let topologyKeys = ["name", "kind", "preset", "mtls", "internal", "replicas", "proxy", "gateway",
                               "mesh", "ingress", "waypoint", "policies", "hold_application_until_proxy_starts",
                               "access_logs", "tracing"]
    static let proxyKeys = ["latency", "workers", "queue", "replicas", "cpu_per_request", "worker_share", "memory_mb"]
    static let meshKeys = ["preset", "mtls", "proxy"]
    static let faultKeys = ["at", "for", "kind", "target", "add", "rate", "replicas", "proxy_ready_after",
                            "down_for", "policies", "fraction", "between", "max_unavailable", "max_surge", "mode"]

    /// Topology keys that only some kinds take.
    static let topologyKeysByKind: [TopologyKind: Set<String>] = [
        .none: [],
        .gateway: ["preset", "replicas", "internal", "gateway"],
        .sidecar: ["preset", "mtls", "proxy", "ingress", "hold_application_until_proxy_starts"],
        .combined: ["preset", "mtls", "proxy", "gateway", "mesh", "hold_application_until_proxy_starts"],
        .sidecarless: ["preset", "mtls", "proxy", "ingress", "waypoint"],
    ]
    static let commonTopologyKeys: Set<String> = ["name", "kind", "policies", "access_logs", "tracing"]

    /// Fault keys that only some kinds take (beyond at, for, kind).
    static let faultKeysByKind: [FaultKind: Set<String>] = [
        .crash: ["target"],
        .proxyCrash: ["target"],
        .gatewayDown: ["target", "replicas"],
        .nodeDown: ["target"],
        .partition: ["between"],
        .latency: ["target", "add"],
        .errors: ["target", "rate"],
        .restart: ["target", "proxy_ready_after", "down_for"],
        .configDrift: ["target", "policies", "fraction"],
        .controlPlaneDown: ["target"],
        .rateLimitStoreDown: [],
        .rollout: ["target", "max_unavailable", "max_surge"],
        .inject: ["target", "max_unavailable", "max_surge"],
        .mtlsMode: ["target", "mode"],
        .hang: ["target"],
        .scale: ["target", "replicas"],
    ]

    struct Fields {
        var entries: [String: (key: Pos, value: YNode)] = [:]
        var pos: Pos
        subscript(_ k: String) -> YNode? { entries[k]?.value }
        func keyPos(_ k: String) -> Pos { entries[k]?.key ?? pos }
        func has(_ k: String) -> Bool { entries[k] != nil }
    }

    /// A mapping's entries in order, with duplicate and non-scalar keys reported.
    func pairs(_ node: YNode, _ what: String) -> [(name: String, key: Pos, value: YNode)]? {
        guard case .mapping(let ps, _) = node else {
            if case .scalar(let s) = node, s.isNull {
                error(node.pos, "\(what) is empty; it needs keys")
            } else {
                error(node.pos, "\(what) must be a mapping of keys, not \(node.kindName)")
            }
            return nil
        }
        var seen: [String: Pos] = [:]
        var out: [(String, Pos, YNode)] = []
        for p in ps {
            guard case .scalar(let k) = p.key, !k.isNull else {
                error(p.key.pos, "a key in \(what) must be a plain name, not \(p.key.kindName)")
                continue
            }
            if let first = seen[k.value] {
                error(k.pos, "duplicate key '\(k.value)' (first at \(first.line):\(first.column))")
                continue
            }
            seen[k.value] = k.pos
            out.append((k.value, k.pos, p.value))
        }
        return out
    }

    /// A mapping with a fixed vocabulary.
    func fields(_ node: YNode, _ what: String, allowed: [String]) -> Fields? {
        guard let ps = pairs(node, what) else { return nil }
        var f = Fields(pos: node.pos)
        for (name, kpos, value) in ps {
            if !allowed.contains(name) {
                error(kpos, "unknown key '\(name)' in \(what)", suggestion: Suggest.closest(to: name, in: allowed))
                continue
            }
            f.entries[name] = (kpos, value)
        }
        return f
    }

    // MARK: Scalars

    func scalar(_ n: YNode, _ what: String) -> YScalar? {
        guard case .scalar(let s) = n else {
            error(n.pos, "\(what) must be a single value, not \(n.kindName)")
            return nil
        }
        if s.isNull {
            error(n.pos, "\(what) needs a value")
            return nil
        }
        return s
    }

    /// A non-empty text value. Control characters are refused (they would reach the terminal
    /// through tables and messages); `lineBreaks` lets a paragraph keep its line breaks and tabs.
    func string(_ n: YNode, _ what: String, lineBreaks: Bool = false) -> String? {
        guard let s = scalar(n, what) else { return nil }
        let v = s.value.trimmingCharacters(in: .whitespacesAndNewlines)
        if v.isEmpty { error(n.pos, "\(what) must not be empty"); return nil }
        if let bad = v.unicodeScalars.first(where: {
            ControlCharacters.isControl($0) && !(lineBreaks && ($0 == "\n" || $0 == "\t"))
        }) {
            error(n.pos, "\(what) contains the control character \(ControlCharacters.name(bad)); "
                + "names and text may hold printable characters only")
            return nil
        }
        return v
    }

    /// Runs a unit parser on a scalar and reports its error at the scalar.
    func unit<T>(_ n: YNode, _ what: String, _ f: (String) throws -> T) -> T? {
        guard let s = scalar(n, what) else { return nil }
        do {
            return try f(s.value)
        } catch let e as UnitError {
            var pos = s.pos
            if s.singleLine, e.offset > 0 { pos.column += e.offset + (s.quoted ? 1 : 0) }
            error(pos, "\(what): \(e.message)")
            return nil
        } catch {
            self.error(s.pos, "\(what): \(error)")
            return nil
        }
    }

    func int(_ n: YNode, _ what: String, min lo: Int, max hi: Int, unlimitedOK: Bool = false) -> Int? {
        guard let s = scalar(n, what) else { return nil }
        let v = s.value.trimmingCharacters(in: .whitespaces)
        if unlimitedOK, v == "unlimited" { return unlimited }
        let digits = v.replacingOccurrences(of: "_", with: "")
        guard let i = Int(digits) else {
            if !digits.isEmpty, digits.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy({ $0.isASCII && $0.isNumber }),
               digits.contains(where: \.isNumber) {
                error(s.pos, "\(what) '\(v)' is far too large (at most \(hi))")
                return nil
            }
            if let d = Double(v), d.isFinite {
                if d == d.rounded(), abs(d) < 1e18 {
                    return checkRange(Int(d), s.pos, what, lo, hi, unlimitedOK)
                }
                if d == d.rounded() {
                    error(s.pos, d < 0 ? "\(what) must be at least \(lo), not \(v)" : "\(what) must be at most \(hi), not \(v)")
                    return nil
                }
                error(s.pos, "\(what) must be a whole number, not '\(v)'")
            } else {
                error(s.pos, "\(what) must be a whole number\(unlimitedOK ? " or 'unlimited'" : ""), not '\(v)'",
                      suggestion: unlimitedOK ? Suggest.closest(to: v, in: ["unlimited"]) : nil)
            }
            return nil
        }
        return checkRange(i, s.pos, what, lo, hi, unlimitedOK)
    }

    private func checkRange(_ i: Int, _ pos: Pos, _ what: String, _ lo: Int, _ hi: Int, _ unlimitedOK: Bool) -> Int? {
        if i < lo {
            error(pos, lo == 1 ? "\(what) must be at least 1, not \(i)" : "\(what) must be at least \(lo), not \(i)")
            return nil
        }
        if i > hi {
            error(pos, "\(what) must be at most \(hi), not \(i)\(unlimitedOK ? " (or 'unlimited')" : "")")
            return nil
        }
        return i
    }

    func bool(_ n: YNode, _ what: String) -> Bool? {
        guard let s = scalar(n, what) else { return nil }
        switch s.value.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(s.pos, "\(what) must be true or false, not '\(s.value)'")
            return nil
        }
    }

    func number(_ n: YNode, _ what: String, min lo: Double) -> Double? {
        guard let v = unit(n, what, Units.number) else { return nil }
        if v < lo { error(n.pos, "\(what) must be at least \(fmt(lo)), not \(fmt(v))"); return nil }
        return v
    }

    func duration(_ n: YNode, _ what: String, positive: Bool = false) -> SimTime? {
        guard let d = unit(n, what, Units.duration) else { return nil }
        if positive, d <= 0 { error(n.pos, "\(what) must be longer than 0s"); return nil }
        return d
    }

    func rate(_ n: YNode, _ what: String, allowZero: Bool = false) -> Double? {
        guard let r = unit(n, what, Units.rate) else { return nil }
        if r < 0 { error(n.pos, "\(what) cannot be negative"); return nil }
        if r == 0, !allowZero { error(n.pos, "\(what) must be above 0"); return nil }
        return r
    }

    func fraction(_ n: YNode, _ what: String) -> Double? { unit(n, what, Units.fraction) }

    func distribution(_ n: YNode, _ what: String) -> Distribution? {
        unit(n, what) { try DistributionParser.parse($0, empirical: self.empirical) }
    }

    func choice<E: RawRepresentable & CaseIterable>(_ n: YNode, _ what: String, _: E.Type,
                                                    aliases: [String: E] = [:]) -> E? where E.RawValue == String {
        guard let v = string(n, what) else { return nil }
        if let e = E(rawValue: v) ?? aliases[v] { return e }
        let options = E.allCases.map(\.rawValue)
        error(n.pos, "\(what) must be one of \(options.joined(separator: ", ")), not '\(v)'",
              suggestion: Suggest.closest(to: v, in: options + aliases.keys.sorted()))
        return nil
    }

    func list(_ n: YNode, _ what: String) -> [YNode]? {
        if case .sequence(let items, _) = n { return items }
        if case .scalar(let s) = n, s.isNull { error(n.pos, "\(what) needs a value"); return nil }
        error(n.pos, "\(what) must be a list, not \(n.kindName)")
        return nil
    }

    func fmt(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}

extension String {
    /// A duration as a user would write it (for messages).
    static func duration(_ t: SimTime) -> String {
        let units: [(String, Int64)] = [("d", 86_400 * Nanos.perSecond), ("h", 3600 * Nanos.perSecond),
                                        ("m", 60 * Nanos.perSecond), ("s", Nanos.perSecond),
                                        ("ms", Nanos.perMillisecond), ("us", Nanos.perMicrosecond)]
        for (u, n) in units where t >= n && t % n == 0 { return "\(t / n)\(u)" }
        if t >= Nanos.perMillisecond { return "\(Double(t) / 1e6)ms" }
        return "\(t)ns"
    }
}
