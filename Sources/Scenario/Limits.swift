import Calibration
import Foundation
import SimCore

/// The one set of bounds a run must fit in, shared by scenario files and the
/// command line (`--duration`, `--replications` go through the same parser).
///
/// Validation accepts a file only when the run it describes can finish: every
/// up-front allocation, the results kept until the end, the work simulated and
/// the periodic events are estimated from the scenario and held against these
/// figures. The per-item figures were measured on the release build
/// (`/usr/bin/time -f %M` on scenarios that vary one dimension at a time).
public enum Limits {
    /// Time-series windows per run (`duration / window`); each is a row of timeseries.csv
    /// and about 64 bytes per topology and replication.
    public static let maxWindows = 100_000
    /// Instances (replicas summed over services); each costs about 1 KB per simulation
    /// running at once (its station, its sidecar, its state).
    public static let maxInstances = 100_000
    /// Replications, whatever memory allows.
    public static let maxReplications = 10_000
    /// Root requests simulated by one run (arrivals over warm-up and duration, every
    /// topology and replication): at the measured 70,000–500,000 requests per second
    /// and core, the longest accepted run takes minutes to a few hours, never days.
    public static let maxRequests = 1e9
    /// Periodic work per topology and replication: health-check passes times instances,
    /// certificate rotations (an event each: 1e8 take seconds, 1e9 minutes).
    public static let maxPeriodicWork = 1e8
    /// The interval of the checks the load balancer in front of gateway replicas runs without
    /// a `health_check` (AWS target groups' 30 s default; Topology/Endpoints.swift).
    public static let defaultLoadBalancerCheckSeconds = 30.0
    /// Open-loop arrivals per second of one source: the engine's clock counts whole
    /// nanoseconds, and a mean gap below 1ns would round to 0 and never advance it.
    public static let maxOpenLoopRate = 1e9
    /// The shortest certificate rotation period (`ttl × rotate_at`); anything shorter
    /// would round to nothing and rotate forever at one instant.
    public static let minRotationPeriod: SimTime = Nanos.perMicrosecond
    /// Closed-loop pacing: each client sends at most this often (per second), so that its
    /// interval (`clients / rate`) never rounds to 0 ns.
    public static let maxRatePerClient = 1e9
    /// Rate-limit token buckets: consumers times gateway replicas (16 bytes each).
    public static let maxTokenBuckets = 20_000_000
    /// Memory the results kept until the end of a run may take (every topology and
    /// replication holds its metrics until the summaries are computed).
    public static let maxRetainedBytes = 2.0 * 1_073_741_824
    /// Memory requests waiting in unbounded (or very large) queues may take at the end of
    /// an overloaded run.
    public static let maxBacklogBytes = 2.0 * 1_073_741_824

    /// Results kept per topology and replication: measured 0.7 MB with a few windows and
    /// no faults, 64 bytes per window, 36 KB per fault or expectation window (an exact
    /// latency histogram each); rounded up.
    public static let bytesPerRunBase = 1.5 * 1_048_576
    public static let bytesPerWindow = 64.0
    public static let bytesPerInterval = 48.0 * 1024
    /// A request waiting in a queue: its call and attempt records and the queue slot
    /// (measured 260 bytes; array growth can double it).
    public static let bytesPerWaitingRequest = 512.0

    /// Estimated bytes of results one topology and replication keep until the end.
    public static func retainedBytesPerRun(_ s: Scenario) -> Double {
        let windows = Double(windowCount(s))
        var spans = Set<[SimTime]>()
        for e in s.expectations { if let w = e.window { spans.insert([w.start, w.end]) } }
        for f in s.faults { spans.insert([f.at, f.end(runDuration: s.duration)]) }
        return bytesPerRunBase + windows * bytesPerWindow + Double(spans.count) * bytesPerInterval
    }

    /// `duration / window`, rounded up.
    public static func windowCount(_ s: Scenario) -> Int {
        guard s.window > 0 else { return Int.max }
        let (q, r) = s.duration.quotientAndRemainder(dividingBy: s.window)
        return Int(q) + (r > 0 ? 1 : 0)
    }

    /// Expected arrivals of one source over warm-up and duration (the warm-up runs at
    /// the profile's first rate).
    public static func expectedArrivals(_ t: TrafficSource, warmup: SimTime, duration: SimTime) -> Double {
        let r = t.clients == nil ? { effectiveRate(min($0, maxOpenLoopRate)) } : { $0 }
        switch t.rate {
        case .constant(let x):
            return r(x) * Nanos.toSeconds(warmup + duration)
        case .profile(let pts):
            guard let first = pts.first else { return 0 }
            var total = r(first.perSecond) * Nanos.toSeconds(warmup + first.at)
            for (i, p) in pts.enumerated() {
                let end = i + 1 < pts.count ? pts[i + 1].at : duration
                total += r(p.perSecond) * Nanos.toSeconds(max(0, end - p.at))
            }
            return total
        }
    }

    /// The rate the engine really produces for open-loop Poisson arrivals: gaps are drawn
    /// in whole nanoseconds (truncated), so a gap of mean m ns averages 1/(e^(1/m) − 1) ns
    /// and high rates come out higher than written (1.7x at 1e9/s, 5% at 1e8/s).
    public static func effectiveRate(_ perSecond: Double) -> Double {
        guard perSecond > 0 else { return 0 }
        let meanGap = 1e9 / perSecond
        return meanGap > 1e6 ? perSecond : expm1(1 / meanGap) * 1e9
    }

    /// The highest rate a source ever sends at.
    public static func peakRate(_ t: TrafficSource) -> Double {
        switch t.rate {
        case .constant(let r): return r
        case .profile(let pts): return pts.map(\.perSecond).max() ?? 0
        }
    }

    /// `1.2e12`, `3.4 GB`: figures for messages.
    static func count(_ x: Double) -> String {
        guard x.isFinite else { return "∞" }
        if x < 1e6 { return x >= 1 || x == 0 ? String(Int(x.rounded())) : String(format: "%.3g", x) }
        var e = Int(log10(x).rounded(.down))
        var m = (x / pow(10, Double(e)) * 10).rounded() / 10
        if m >= 10 { m /= 10; e += 1 }
        return String(format: "%.1f", m) + "e\(e)"
    }

    static func bytes(_ b: Double) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
        var v = b, i = 0
        while v >= 1024, i < units.count - 1 { v /= 1024; i += 1 }
        if i == units.count - 1 && v >= 1024 { return count(b) + " bytes" }
        return i == 0 ? "\(Int(v)) bytes" : String(format: "%.1f ", v) + units[i]
    }
}

extension TrafficRate {
    /// Every rate the source sends at, per second.
    var points: [Double] {
        switch self {
        case .constant(let r): return [r]
        case .profile(let pts): return pts.map(\.perSecond)
        }
    }
}

/// Values given on the command line in place of the file's. They are checked by the
/// same parser and limits as the file's own; a problem they cause is reported against
/// the flag (`error: --duration ...`).
public struct ScenarioOverrides: Sendable, Equatable {
    /// `--duration`, as typed (parsed with the scenario's duration syntax).
    public var duration: String?
    /// `--replications`.
    public var replications: Int?
    public init(duration: String? = nil, replications: Int? = nil) {
        self.duration = duration; self.replications = replications
    }
}

extension ScenarioParser {
    /// An error caused by a command-line value: no position in the file.
    func flagError(_ message: String) {
        diagnostics.append(Diagnostic(file: file, line: 0, column: 0, message: message))
    }

    /// Holds a complete scenario against `Limits`. `top` gives the positions of the
    /// top-level keys; values that came from the command line are blamed on their flag.
    func checkLimits(_ s: Scenario, top: Fields) {
        let fromFlag = (duration: overrides.duration != nil, replications: overrides.replications != nil)
        let durationWhere = fromFlag.duration ? "a run of" : "'duration'"
        func atDuration(_ message: String) {
            if fromFlag.duration { flagError("--duration \(overrides.duration ?? ""): \(message)") } else {
                error(top.keyPos("duration"), message)
            }
        }
        let durationText = String.duration(s.duration)

        // Windows: one row each of the time series, allocated before the run.
        let windows = Limits.windowCount(s)
        if windows > Limits.maxWindows {
            let least = (s.duration + SimTime(Limits.maxWindows) - 1) / SimTime(Limits.maxWindows)
            let message = "\(durationWhere) \(durationText) in windows of \(String.duration(s.window)) makes "
                + "\(Limits.count(Double(windows))) windows; at most \(Limits.maxWindows) "
                + "(each is a row of timeseries.csv): use window: \(String.duration(roundUpNicely(least))) or longer"
            if top.has("window"), !fromFlag.duration { error(top.keyPos("window"), message) } else { atDuration(message) }
        }

        // Instances.
        let instances = s.services.reduce(0) { $0 + $1.replicas }
        if instances > Limits.maxInstances {
            error(top.keyPos("services"), "the services run \(instances) instances in all (replicas summed); "
                + "at most \(Limits.maxInstances), about 1 KB each per simulation running at once")
        }

        // Results kept until the end: every topology and replication.
        let perRun = Limits.retainedBytesPerRun(s)
        let runs = Double(s.replications) * Double(s.topologies.count)
        if windows <= Limits.maxWindows, perRun * runs > Limits.maxRetainedBytes {
            let most = max(1, Int(Limits.maxRetainedBytes / (perRun * Double(s.topologies.count))))
            let message = "\(s.replications) replications of \(s.topologies.count) "
                + "topolog\(s.topologies.count == 1 ? "y" : "ies") keep about \(Limits.bytes(perRun * runs)) of "
                + "results until the end (\(Limits.bytes(perRun)) each); at most \(Limits.bytes(Limits.maxRetainedBytes)): "
                + "use at most \(most) replications"
            if fromFlag.replications {
                flagError("--replications \(s.replications): \(message)")
            } else if top.has("replications") {
                error(top.keyPos("replications"), message)
            } else {
                atDuration(message)
            }
        }

        // Work: root requests simulated, over every topology and replication.
        let arrivals = s.traffic.map { Limits.expectedArrivals($0, warmup: s.warmup, duration: s.duration) }
        let requests = arrivals.reduce(0, +) * runs
        if requests > Limits.maxRequests, let heaviest = arrivals.indices.max(by: { arrivals[$0] < arrivals[$1] }) {
            let src = s.traffic[heaviest]
            atDuration("this run would simulate about \(Limits.count(requests)) requests "
                + "(\(Limits.count(arrivals.reduce(0, +))) per topology and replication, most from '\(src.name)', "
                + "times \(s.topologies.count) topolog\(s.topologies.count == 1 ? "y" : "ies") and \(s.replications) "
                + "replication\(s.replications == 1 ? "" : "s")); at most \(Limits.count(Limits.maxRequests)): "
                + "shorten the run, lower the rates or run fewer replications")
        }

        // Open loops: the mean gap between arrivals must not round to 0 ns.
        for t in s.traffic where t.clients == nil && Limits.peakRate(t) > Limits.maxOpenLoopRate {
            error(Pos(line: t.line, column: t.column), "traffic source '\(t.name)' sends \(Limits.count(Limits.peakRate(t)))/s, "
                + "a mean gap below 1ns, the engine's step, which would round to 0 and stop the clock; "
                + "at most \(Limits.count(Limits.maxOpenLoopRate))/s per source")
        }

        // Closed loops: each client's pacing interval must not round to 0 ns.
        for t in s.traffic {
            guard let clients = t.clients else { continue }
            let perClient = Limits.peakRate(t) / Double(clients)
            let slowest = (t.rate.points.filter { $0 > 0 }.min() ?? 1) / Double(clients)
            if slowest < Units.minRate {
                error(Pos(line: t.line, column: t.column), "traffic source '\(t.name)' paces each of its \(clients) "
                    + "client\(clients == 1 ? "" : "s") at \(slowest)/s, less than one request per 31 years: "
                    + "use fewer clients or a higher rate")
            }
            if perClient > Limits.maxRatePerClient {
                error(Pos(line: t.line, column: t.column), "traffic source '\(t.name)' paces each of its \(clients) "
                    + "client\(clients == 1 ? "" : "s") at \(Limits.count(perClient))/s, an interval below 1ns; "
                    + "at most \(Limits.count(Limits.maxRatePerClient))/s per client: add clients or lower the rate")
            }
        }

        // Periodic work: health-check passes visit every instance.
        let run = Nanos.toSeconds(s.warmup + s.duration)
        var checks: [(interval: SimTime, where: String)] = []
        if let hc = s.policies.healthCheck { checks.append((hc.interval, "'policies'")) }
        for t in s.topologies {
            if let hc = t.policies?.healthCheck { checks.append((hc.interval, "topology '\(t.name)'")) }
            for p in [t.preset, t.gateway?.preset].compactMap({ $0 }) {
                if let hc = PresetRegistry.preset(named: p)?.policies.healthCheck {
                    checks.append((hc.interval, "preset '\(p)'"))
                }
            }
        }
        if let worst = checks.min(by: { $0.interval < $1.interval }), worst.interval > 0 {
            let passes = run / Nanos.toSeconds(worst.interval) * Double(instances)
            if passes > Limits.maxPeriodicWork {
                atDuration("health checks every \(String.duration(worst.interval)) (\(worst.where)) over "
                    + "\(String.duration(s.warmup + s.duration)) of \(instances) instance\(instances == 1 ? "" : "s") make about "
                    + "\(Limits.count(passes)) checks; at most \(Limits.count(Limits.maxPeriodicWork)): "
                    + "check less often or shorten the run")
            }
        }

        // The load balancer in front of gateway or ingress replicas checks them every 30 s by
        // default (Topology/Endpoints.swift) in runs with a fault that can stop one.
        if s.faults.contains(where: { [.gatewayDown, .nodeDown, .proxyCrash].contains($0.kind) }),
           let most = s.topologies.map(\.gatewayReplicaCount).max(), most > 0 {
            let passes = run / Limits.defaultLoadBalancerCheckSeconds * Double(most)
            if passes > Limits.maxPeriodicWork {
                atDuration("the load balancer in front of \(most) gateway replica\(most == 1 ? "" : "s") checks them every "
                    + "\(Int(Limits.defaultLoadBalancerCheckSeconds))s over \(String.duration(s.warmup + s.duration)): about "
                    + "\(Limits.count(passes)) checks; at most \(Limits.count(Limits.maxPeriodicWork)): "
                    + "set policies.health_check with a longer interval or shorten the run")
            }
        }

        // Certificate rotations: one per instance per rotation period.
        var certs: [CertificatePolicy] = []
        if let c = s.controlPlane.certificates { certs.append(c) }
        for t in s.topologies where t.kind != .none && t.kind != .gateway {
            if let p = t.preset, let c = PresetRegistry.preset(named: p)?.certificates { certs.append(c) }
        }
        if let c = certs.min(by: { Double($0.ttl) * $0.rotateAt < Double($1.ttl) * $1.rotateAt }) {
            let period = Double(c.ttl) * c.rotateAt
            let rotations = run * 1e9 / max(1, period) * Double(instances)
            if rotations > Limits.maxPeriodicWork {
                atDuration("certificates rotated every \(String.duration(SimTime(period))) over "
                    + "\(String.duration(s.warmup + s.duration)) of \(instances) instance\(instances == 1 ? "" : "s") make about "
                    + "\(Limits.count(rotations)) rotations; at most \(Limits.count(Limits.maxPeriodicWork)): "
                    + "use a longer 'ttl' or shorten the run")
            }
        }

        // Rate-limit token buckets: one per consumer and gateway replica, allocated at once.
        let rateLimited = s.policies.rateLimit != nil || s.topologies.contains { $0.policies?.rateLimit != nil }
        if rateLimited {
            let consumers = s.traffic.reduce(0) { $0 + max(1, $1.consumers) }
            let replicas = s.topologies.map(gatewayReplicas).max() ?? 1
            let buckets = Double(consumers) * Double(max(1, replicas))
            if buckets > Double(Limits.maxTokenBuckets) {
                error(top.keyPos("traffic"), "\(consumers) consumers behind \(replicas) gateway replicas need "
                    + "\(Limits.count(buckets)) rate-limit token buckets; at most \(Limits.count(Double(Limits.maxTokenBuckets)))")
            }
        }

        checkBacklog(s, runSeconds: run)
    }

    /// Overload is not an error (queues are bounded), but an unbounded or very large queue
    /// that receives more than its service can serve grows for the whole run: reject the
    /// file when what would be waiting at the end does not fit in memory.
    func checkBacklog(_ s: Scenario, runSeconds: Double) {
        // Open-loop arrivals per second reaching each service (closed loops hold at most
        // `clients` requests, so they cannot build a backlog).
        var visits = Array(repeating: 0.0, count: s.services.count)
        for t in s.traffic where t.clients == nil {
            visits[t.to] += Limits.expectedArrivals(t, warmup: s.warmup, duration: s.duration) / max(runSeconds, 1e-9)
        }
        // The call graph is acyclic (checked before); propagate in topological order.
        var order: [Int] = []
        var state = Array(repeating: 0, count: s.services.count)
        func visit(_ u: Int) {
            guard state[u] == 0 else { return }
            state[u] = 1
            for step in s.services[u].calls { for c in step.calls { visit(c.service) } }
            order.append(u)
        }
        for u in s.services.indices { visit(u) }
        for u in order.reversed() {
            for step in s.services[u].calls { for c in step.calls { visits[c.service] += visits[u] * c.probability } }
        }
        for (i, svc) in s.services.enumerated() {
            let mean = svc.serviceTime.mean / 1e9
            guard svc.workers != unlimited, mean > 0 else { continue }
            let capacity = Double(svc.replicas) * Double(svc.workers) / mean
            let excess = visits[i] - capacity
            guard excess > 0 else { continue }
            var waiting = excess * runSeconds
            if svc.queue != unlimited { waiting = min(waiting, Double(svc.replicas) * Double(svc.queue)) }
            let bytes = waiting * Limits.bytesPerWaitingRequest
            if bytes > Limits.maxBacklogBytes {
                error(Pos(line: svc.line, column: svc.column), "service '\(svc.name)' receives about "
                    + "\(Limits.count(visits[i]))/s but serves at most \(Limits.count(capacity))/s: about "
                    + "\(Limits.count(waiting)) requests (\(Limits.bytes(bytes))) would be waiting in its queue by the end; "
                    + "at most \(Limits.bytes(Limits.maxBacklogBytes)): bound 'queue', add replicas or workers, or lower the rate")
            }
        }
    }

    /// A duration a user would write, at or above `t`: 1, 2 or 5 times a power of ten of a unit.
    func roundUpNicely(_ t: SimTime) -> SimTime {
        var unit: SimTime = 1
        while true {
            for m: SimTime in [1, 2, 5] where m * unit >= t { return m * unit }
            let (next, overflow) = unit.multipliedReportingOverflow(by: 10)
            if overflow { return t }
            unit = next
        }
    }
}

extension ScenarioParser {
    /// `--duration` in place of the file's, parsed and bounded like the file's.
    func durationOverride(_ fromFile: SimTime?) -> SimTime? {
        guard let text = overrides.duration else { return fromFile }
        do {
            let d = try Units.duration(text)
            if d <= 0 { flagError("--duration \(text): the run must be longer than 0s"); return nil }
            return fromFile == nil ? nil : d
        } catch let e as UnitError {
            flagError("--duration: \(e.message)")
        } catch {
            flagError("--duration: \(error)")
        }
        return nil
    }

    /// How a message names the run's duration when `--duration` set it: the file's value it
    /// conflicts with keeps its position, and the message says where the duration came from
    /// (the file says something else).
    var durationSource: String { overrides.duration.map { ", from --duration \($0)" } ?? "" }

    /// `--replications` in place of the file's, within the file's range.
    func replicationsOverride(_ fromFile: Int?) -> Int? {
        guard let r = overrides.replications else { return fromFile }
        if r < 1 || r > Limits.maxReplications {
            flagError("--replications must be from 1 to \(Limits.maxReplications), not \(r)")
            return nil
        }
        return fromFile == nil ? nil : r
    }
}

extension ScenarioParser {
    /// A rotation period that rounds to (nearly) nothing would rotate forever at one instant.
    func checkRotationPeriod(_ c: CertificatePolicy, at pos: Pos) {
        let period = Double(c.ttl) * c.rotateAt
        if period < Double(Limits.minRotationPeriod) {
            error(pos, "certificates would be rotated every \(String(format: "%g", period))ns "
                + "('ttl' × 'rotate_at'); the period must be at least \(String.duration(Limits.minRotationPeriod))")
        }
    }
}
