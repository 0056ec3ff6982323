import Calibration
import Scenario
import SimCore
import Topology

/// A metric's value for one run, in report units: milliseconds for latencies,
/// 0...1 fractions, requests per second, plain counts.
public func measure(_ m: Metric, _ t: TopologyMetrics, scenario: Scenario, window: TimeWindow? = nil) -> Double {
    if let w = window { return measureWindow(m, t, scenario: scenario, window: w) }
    let seconds = Nanos.toSeconds(scenario.duration)
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
    }
}

/// The same over the windows that fall inside [start, end) of the measured period.
func measureWindow(_ m: Metric, _ t: TopologyMetrics, scenario: Scenario, window: TimeWindow) -> Double {
    var requests = 0, succeeded = 0, errors = 0
    var lat = LatencyStats(digits: .two)
    let width = scenario.window
    var covered: SimTime = 0
    for (i, w) in t.windows.windows.enumerated() {
        let ws = SimTime(i) * width, we = ws + width
        guard ws >= window.start && we <= window.end else { continue }
        covered += width
        requests += w.requests; succeeded += w.succeeded; errors += w.errors
        lat.merge(w.latency)
    }
    let seconds = max(1e-9, Nanos.toSeconds(covered))
    let rate = requests > 0 ? Double(succeeded) / Double(requests) : 1
    switch m {
    case .requests: return Double(requests)
    case .throughput: return Double(succeeded) / seconds
    case .successRate: return rate
    case .errorRate: return 1 - rate
    case .mean: return lat.mean / 1e6
    case .p50: return lat.p50 / 1e6
    case .p90: return lat.p90 / 1e6
    case .p99: return lat.p99 / 1e6
    case .p999: return lat.p999 / 1e6
    case .max: return lat.max / 1e6
    case .errors: return Double(errors) // per-cause counts are not kept per window
    case .proxies, .proxyMemoryMB, .proxyCPUCores, .hops:
        return measure(m, t, scenario: scenario)
    }
}

/// Mean over replications and its 95% confidence half-width.
public func summarize(_ m: Metric, _ r: Runner.TopologyResult, scenario: Scenario,
                      window: TimeWindow? = nil) -> ReplicationSummary {
    ReplicationSummary(r.runs.map { measure(m, $0, scenario: scenario, window: window) })
}
