import Calibration
import SimCore

/// A read-only view of a running simulation's processes, for drawings of the topology.
public struct InstanceStatus: Sendable, Equatable {
    public var up: Bool
    /// Not yet known to the proxies, or its sidecar not ready (startup race).
    public var starting: Bool
    /// Ejected by some caller's outlier detection (or marked down by its passive health
    /// checks), or out of the gateway's health-checked rotation.
    public var ejected: Bool
    public var certificateExpired: Bool
}

extension TopologySimulation {
    public var instanceStatus: [InstanceStatus] {
        let now = engine.now
        // Ejection is each caller's own view: an instance is shown ejected when any caller has it out.
        var ejected = Array(repeating: false, count: instances.count)
        for u in upstreams.indices {
            let first = Int(upstreams[u].firstHost)
            guard upstreams[u].hosts > 0 else { continue }
            let s = Int(upstreams[u].service)
            for k in 0..<Int(upstreams[u].hosts) where hostViews[first + k].ejectedUntil > now {
                ejected[model.serviceFirstInstance[s] + k] = true
            }
        }
        return instances.indices.map { i in
            let st = instances[i]
            return InstanceStatus(up: st.up, starting: st.knownAt > now || st.outboundBlockedUntil > now,
                           ejected: ejected[i] || st.hcDown,
                           certificateExpired: model.hasMesh && model.mtls == .strict && st.certExpires <= now)
        }
    }

    /// Whether each proxy of `model.proxies` is up.
    public var proxyUp: [Bool] { proxies.map(\.up) }

    public var controlPlaneReplicasUp: Int { controlPlaneUp }

    /// Measured seconds simulated so far (0 during the warm-up).
    public var measuredSeconds: Double { Nanos.toSeconds(max(0, engine.now - measureStart)) }
}
