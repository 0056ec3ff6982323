import Calibration

/// A key that is valid but cannot change anything in this scenario, where it is written.
public struct KeyNote: Sendable, Equatable {
    public var line: Int
    public var column: Int
    public var text: String
}

extension Scenario {
    /// Notes for balancing and connection keys that do nothing here (`topsim validate`
    /// prints them; docs/model.md, "L4 and L7 hops", says where each applies):
    /// - `locality: prefer-zone` in a one-zone cluster: every host is in the caller's zone; in
    ///   `none` (kube-proxy picks per connection at random) and, between pods, in a sidecar-less
    ///   mesh without a waypoint (ztunnel's L4 hops);
    /// - a traffic source's `connections:` when no topology reaches its service over an L4
    ///   hop (kube-proxy in `none`, a `gateway` topology's direct internal calls, a
    ///   sidecar-less mesh without a waypoint for internal calls): L7 proxies choose per
    ///   request, whatever the client's connections.
    public var connectionNotes: [KeyNote] {
        var out: [KeyNote] = []
        let libraries = services.contains { $0.policies?.locality == .preferZone }
        for t in topologies {
            let proxies = policies.overlaid(by: t.policies ?? Policies()).locality == .preferZone
            guard proxies || (libraries && t.kind == .none) else { continue }
            if cluster.zones.count < 2 {
                out.append(KeyNote(line: t.line, column: t.column,
                                   text: "locality: prefer-zone does nothing in topology '\(t.name)': the cluster has one zone"))
            } else if t.kind == .none {
                // kube-proxy picks a pod per connection, at random over every zone (L4).
                out.append(KeyNote(line: t.line, column: t.column,
                                   text: "locality: prefer-zone does nothing in topology '\(t.name)': kube-proxy picks "
                                       + "each connection's pod at random in every zone"))
            } else if t.kind == .sidecarless && !t.waypoint.isOn {
                out.append(KeyNote(line: t.line, column: t.column,
                                   text: "locality: prefer-zone acts only at the ingress in topology '\(t.name)': calls "
                                       + "between pods cross the node proxies' L4 hops, which pick a pod at random"))
            }
        }
        // A rate limit's window with the algorithm left to a preset that counts with a token
        // bucket (Envoy's local rate limit): the window is never read.
        for t in topologies where t.kind == .gateway || t.kind == .combined {
            guard let rl = policies.overlaid(by: t.policies ?? Policies()).rateLimit,
                  rl.window != nil, rl.algorithm == nil,
                  let name = t.gateway?.preset ?? t.preset,
                  PresetRegistry.preset(named: name)?.rateLimitAlgorithm == .tokenBucket else { continue }
            out.append(KeyNote(line: t.line, column: t.column,
                               text: "rate_limit's window does nothing in topology '\(t.name)': its preset (\(name)) "
                                   + "counts with a token bucket, which refills continuously"))
        }
        for src in traffic where src.connections != nil {
            let l4 = topologies.contains { t in
                switch t.kind {
                case .none: return true
                case .gateway: return src.from == .internal && t.internal == .direct
                case .sidecarless: return src.from == .internal && !t.waypoint.isOn
                case .sidecar, .combined: return false
                }
            }
            if !l4 {
                out.append(KeyNote(line: src.line, column: src.column,
                                   text: "connections does nothing for traffic '\(src.name)': every topology "
                                       + "balances its calls per request (L7), so no call is pinned to a connection's pod"))
            }
        }
        return out
    }
}
