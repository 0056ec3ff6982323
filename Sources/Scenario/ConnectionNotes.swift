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
    /// - `locality: prefer-zone` in a one-zone cluster: every host is in the caller's zone;
    /// - a traffic source's `connections:` when no topology reaches its service over an L4
    ///   hop (kube-proxy in `none`, a `gateway` topology's direct internal calls, a
    ///   sidecar-less mesh without a waypoint for internal calls): L7 proxies choose per
    ///   request, whatever the client's connections.
    public var connectionNotes: [KeyNote] {
        var out: [KeyNote] = []
        if cluster.zones.count < 2 {
            for t in topologies where policies.overlaid(by: t.policies ?? Policies()).locality == .preferZone {
                out.append(KeyNote(line: t.line, column: t.column,
                                   text: "locality: prefer-zone does nothing in topology '\(t.name)': the cluster has one zone"))
            }
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
