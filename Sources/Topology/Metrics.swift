import Calibration
import Scenario
import SimCore

/// What one topology measured over the measured period (after warm-up).
public struct TopologyMetrics: Sendable {
    public struct Window: Sendable {
        public var requests = 0
        public var succeeded = 0
        public var errors = 0
        public var latency = LatencyStats(digits: .two)
        public var inFlight = 0
    }

    public struct HopStats: Sendable {
        public var traversals = 0
        public var latency = LatencyStats(digits: .two)
    }

    /// Root requests started in the measured period.
    public var started = 0
    /// Root requests finished in the measured period (succeeded or failed).
    public var requests = 0
    public var succeeded = 0
    public var errors: [Int] = Array(repeating: 0, count: ErrorCause.allCases.count)
    /// End-to-end latency of successful requests.
    public var latency = LatencyStats()
    public var hops: [HopStats] = HopKind.allCases.map { _ in HopStats() }
    public var proxyCPUSeconds = 0.0
    public var retries = 0
    public var ejections = 0
    public var windows: FixedWindows<Window>
    public var events: UInt64 = 0
    public var fingerprint = Fingerprint()
    public var simulatedUntil: SimTime = 0
    public let proxies: Int
    public let proxyMemoryMB: Double
    let windowCount: Int

    init(model: CompiledTopology, scenario: Scenario) {
        let n = Int((scenario.duration + scenario.window - 1) / scenario.window)
        windowCount = n
        windows = FixedWindows(origin: scenario.warmup, width: scenario.window, count: n) { Window() }
        proxies = model.proxyCount
        proxyMemoryMB = model.proxyMemoryMB
    }

    @inline(__always)
    mutating func hop(_ kind: HopKind, _ d: SimTime, measuring: Bool) {
        guard measuring else { return }
        hops[kind.rawValue].traversals += 1
        hops[kind.rawValue].latency.record(d)
    }

    mutating func record(start: SimTime, end: SimTime, failure: Failure, measureStart: SimTime) {
        requests += 1
        let ok = failure == .none
        if ok {
            succeeded += 1
            latency.record(end - start)
        } else {
            errors[ErrorCause.allCases.firstIndex(of: failure.cause)!] += 1
        }
        windows.update(at: end) { w in
            w.requests += 1
            if ok { w.succeeded += 1; w.latency.record(end - start) } else { w.errors += 1 }
        }
    }

    mutating func closeWindow(at t: SimTime, inFlight: Int, measureStart: SimTime) {
        windows.update(at: t - 1) { $0.inFlight = inFlight }
    }

    public func errorCount(_ c: ErrorCause) -> Int { errors[ErrorCause.allCases.firstIndex(of: c)!] }
    public var successRate: Double { requests > 0 ? Double(succeeded) / Double(requests) : 1 }

    /// Proxy traversals per request (each direction counts once).
    public var hopsPerRequest: Double {
        guard started > 0 else { return 0 }
        let n = HopKind.allCases.filter(\.isProxy).reduce(0) { $0 + hops[$1.rawValue].traversals }
        return Double(n) / Double(started)
    }
}
