import Calibration
import Scenario
import SimCore
import Topology

/// A metric's value for one run, in report units: milliseconds for latencies,
/// 0...1 fractions, requests per second, plain counts.
/// NaN where there is nothing to measure (no failed request for `failed_p99`, no
/// success for a latency, unlimited workers for `utilization`): reports print an empty
/// cell and a check on it fails. `service`: an index into the scenario's services.
public func measure(_ m: Metric, _ t: TopologyMetrics, scenario: Scenario, window: TimeWindow? = nil,
                    service: Int? = nil) -> Double {
    if let s = service { return measureService(m, t.services[s]) }
    if let w = window { return measureWindow(m, t, scenario: scenario, window: w) }
    let seconds = Nanos.toSeconds(scenario.duration)
    // No successful request: no latency (NaN), never 0.
    switch m {
    case .mean, .p50, .p90, .p99, .p999, .max: if t.latency.count == 0 { return .nan }
    default: break
    }
    switch m {
    case .requests: return Double(t.requests)
    case .throughput: return Double(t.succeeded) / seconds
    case .successRate: return t.successRate
    case .errorRate: return 1 - t.successRate
    case .mean: return t.latency.mean / 1e6
    case .p50: return t.latency.p50 / 1e6
    case .p90: return t.latency.p90 / 1e6
    case .p99: return t.latency.p99 / 1e6
    case .p999: return t.latency.p999 / 1e6
    case .max: return t.latency.max / 1e6
    case .errors(let c): return Double(t.errorCount(c))
    case .proxies: return Double(t.proxies)
    case .proxyMemoryMB: return t.proxyMemoryMB
    case .proxyCPUCores: return t.proxyCPUSeconds / seconds
    case .hops: return t.hopsPerRequest
    case .incomplete: return Double(t.incomplete)
    case .failedP50: return t.failedLatency.count > 0 ? t.failedLatency.p50 / 1e6 : .nan
    case .failedP99: return t.failedLatency.count > 0 ? t.failedLatency.p99 / 1e6 : .nan
    case .calls, .attempts, .succeeded, .utilization, .crossZone: return .nan   // per service only
    }
}

/// One service's figure (services.csv), in report units.
public func measureService(_ m: Metric, _ s: TopologyMetrics.ServiceStats) -> Double {
    let finished = s.succeeded + s.failed
    switch m {
    case .calls: return Double(s.calls)
    case .attempts: return Double(s.attempts)
    case .succeeded: return Double(s.succeeded)
    case .crossZone: return Double(s.crossZone)
    case .successRate: return finished > 0 ? Double(s.succeeded) / Double(finished) : .nan
    case .errorRate: return finished > 0 ? 1 - Double(s.succeeded) / Double(finished) : .nan
    case .p50: return s.latency.count > 0 ? s.latency.p50 / 1e6 : .nan
    case .p99: return s.latency.count > 0 ? s.latency.p99 / 1e6 : .nan
    case .utilization: return s.utilization ?? .nan
    case .errors(let c): return Double(s.errors[ErrorCause.allCases.firstIndex(of: c)!])
    default: return .nan
    }
}

/// The same over [start, end) of the measured period: exact where the interval was
/// registered before the run (every expectation window and fault is); otherwise from
/// the time series, where latency quantiles are the worst window's.
func measureWindow(_ m: Metric, _ t: TopologyMetrics, scenario: Scenario, window: TimeWindow) -> Double {
    var requests = 0, succeeded = 0, errors = [Int](repeating: 0, count: ErrorCause.allCases.count)
    var lat: LatencyStats?
    // Windows without a success have NaN quantiles: the worst is over those that have one.
    var worstP50 = Double.nan, worstP99 = Double.nan
    var covered: SimTime = window.end - window.start
    if let iv = t.interval(window.start, window.end) {
        requests = iv.requests; succeeded = iv.succeeded; errors = iv.errors; lat = iv.latency
    } else {
        covered = 0
        for (i, w) in t.windows.windows.enumerated() {
            let ws = SimTime(i) * scenario.window, we = ws + scenario.window
            guard ws >= window.start && we <= window.end else { continue }
            covered += scenario.window
            requests += w.requests; succeeded += w.succeeded
            errors[ErrorCause.allCases.firstIndex(of: .unavailable)!] += w.errors
            if w.p50.isFinite { worstP50 = worstP50.isNaN ? w.p50 : max(worstP50, w.p50) }
            if w.p99.isFinite { worstP99 = worstP99.isNaN ? w.p99 : max(worstP99, w.p99) }
        }
    }
    let seconds = max(1e-9, Nanos.toSeconds(covered))
    let rate = requests > 0 ? Double(succeeded) / Double(requests) : 1
    if let l = lat, l.count == 0 { lat = nil; worstP50 = .nan; worstP99 = .nan }
    func q(_ p: Double, _ fallback: Double) -> Double { (lat.map { $0.percentile(p) } ?? fallback) / 1e6 }
    switch m {
    case .requests: return Double(requests)
    case .throughput: return Double(succeeded) / seconds
    case .successRate: return rate
    case .errorRate: return 1 - rate
    case .mean: return (lat?.mean ?? worstP50) / 1e6
    case .p50: return q(50, worstP50)
    case .p90: return q(90, worstP99)
    case .p99: return q(99, worstP99)
    case .p999: return q(99.9, worstP99)
    case .max: return (lat?.max ?? worstP99) / 1e6
    case .errors(let c): return Double(errors[ErrorCause.allCases.firstIndex(of: c)!])
    case .failedP50, .failedP99:
        guard let iv = t.interval(window.start, window.end) else { return .nan }
        guard iv.failedLatency.count > 0 else { return .nan }
        return (m == .failedP50 ? iv.failedLatency.p50 : iv.failedLatency.p99) / 1e6
    case .proxies, .proxyMemoryMB, .proxyCPUCores, .hops, .incomplete, .calls, .attempts, .succeeded, .utilization, .crossZone:
        return measure(m, t, scenario: scenario)
    }
}

/// Mean over replications and its 95% confidence half-width.
public func summarize(_ m: Metric, _ r: Runner.TopologyResult, scenario: Scenario,
                      window: TimeWindow? = nil, service: Int? = nil) -> ReplicationSummary {
    ReplicationSummary(r.runs.map { measure(m, $0, scenario: scenario, window: window, service: service) })
}
