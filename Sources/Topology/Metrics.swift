import Calibration
import Scenario
import SimCore

/// What one topology measured over the measured period (after warm-up).
public struct TopologyMetrics: Sendable {
    /// One window of the time series: counts, and quantiles computed when it closes,
    /// so that memory per window is a few words whatever the traffic.
    public struct Window: Sendable {
        public var requests = 0
        public var succeeded = 0
        public var errors = 0
        /// Quantiles of the window's successful requests, nanoseconds; NaN without one.
        public var p50: Double = .nan
        public var p99: Double = .nan
        public var inFlight = 0
        /// Calls at any depth that failed after their retries (a dependency's failure the
        /// root request may still survive).
        public var callFailures = 0
    }

    /// Exact statistics over a fixed interval of the measured period (expectation
    /// windows and fault durations), registered before the run.
    public struct Interval: Sendable {
        public var start: SimTime
        public var end: SimTime
        public var requests = 0
        public var succeeded = 0
        public var errors: [Int] = Array(repeating: 0, count: ErrorCause.allCases.count)
        public var latency = LatencyStats(digits: .two)
        /// How long the failed requests took to fail.
        public var failedLatency = LatencyStats()
        /// Per traffic source: requests and successes.
        public var sourceRequests: [Int]
        public var sourceSucceeded: [Int]
        init(start: SimTime, end: SimTime, sources: Int) {
            self.start = start; self.end = end
            sourceRequests = Array(repeating: 0, count: sources)
            sourceSucceeded = Array(repeating: 0, count: sources)
        }
    }

    public struct HopStats: Sendable {
        /// Traversals that took time (their durations are in `latency`).
        public var timed = 0
        /// Traversals that took none (a zero-latency wire): counted, not recorded.
        public var zeroTraversals = 0
        public var latency = LatencyStats(digits: .two)
        public var traversals: Int { timed + zeroTraversals }
        /// Mean over every traversal, zero ones included.
        public var mean: Double { traversals > 0 ? latency.mean * Double(timed) / Double(traversals) : 0 }
    }

    /// One service's figures as its callers saw them (services.csv).
    public struct ServiceStats: Sendable {
        /// Logical calls made to the service (a root request or a call from another service).
        public var calls = 0
        /// Tries that reached one of its instances' apps (retries included).
        public var attempts = 0
        public var succeeded = 0
        /// Requests that crossed a zone boundary on their way to one of its instances (each
        /// crossing counted: cross-zone traffic is billed per crossing).
        public var crossZone = 0
        public var errors: [Int] = Array(repeating: 0, count: ErrorCause.allCases.count)
        /// Latency of successful calls, as the caller saw it (every try and back-off included).
        public var latency = LatencyStats(digits: .two)
        /// Busy share of the instances' workers over the measured period (nil: unlimited workers).
        public var utilization: Double?
        public var failed: Int { errors.reduce(0, +) }
    }

    /// One proxy role's figures (proxies.csv).
    public struct RoleStats: Sendable {
        /// Requests turned away: circuit-breaker overflows at this role's proxies and full queues.
        public var overflows = 0
        /// Retries not made because the retry budget or `max_retries` was used up.
        public var retryOverflows = 0
        /// Hosts ejected (outlier detection) or marked down (NGINX passive health) by this role.
        public var ejections = 0
        /// Most requests one proxy of this role had in progress upstream at once (HTTP/1.1: connections).
        public var connectionsMax = 0
        /// Time waited for a worker of this role.
        public var queueWait = LatencyStats(digits: .two)
        /// Busy share of the role's workers (nil: unlimited workers or no such proxy).
        public var utilization: Double?
        /// Busy share of the workers of the role's busiest proxy: the one that saturates first.
        public var utilizationMax: Double?
    }

    /// Root requests started in the measured period.
    public var started = 0
    /// Pooled L4 client connections opened (or re-opened after their pod went away) in the
    /// measured period (Connections.swift).
    public var connectionsOpened = 0
    /// Mesh connections opened between proxies in the measured period, each a TCP handshake
    /// and, under mTLS, a TLS one (MeshConnections.swift).
    public var handshakes = 0
    /// Root requests started in the measured period and still in flight when it ended.
    public var incomplete = 0
    /// Per service (indexed like the scenario's). The latency of the service every traffic
    /// source sends to is complete once the run has ended; `serviceStats(_:)` while it runs.
    public var services: [ServiceStats]
    /// Per proxy role, indexed by `HopKind.rawValue`.
    public var roles: [RoleStats] = HopKind.allCases.map { _ in RoleStats() }
    /// How long failed root requests took to fail (fail-fast vs fail-slow).
    public var failedLatency = LatencyStats()
    /// Time on the critical path of the measured successful root requests, summed, in
    /// nanoseconds: per `HopKind` (by raw value), then per service (its own app time).
    /// Each request's categories add up to its latency (CriticalPath.swift).
    public var criticalPath: [SimTime]
    /// Successful root requests whose critical path is in `criticalPath`.
    public var criticalPathRequests = 0
    /// Spans and access-log records (only when tracing is enabled).
    public var trace = TraceLog()
    /// Root requests finished in the measured period (succeeded or failed).
    public var requests = 0
    public var succeeded = 0
    public var errors: [Int] = Array(repeating: 0, count: ErrorCause.allCases.count)
    /// End-to-end latency of successful requests.
    public var latency = LatencyStats()
    /// The service every traffic source sends to (-1 when there are several). Its
    /// successful root calls are exactly the requests in `latency` (same calls, same
    /// start and end): recorded once, there, and folded into the service's own latency
    /// whenever a run stops (`foldRootLatency`), one HDR record fewer per request.
    let rootService: Int
    /// `rootService`'s other successful calls (from its callers, not the traffic sources').
    var rootServiceOtherLatency = LatencyStats(digits: .two)
    /// Successful calls' latencies on their way into their service's histogram, in the order
    /// the calls finished: written to `services[s].latency` when `serviceLatencyBatch` have
    /// gathered and whenever a run stops (`drainServiceLatency`), so `services` is complete
    /// whenever `TopologySimulation.run(until:)` has returned. Why: with many services each
    /// record lands in a different histogram whose lines have left the cache since its
    /// last one (three misses: its row, the counts' header, the count); drained together,
    /// the batch's histograms stay in cache and the misses overlap (issue 18's 1,000-service
    /// tree). Each histogram gets its values in the same order, so its sum, counts and
    /// extremes are the same to the bit.
    var pendingServiceLatency: [PendingLatency] = []
    /// How many pending records a drain waits for: 4,096 × 16 bytes = 64 KiB, well inside L2.
    static let serviceLatencyBatch = 4_096

    struct PendingLatency {
        var service: Int
        var nanos: SimTime
    }
    public var hops: [HopStats] = HopKind.allCases.map { _ in HopStats() }
    public var proxyCPUSeconds = 0.0
    /// Passes (one direction through a proxy) per proxy process, indexed like the compiled
    /// model's `proxies`, in the measured period: each proxy's CPU is its passes × its
    /// CPU per pass (proxies.csv's per-proxy CPU).
    public var proxyPasses: [Int]
    /// Calls at any depth that failed after their retries.
    public var callFailures = 0
    public var ejections = 0
    public var windows: FixedWindows<Window>
    /// The open window's latencies; summarised into `windows` when it closes. A
    /// `WindowLatency`, not a `LatencyStats`: closing a window costs what its requests
    /// touched, not a scan and a clear of a whole histogram (issue 18).
    var current = WindowLatency()

    /// How far back the dashboard's "recent" figures look (health, success, p50 and p99):
    /// 10 simulated seconds (the reasoning is at LiveModel's ModelSource.recentSpanSeconds).
    public static let recentSpan: SimTime = 10_000_000_000
    /// Closed windows the recent span covers for a window width: at least one, and at most
    /// `maxRecentWindows` (windows under 1 s then cover less than 10 s).
    public static func recentWindows(window: SimTime) -> Int {
        min(maxRecentWindows, max(1, Int((Double(recentSpan) / Double(max(1, window))).rounded())))
    }
    /// Each kept window is a `WindowLatency` with the buckets of a 2-digit HDR histogram
    /// (~18 KB of counters for the 1 ns..1 h range): 10 of them per run stay inside
    /// Limits.bytesPerRunBase's margin (0.7 MB measured, 1.5 MB allowed).
    public static let maxRecentWindows = 10
    /// The latencies of the last closed windows (the oldest slot is reused first),
    /// kept so that quantiles over the recent span are exact merges, not averages of
    /// per-window quantiles. Filled by swapping with `current` when a window closes: no
    /// copy and no allocation per event, one set of counters allocated per slot, once.
    var recentWindowLatency: [WindowLatency] = []
    /// The window index held by each slot of `recentWindowLatency`.
    var recentWindowIndex: [Int] = []
    let recentCapacity: Int
    public var intervals: [Interval] = []
    public var events: UInt64 = 0
    public var fingerprint = Fingerprint()
    public var simulatedUntil: SimTime = 0
    /// Proxies running (at the end of what has run: an `inject` adds sidecars as it goes).
    public internal(set) var proxies: Int
    public internal(set) var proxyMemoryMB: Double
    let windowCount: Int

    init(model: CompiledTopology, scenario: Scenario) {
        let n = Int((scenario.duration + scenario.window - 1) / scenario.window)
        windowCount = n
        recentCapacity = Self.recentWindows(window: scenario.window)
        windows = FixedWindows(origin: scenario.warmup, width: scenario.window, count: n) { Window() }
        proxies = model.proxyCount
        proxyMemoryMB = model.proxyMemoryMB
        proxyPasses = Array(repeating: 0, count: model.proxies.count)
        services = scenario.services.map { _ in ServiceStats() }
        let targets = Set(scenario.traffic.map(\.to))
        rootService = targets.count == 1 ? targets.first! : -1
        criticalPath = Array(repeating: 0, count: HopKind.allCases.count + scenario.services.count)
        var spans: [(SimTime, SimTime)] = scenario.expectations.compactMap { e in e.window.map { ($0.start, $0.end) } }
        spans += scenario.faults.map { f in (f.at, max(f.end(runDuration: scenario.duration), f.at + scenario.window)) }
        for (a, b) in spans where !intervals.contains(where: { $0.start == a && $0.end == b }) {
            intervals.append(Interval(start: a, end: b, sources: scenario.traffic.count))
        }
    }

    public func interval(_ start: SimTime, _ end: SimTime) -> Interval? {
        intervals.first { $0.start == start && $0.end == end }
    }

    @inline(__always)
    mutating func hop(_ kind: HopKind, _ d: SimTime, measuring: Bool) {
        guard measuring else { return }
        if d == 0 {
            hops[kind.rawValue].zeroTraversals += 1
        } else {
            hops[kind.rawValue].timed += 1
            hops[kind.rawValue].latency.record(d)
        }
    }

    /// A call to service `s` is over (its caller has the answer). `inRequestLatency`: it is a
    /// root call that `record` counts as a successful request (its latency is that one).
    mutating func finishedCall(service s: Int, failure: Failure, ok: Bool, latency: SimTime, inRequestLatency: Bool) {
        if ok {
            services[s].succeeded += 1
            if s != rootService {
                pendingServiceLatency.append(PendingLatency(service: s, nanos: latency))
                if pendingServiceLatency.count >= Self.serviceLatencyBatch { drainServiceLatency() }
            } else if !inRequestLatency {
                rootServiceOtherLatency.record(latency)
            }
        } else {
            services[s].errors[ErrorCause.allCases.firstIndex(of: failure.cause)!] += 1
        }
    }

    /// Records the pending successful calls' latencies into their services' histograms.
    mutating func drainServiceLatency() {
        guard !pendingServiceLatency.isEmpty else { return }
        services.withUnsafeMutableBufferPointer { rows in
            for p in pendingServiceLatency { rows[p.service].latency.record(p.nanos) }
        }
        pendingServiceLatency.removeAll(keepingCapacity: true)
    }

    mutating func callFailed(at t: SimTime) {
        callFailures += 1
        windows.update(at: t) { $0.callFailures += 1 }
    }

    mutating func record(start: SimTime, end: SimTime, failure: Failure, source: Int, measureStart: SimTime) {
        requests += 1
        let ok = failure == .none
        let cause = ok ? 0 : ErrorCause.allCases.firstIndex(of: failure.cause)!
        if ok {
            succeeded += 1
            latency.record(end - start)
            current.record(end - start)
        } else {
            errors[cause] += 1
            failedLatency.record(end - start)
        }
        windows.update(at: end) { w in
            w.requests += 1
            if ok { w.succeeded += 1 } else { w.errors += 1 }
        }
        let t = end - measureStart
        for k in intervals.indices where t >= intervals[k].start && t < intervals[k].end {
            intervals[k].requests += 1
            intervals[k].sourceRequests[source] += 1
            if ok {
                intervals[k].sourceSucceeded[source] += 1
                intervals[k].succeeded += 1
                intervals[k].latency.record(end - start)
            } else {
                intervals[k].errors[cause] += 1
                intervals[k].failedLatency.record(end - start)
            }
        }
    }

    /// `rootService`'s latency: its other calls' plus the requests' (`latency`, the same
    /// values; 3 digits folded into 2 exactly, `LatencyStats.merge(coarsening:)`). Done when
    /// the run ends (idempotent); while it runs, `serviceStats(_:)` folds a copy.
    mutating func foldRootLatency() {
        guard rootService >= 0 else { return }
        services[rootService] = serviceStats(rootService)
    }

    /// Service `k`'s figures with its latency complete, also while a run is under way
    /// (`services[k]` is, for the service every source sends to, once the run has ended).
    public func serviceStats(_ k: Int) -> ServiceStats {
        guard k == rootService else { return services[k] }
        var s = services[k]
        var l = rootServiceOtherLatency
        l.merge(coarsening: latency)
        s.latency = l
        return s
    }

    mutating func closeWindow(at t: SimTime, inFlight: Int, measureStart: SimTime) {
        // A window in which nothing succeeded has no latency (NaN: an empty cell), not 0.
        var (p50, p99) = (Double.nan, Double.nan)
        if current.count > 0 {
            (p50, p99) = (current.percentile(50), current.percentile(99))
        }
        windows.update(at: t - 1) { w in
            w.inFlight = inFlight
            w.p50 = p50
            w.p99 = p99
        }
        guard let index = windows.index(of: t - 1) else {
            current.reset()
            return
        }
        // Keep the closed window's histogram in the ring; the slot's old one, emptied, is
        // the next window's (the first `recentCapacity` windows allocate their slot).
        if recentWindowLatency.count < recentCapacity {
            recentWindowLatency.append(current)
            recentWindowIndex.append(index)
            current = WindowLatency()
        } else {
            // The oldest window's slot (a linear look over at most maxRecentWindows).
            var slot = 0
            for k in recentWindowIndex.indices where recentWindowIndex[k] < recentWindowIndex[slot] { slot = k }
            swap(&recentWindowLatency[slot], &current)
            recentWindowIndex[slot] = index
            current.reset()
        }
    }

    /// Sheds what only a run in progress needs, for a run kept among many replications
    /// (Runner): the open window and the ring of recent windows (the dashboard's, which
    /// reads a live simulation, not a finished run: `recentLatency` of a compacted run is
    /// empty), and every histogram's dense counters: each is packed to a few bytes per
    /// non-empty bucket (`LatencyStats.shrink`, `PackedLatency`). Every figure the reports
    /// read is unchanged, to the bit.
    public mutating func compactForStorage() {
        drainServiceLatency()
        pendingServiceLatency = []
        current = WindowLatency()
        recentWindowLatency = []
        recentWindowIndex = []
        latency.shrink()
        failedLatency.shrink()
        rootServiceOtherLatency.shrink()
        for h in hops.indices { hops[h].latency.shrink() }
        for s in services.indices { services[s].latency.shrink() }
        for r in roles.indices { roles[r].queueWait.shrink() }
        for k in intervals.indices {
            intervals[k].latency.shrink()
            intervals[k].failedLatency.shrink()
        }
    }

    /// Latency of the successful requests that finished in the windows of `range` (indices
    /// into `windows`) still kept in the ring of recent windows (the last
    /// `recentWindows(window:)` closed ones), merged; windows not kept are left out.
    public func recentLatency(windows range: Range<Int>) -> LatencyStats {
        var merged = LatencyStats(digits: .two)
        for (slot, w) in recentWindowIndex.enumerated() where range.contains(w) {
            merged.merge(recentWindowLatency[slot])
        }
        return merged
    }

    public func errorCount(_ c: ErrorCause) -> Int { errors[ErrorCause.allCases.firstIndex(of: c)!] }
    public var successRate: Double { requests > 0 ? Double(succeeded) / Double(requests) : 1 }

    /// Proxy traversals made for the measured requests, counted per root request
    /// (each direction counts once, every call of the tree included).
    public var rootHops = 0

    /// Proxy traversals per finished request: exact for the requests measured.
    public var hopsPerRequest: Double {
        requests > 0 ? Double(rootHops) / Double(requests) : 0
    }
}
