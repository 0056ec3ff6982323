import Calibration
import SimCore

/// A read-only view of a running simulation's processes, for drawings of the topology.
public struct InstanceStatus: Sendable, Equatable {
    public var up: Bool
    /// Not yet known to the proxies, or its sidecar not ready (startup race).
    public var starting: Bool
    /// Ejected by outlier detection or out of the gateway's health-checked rotation.
    public var ejected: Bool
    public var certificateExpired: Bool
}

extension TopologySimulation {
    public var instanceStatus: [InstanceStatus] {
        let now = engine.now
        return instances.map { st in
            InstanceStatus(up: st.up, starting: st.knownAt > now || st.outboundBlockedUntil > now,
                           ejected: st.ejectedUntil > now || st.hcDown,
                           certificateExpired: model.hasMesh && model.mtls == .strict && st.certExpires <= now)
        }
    }

    /// Whether each proxy of `model.proxies` is up.
    public var proxyUp: [Bool] { proxies.map(\.up) }

    public var controlPlaneReplicasUp: Int { controlPlaneUp }

    /// Measured seconds simulated so far (0 during the warm-up).
    public var measuredSeconds: Double { Nanos.toSeconds(max(0, engine.now - measureStart)) }
}
