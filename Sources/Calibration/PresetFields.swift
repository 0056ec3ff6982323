import Foundation
import SimCore
import TextKit

/// One value of a preset as printed, addressed by the name its citation uses.
public struct PresetField: Sendable, Equatable {
    public var name: String
    public var value: String
}

/// A published round-trip figure that a per-traversal latency was fitted to.
public struct LatencyTarget: Sendable {
    public var preset: String
    /// "proxy", "waypoint" or "gateway".
    public var role: String
    /// Independent draws summed per round trip (sidecar mesh 4, ztunnel 4, gateway 2).
    public var traversals: Int
    public var addedP90Ms: Double
    public var addedP99Ms: Double
    public var source: String
}

extension Preset {
    /// The profile a role name stands for ("proxy", "waypoint", "gateway").
    public func profile(role: String) -> ProxyProfile? {
        switch role {
        case "proxy": return proxy
        case "waypoint": return waypoint
        case "gateway": return gateway
        default: return nil
        }
    }

    /// Every value this preset sets, in print order. Policies are always
    /// listed, "none" included: a product's lack of a default is a fact too.
    public var fields: [PresetField] {
        var out: [PresetField] = []
        for (role, p) in [("proxy", proxy), ("waypoint", waypoint), ("gateway", gateway)] {
            guard let p else { continue }
            out.append(PresetField(name: "\(role).latency", value: PresetFormat.distribution(p.latency)))
            out.append(PresetField(name: "\(role).workers", value: PresetFormat.count(p.workers)))
            out.append(PresetField(name: "\(role).queue", value: PresetFormat.count(p.queue)))
            out.append(PresetField(name: "\(role).replicas", value: PresetFormat.count(p.replicas)))
            out.append(PresetField(name: "\(role).cpuPerRequest", value: PresetFormat.cpu(p.cpuPerRequest)))
            out.append(PresetField(name: "\(role).workerShare",
                                   value: PresetFormat.number(p.workerShare * 100) + "%"))
            out.append(PresetField(name: "\(role).memoryMB", value: PresetFormat.number(p.memoryMB) + " MB"))
        }
        let pol = policies
        out.append(PresetField(name: "policies.timeout", value: pol.timeout.map(PresetFormat.timeout) ?? "none"))
        out.append(PresetField(name: "policies.perTryTimeout", value: pol.perTryTimeout.map(PresetFormat.timeout) ?? "none"))
        out.append(PresetField(name: "policies.connectTimeout", value: pol.connectTimeout.map(PresetFormat.timeout) ?? "none"))
        out.append(PresetField(name: "policies.retries", value: pol.retries.map(PresetFormat.retries) ?? "none"))
        out.append(PresetField(name: "policies.circuitBreakers",
                               value: pol.circuitBreakers.map(PresetFormat.breakers) ?? "none"))
        out.append(PresetField(name: "policies.outlierDetection",
                               value: pol.outlierDetection.map(PresetFormat.outlier) ?? "none"))
        if let ph = pol.passiveHealth {
            out.append(PresetField(name: "policies.passiveHealth", value: PresetFormat.passive(ph)))
        }
        out.append(PresetField(name: "policies.rateLimit", value: pol.rateLimit.map(PresetFormat.rate) ?? "none"))
        if let h = pol.healthCheck {
            out.append(PresetField(name: "policies.healthCheck",
                                   value: "every \(PresetFormat.duration(Double(h.interval))), unhealthy after \(h.unhealthyThreshold)"))
        }
        if rateLimitAlgorithm != .tokenBucket {
            // Token buckets are the default everywhere else (docs/model.md); only a product
            // that counts otherwise carries the field and its source.
            out.append(PresetField(name: "rateLimitAlgorithm", value: rateLimitAlgorithm.rawValue))
        }
        out.append(PresetField(name: "healthyPanicThreshold", value: PresetFormat.percent(healthyPanicThreshold)))
        if let lb = pol.loadBalancing {
            out.append(PresetField(name: "policies.loadBalancing", value: lb.rawValue))
        }
        if let c = certificates {
            out.append(PresetField(name: "certificates.ttl", value: PresetFormat.duration(Double(c.ttl))))
            out.append(PresetField(name: "certificates.rotateAt", value: PresetFormat.percent(c.rotateAt)))
        }
        if kind != .gateway {
            out.append(PresetField(name: "holdApplicationUntilProxyStarts",
                                   value: holdApplicationUntilProxyStarts ? "true" : "false"))
        }
        if let mc = meshConnections {
            out.append(PresetField(name: "meshConnections",
                                   value: (mc.multiplexed ? "multiplexed" : "one request per connection")
                                       + ", idle " + PresetFormat.duration(Double(mc.idleTimeout))))
        }
        if let m = maxTimeout {
            out.append(PresetField(name: "maxTimeout", value: PresetFormat.duration(Double(m))))
        }
        if let t = throttle {
            out.append(PresetField(name: "throttle", value: PresetFormat.rate(t)))
        }
        return out
    }

    /// Rebuilds `citations` from the values actually set, so a printed value
    /// can never drift from the preset. A field without a source is cited as
    /// "MISSING" (the coverage test fails on it); `notes` are extra facts.
    func cited(_ sources: [String: String], notes: [(String, String, String)] = []) -> Preset {
        var p = self
        p.citations = fields.map { f in
            Citation(field: f.name, value: f.value, source: sources[f.name] ?? "MISSING")
        }
        p.citations += notes.map { Citation(field: "note.\($0.0)", value: $0.1, source: $0.2) }
        return p
    }

    /// Citations of values (notes excluded).
    public var valueCitations: [Citation] { citations.filter { !$0.field.hasPrefix("note.") } }
}

/// Pure formatting used by `topsim presets` and tested directly.
public enum PresetFormat {
    public static func number(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        let s = String(format: "%.3g", v)
        return s.contains("e") ? String(format: "%.6f", v) : s
    }

    /// Nanoseconds to the largest unit that keeps the number readable.
    public static func duration(_ ns: Double) -> String {
        // Whole hours only (certificate lifetimes); 90 minutes reads better as 5400s.
        if ns >= 3_600e9 && (ns / 3_600e9) == (ns / 3_600e9).rounded() { return number(ns / 3_600e9) + "h" }
        if ns >= 1e9 { return number(ns / 1e9) + "s" }
        // Round to 3 significant digits first so 999999.99 ns prints as 1ms.
        let r = Double(String(format: "%.3g", ns)) ?? ns
        if r >= 1e6 { return number(r / 1e6) + "ms" }
        if r >= 1e3 { return number(r / 1e3) + "us" }
        return number(r) + "ns"
    }

    public static func timeout(_ t: SimTime) -> String {
        t == Policies.noTimeout ? "none" : duration(Double(t))
    }

    public static func count(_ n: Int) -> String {
        n == unlimited ? "unlimited" : n == 4_294_967_295 ? "2^32-1" : String(n)
    }

    public static func percent(_ f: Double) -> String { number(f * 100) + "%" }

    /// CPU seconds per request, printed in milliseconds of CPU.
    public static func cpu(_ s: Double) -> String { number(s * 1000) + " ms CPU" }

    public static func distribution(_ d: Distribution) -> String {
        switch d {
        case .constant(let v): return "const(\(duration(v)))"
        case .exponential(let m): return "exp(\(duration(m)))"
        case .uniform(let lo, let hi): return "uniform(\(duration(lo)), \(duration(hi)))"
        case .normal(let m, let sd): return "normal(\(duration(m)), \(duration(sd)))"
        case .lognormal(let mu, let sigma):
            return "lognormal(mean: \(duration(d.mean)), p99: \(duration(d.quantile(0.99) ?? 0)))"
                + " [mu \(String(format: "%.4f", mu)), sigma \(String(format: "%.4f", sigma))]"
        case .erlang(let k, let m): return "erlang(k: \(k), mean: \(duration(m)))"
        case .empirical(let e): return "empirical(\(e.sorted.count) samples, mean \(duration(e.mean)))"
        }
    }

    public static func retries(_ r: RetryPolicy) -> String {
        var s = r.attempts == 0 ? "off" : "\(r.attempts) on " + r.on.map(\.rawValue).sorted().joined(separator: ",")
        if let b = r.backoff { s += ", backoff " + backoff(b) }
        if let b = r.budget { s += ", budget " + budget(b) }
        return s
    }

    public static func backoff(_ b: RetryBackoff) -> String {
        switch b {
        case .jittered(let base, let max):
            return "jittered exponential base \(duration(Double(base))) max \(duration(Double(max)))"
        case .distribution(let d): return distribution(d)
        case .immediate: return "none (next upstream at once)"
        }
    }

    public static func budget(_ b: RetryBudget) -> String {
        switch b {
        case .concurrent(let p, let m): return "\(percent(p)) of active requests, min \(m) concurrent"
        case .ratio(let r, let m, let ttl):
            return "\(percent(r)) of requests, min \(number(m))/s, ttl \(duration(Double(ttl)))"
        }
    }

    public static func breakers(_ c: CircuitBreakers) -> String {
        "max_connections \(count(c.maxConnections)), max_pending_requests \(count(c.maxPendingRequests)), "
            + "max_requests \(count(c.maxRequests)), max_retries \(count(c.maxRetries))"
    }

    public static func outlier(_ o: OutlierDetection) -> String {
        "\(o.consecutiveErrors) consecutive errors, interval \(duration(Double(o.interval))), "
            + "ejection \(duration(Double(o.ejection))) (max \(duration(Double(o.maxEjectionTime)))), "
            + "max \(percent(o.maxEjectionPercent)) ejected, panic below \(o.panicThreshold.map(percent) ?? "the product's default") healthy"
    }

    public static func passive(_ p: PassiveHealth) -> String {
        "max_fails \(p.maxFails), fail_timeout \(duration(Double(p.failTimeout))) (flat), counts "
            + p.on.map(\.rawValue).sorted().joined(separator: ",")
    }

    public static func rate(_ r: RateLimit) -> String {
        var s = number(r.perConsumer) + "/s"
        if let b = r.burst { s += ", burst \(number(b))" }
        return s
    }

    /// The profile a table row summarises: the sidecar or node proxy, else the gateway.
    static func mainProfile(_ p: Preset) -> ProxyProfile? { p.proxy ?? p.gateway }

    /// `topsim presets`: one row per preset, then the aliases.
    public static func table(_ presets: [Preset], aliases: [String: String]) -> String {
        let header = ["NAME", "SYSTEM", "VERSION", "KIND", "LAT MEAN", "LAT P99", "WORKERS",
                      "CPU/REQ", "MEM MB", "CERT TTL", "TIMEOUT", "RETRIES", "SOURCED", "ASSUMED"]
        var rows: [[String]] = [header]
        for p in presets {
            let m = mainProfile(p)
            let cites = p.valueCitations
            let assumed = cites.filter(\.isAssumption).count
            rows.append([
                p.name, p.system, p.version, p.kind.rawValue,
                m.map { duration($0.latency.mean) } ?? "-",
                m.flatMap { $0.latency.quantile(0.99) }.map(duration) ?? "-",
                m.map { count($0.workers) } ?? "-",
                m.map { number($0.cpuPerRequest * 1000) + "ms" } ?? "-",
                m.map { number($0.memoryMB) } ?? "-",
                p.certificates.map { duration(Double($0.ttl)) } ?? "-",
                p.policies.timeout.map(timeout) ?? "none",
                p.policies.retries.map { String($0.attempts) } ?? "0",
                String(cites.count - assumed), String(assumed),
            ])
        }
        var out = TextTable.lines(rows, rule: false)
        out.append("")
        out.append("Latency is per traversal of the sidecar/node proxy (gateway presets: the gateway);"
                   + " CPU is per request through one proxy.")
        if !aliases.isEmpty {
            out.append("Aliases: " + aliases.keys.sorted().map { "\($0) -> \(aliases[$0]!)" }.joined(separator: ", "))
        }
        out.append("`topsim presets NAME` prints every value with its source.")
        return out.joined(separator: "\n") + "\n"
    }

    /// `topsim presets NAME`: every value with its source.
    public static func detail(_ p: Preset, aliases: [String: String]) -> String {
        var out = ["\(p.name): \(p.system), version \(p.version) (\(p.kind.rawValue))", p.summary]
        let names = aliases.keys.sorted().filter { aliases[$0] == p.name }
        if !names.isEmpty { out.append("aliases: " + names.joined(separator: ", ")) }
        let cites = p.valueCitations
        out.append("\(cites.count - cites.filter(\.isAssumption).count) values sourced, "
                   + "\(cites.filter(\.isAssumption).count) assumptions")
        out.append("")
        for c in p.citations {
            out.append("\(c.field) = \(c.value)")
            out.append("    \(c.source)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The closest known name, for "did you mean" (nil when nothing is close).
    public static func suggestion(for name: String, among names: [String]) -> String? {
        let lower = name.lowercased()
        let scored = names.map { ($0, EditDistance.between(lower, $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
        if best.1 <= max(2, name.count / 3) { return best.0 }
        // A short stem such as "aws" or "consul-" names the preset it starts.
        return names.filter { $0.hasPrefix(lower) }.sorted().first
    }
}
