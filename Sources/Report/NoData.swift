import Scenario
import SimCore
import Topology

// A statistic with no samples behind it is not a measurement: a success rate over zero
// requests reads as 100% and a p99 over zero latencies as 0 ms, so without this check a
// scenario in which nothing finished would pass `success_rate >= 99%` and `p99 < 60ms`.

/// Why `m` has no samples in this run (over `window` when given); nil when it has some.
/// Counts, throughput and proxy figures are always measured (zero is a value); rates
/// need a finished request, latencies a successful one.
public func missingData(_ m: Metric, _ t: TopologyMetrics, scenario: Scenario, window: TimeWindow? = nil) -> String? {
    var requests = t.requests, succeeded = t.succeeded
    if let w = window {
        if let iv = t.interval(w.start, w.end) {
            requests = iv.requests; succeeded = iv.succeeded
        } else {
            requests = 0; succeeded = 0
            for (i, win) in t.windows.windows.enumerated() {
                let ws = SimTime(i) * scenario.window
                guard ws >= w.start && ws + scenario.window <= w.end else { continue }
                requests += win.requests; succeeded += win.succeeded
            }
        }
    }
    func secs(_ t: SimTime) -> String {
        let s = Nanos.toSeconds(t)
        return (s == s.rounded() ? String(Int(s)) : fmt(s, 3)) + "s"
    }
    let span = window.map { " in [\(secs($0.start)), \(secs($0.end))]" } ?? ""
    switch m {
    case .successRate, .errorRate, .hops:
        return requests == 0 ? "no request finished\(span)" : nil
    case .mean, .p50, .p90, .p99, .p999, .max:
        return succeeded == 0 ? "no request succeeded\(span), so there is no latency to measure" : nil
    case .failedP50, .failedP99:
        return requests - succeeded == 0 ? "no request failed\(span), so there is no failure latency to measure" : nil
    case .requests, .throughput, .errors, .proxies, .proxyMemoryMB, .proxyCPUCores, .incomplete:
        return nil
    case .calls, .attempts, .succeeded, .utilization, .crossZone:
        return nil   // per service: checked by the caller against the service's own figures
    }
}

/// The first replication without samples for `m`, as a sentence; nil when every one has some.
public func missingData(_ m: Metric, _ r: Runner.TopologyResult, scenario: Scenario, window: TimeWindow? = nil) -> String? {
    let gaps = r.runs.compactMap { missingData(m, $0, scenario: scenario, window: window) }
    guard let first = gaps.first else { return nil }
    let reps = r.runs.count
    let which = reps == 1 ? "" : " (in \(gaps.count) of \(reps) replications)"
    return "no data: \(r.spec.name).\(m.name) has no samples: \(first)\(which)"
}
