import Calibration
import Foundation
import Scenario
import SimCore
import Topology

/// The mean of the values that exist (NaN, "no data", left out); NaN when none does.
func finiteMean(_ values: [Double]) -> Double {
    let v = values.filter(\.isFinite)
    return v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
}

extension Reports {
    // MARK: services.csv

    /// One row per topology and service: what its callers saw, over the measured period.
    /// `calls` are logical calls, `attempts` the tries that reached one of its instances
    /// (retries included), so attempts / calls is the retry amplification on that hop.
    /// Latency is of successful calls as the caller saw them; empty without one.
    /// With replications, every figure is the mean over replications.
    public static func servicesCSV(_ r: Runner.Result) -> String {
        var out = csvLine(["topology", "service", "calls", "attempts", "succeeded", "success_rate",
                           "errors_timeout", "errors_unavailable", "errors_refused", "errors_tls",
                           "errors_rate_limited", "errors_overflow", "p50_ms", "p99_ms", "utilization",
                           "critical_path_ms", "critical_path_share", "cross_zone_rps"])
        let s = r.scenario
        let countDecimals = s.replications > 1 ? 1 : 0
        for t in r.topologies {
            let cp = criticalTotals(t)
            let cpTotal = cp.time.prefix(HopKind.allCases.count).reduce(0, +)
            for (k, svc) in s.services.enumerated() {
                func mean(_ m: Metric) -> Double { finiteMean(t.runs.map { measureService(m, $0.services[k]) }) }
                var row = [t.spec.name, svc.name, fmt(mean(.calls), countDecimals), fmt(mean(.attempts), countDecimals),
                           fmt(mean(.succeeded), countDecimals), fmt(mean(.successRate), 6)]
                for c in [ErrorCause.timeout, .unavailable, .refused, .tls, .rateLimited, .overflow] {
                    row.append(fmt(mean(.errors(c)), countDecimals))
                }
                row += [fmt(mean(.p50), 3), fmt(mean(.p99), 3), fmt(mean(.utilization), 4)]
                // The service's own work on successful requests' critical path: what it costs end to end.
                let own = cp.time[HopKind.allCases.count + k]
                row += [fmt(cp.requests > 0 ? own / Double(cp.requests) / 1e6 : .nan, 4),
                        fmt(cpTotal > 0 ? own / cpTotal : .nan, 4)]
                // Zone crossings per second of the measured period: the traffic a cloud bills.
                // (The measured period is `duration`; the warm-up runs before it.)
                let seconds = Nanos.toSeconds(s.duration)
                row.append(fmt(mean(.crossZone) / seconds, 3))
                out += csvLine(row)
            }
        }
        return out
    }

    // MARK: proxies.csv

    /// The proxy roles in report order.
    static let roles: [HopKind] = [.sidecar, .gateway, .ingress, .nodeProxy, .waypoint, .eastWest]

    /// The 99th percentile of the wait for a worker over *every* traversal of the role,
    /// from the waits recorded (traversals that did not wait waited 0).
    static func queueP99(_ waits: LatencyStats, traversals: Int) -> Double {
        guard traversals > 0 else { return .nan }
        let waited = waits.count
        // At most 1% waited: the 99th percentile is a traversal that did not wait.
        guard Double(waited) > 0.01 * Double(traversals) else { return 0 }
        let q = 100 * (1 - 0.01 * Double(traversals) / Double(waited))
        return waits.percentile(max(0, min(100, q))) / 1e6
    }

    /// One row per topology and proxy role it has: instances, traversals, how busy and how
    /// queued its workers were, what its circuit breakers turned away, what its outlier
    /// detection ejected, and the most requests one proxy had in progress upstream.
    public static func proxiesCSV(_ r: Runner.Result) -> String {
        var out = csvLine(["topology", "role", "instances", "traversals", "utilization", "queue_p99_ms",
                           "overflows", "ejections", "connections_max", "cpu_cores_mean", "cpu_cores_max",
                           "memory_mb", "utilization_max"])
        let seconds = max(1e-9, Nanos.toSeconds(r.scenario.duration))
        let countDecimals = r.scenario.replications > 1 ? 1 : 0
        for t in r.topologies {
            for role in roles {
                let members = t.model.proxies.indices.filter { t.model.proxies[$0].hop == role }
                let instances = members.count
                guard instances > 0 else { continue }
                // One proxy's CPU: its passes in the measured period × its CPU per pass (half
                // its CPU per request), over the period; the busiest is what benchmarks that
                // report "the max of any single proxy" compare (linkerd.io 2021).
                func cores(_ m: TopologyMetrics, _ p: Int) -> Double {
                    Double(m.proxyPasses[p]) * t.model.proxies[p].profile.cpuPerRequest / 2 / seconds
                }
                let h = role.rawValue
                func mean(_ f: (TopologyMetrics) -> Double) -> Double { finiteMean(t.runs.map(f)) }
                out += csvLine([
                    t.spec.name, role.name, "\(instances)",
                    fmt(mean { Double($0.hops[h].traversals) }, countDecimals),
                    fmt(mean { $0.roles[h].utilization ?? .nan }, 4),
                    fmt(mean { queueP99($0.roles[h].queueWait, traversals: $0.hops[h].traversals) }, 3),
                    fmt(mean { Double($0.roles[h].overflows) }, countDecimals),
                    fmt(mean { Double($0.roles[h].ejections) }, countDecimals),
                    fmt(mean { Double($0.roles[h].connectionsMax) }, countDecimals),
                    fmt(mean { m in members.map { cores(m, $0) }.reduce(0, +) / Double(instances) }, 4),
                    fmt(mean { m in members.map { cores(m, $0) }.max() ?? 0 }, 4),
                    fmt(members.map { t.model.proxies[$0].profile.memoryMB }.reduce(0, +) / Double(instances), 1),
                    fmt(mean { $0.roles[h].utilizationMax ?? .nan }, 4),
                ])
            }
        }
        return out
    }
}
