import Calibration
import Scenario
import SimCore

/// Compile-time problems the scenario validator could not see (a preset that lacks a role).
public struct TopologyError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// One scenario topology compiled into flat arrays: integer ids, value types,
/// nothing the hot path has to look up by name (Ciw's "network as data").
public struct CompiledTopology: Sendable {
    public struct InstanceInfo: Sendable {
        public var service: Int
        public var index: Int
        public var node: Int
        /// Sidecar proxy id, or -1.
        public var sidecar: Int
    }

    public struct ProxyInfo: Sendable {
        public var hop: HopKind
        public var node: Int
        public var profile: ProxyProfile
        /// Sidecars: the instance (or -1 - client pod) it belongs to; shared proxies: replica index.
        public var owner: Int
    }

    public var name: String
    public var kind: TopologyKind
    public var spec: TopologySpec
    public var instances: [InstanceInfo] = []
    /// First instance id of each service; instances of a service are contiguous.
    public var serviceFirstInstance: [Int] = []
    public var proxies: [ProxyInfo] = []
    /// Node of each internal traffic source's client pod (-1 for external sources).
    public var clientNode: [Int] = []
    /// Sidecar of each client pod (-1 when none).
    public var clientSidecar: [Int] = []
    public var nodeProxy: [Int] = []      // per node, sidecar-less
    public var gatewayReplicas: [Int] = [] // hub/edge gateway
    public var ingressReplicas: [Int] = [] // a mesh's own ingress
    public var waypointReplicas: [Int] = []
    public var eastWest: [[Int]] = []      // per cluster
    var meshPolicy = CompiledPolicy()
    var gatewayPolicy = CompiledPolicy()
    /// `none` and direct calls: each service's client library.
    var clientPolicy: [CompiledPolicy] = []
    /// Internal traffic sources' client library.
    var defaultClientPolicy = CompiledPolicy()
    public var rateLimit: RateLimit?
    public var healthCheck: HealthCheck?
    public var throttle: RateLimit?
    public var maxTimeout: SimTime?
    public var mtls: MTLSMode = .off
    public var certificates: CertificatePolicy?
    /// How the mesh's proxies pool their connections to each other (nil: not modelled).
    public var meshConnections: MeshConnections?
    public var holdApplication = false
    public var controlPlaneReplicas = 1
    /// How long an endpoint change takes to reach the mesh's proxies
    /// (`control_plane.push_delay`); `defaultPushDelay` when the scenario does not say.
    public var pushDelay = CompiledTopology.defaultPushDelay
    /// A mesh's endpoint propagation when the scenario sets no `push_delay`: 1 s, kube-proxy's
    /// (`TopologySimulation.kubeProxyPropagation`), the figure the `none` and `gateway`
    /// topologies get. assumption: no preset calibrates a control plane's push (istiod waits at
    /// least its 100 ms debounce, `PILOT_DEBOUNCE_AFTER`, https://istio.io/latest/docs/reference/commands/pilot-discovery/;
    /// Airbnb measured a p90 convergence of 1.5 s on Istio 1.11 at their scale,
    /// https://medium.com/airbnb-engineering/improving-istio-propagation-delay-d4da9b5b9f90),
    /// so a mesh is given the same delay as the baseline rather than none at all: 0 (what it
    /// was) made every mesh stop sending to a crashed or terminated pod at once, which no
    /// real control plane does, and hid the refusals `none` shows (a comparison biased in the
    /// meshes' favour).
    public static let defaultPushDelay = Distribution.constant(Double(TopologySimulation.kubeProxyPropagation))
    /// Whether the mesh (sidecars or a waypoint) applies L7 policy to internal calls.
    public var meshL7: Bool = false

    /// Per instance: in the mesh from the start (a mesh topology and the service's `mesh:`).
    /// Every instance of a sidecar kind gets its sidecar compiled, so that an `inject` can
    /// add it; one that is not meshed has none yet (Adoption.swift).
    public var meshedAtStart: [Bool] = []

    public var hasMesh: Bool { kind == .sidecar || kind == .combined || kind == .sidecarless }
    /// Proxies running from the start: sidecars of pods outside the mesh are not.
    public var proxyCount: Int { proxies.indices.reduce(0) { $0 + (runsFromStart($1) ? 1 : 0) } }
    public var proxyMemoryMB: Double {
        proxies.indices.reduce(0) { $0 + (runsFromStart($1) ? proxies[$1].profile.memoryMB : 0) }
    }

    /// Whether proxy `p` exists from the start: anything but the sidecar of a plain pod.
    public func runsFromStart(_ p: Int) -> Bool {
        let info = proxies[p]
        return info.hop != .sidecar || info.owner < 0 || meshedAtStart[info.owner]
    }

    public init(scenario: Scenario, topology t: TopologySpec) throws {
        name = t.name
        kind = t.kind
        spec = t
        let cluster = scenario.cluster

        func preset(_ n: String?) throws -> Preset? {
            guard let n else { return nil }
            guard let p = PresetRegistry.preset(named: n) else {
                throw TopologyError(description: "topology '\(t.name)': unknown preset '\(n)'")
            }
            return p
        }
        func need(_ p: ProxyProfile?, _ role: String, _ pr: Preset?) throws -> ProxyProfile {
            guard let p else {
                throw TopologyError(description: "topology '\(t.name)': preset '\(pr?.name ?? "-")' has no \(role) values")
            }
            return p
        }

        // Presets: the main one (mesh, gateway or ambient) and, for combined, the edge gateway's.
        let main = try preset(t.kind == .combined ? (t.mesh?.preset ?? t.preset) : t.preset)
        let edge = try preset(t.kind == .combined ? t.gateway?.preset : (t.kind == .gateway ? t.preset : nil))

        // Policies: preset defaults <- scenario <- topology.
        let scenarioPolicies = scenario.policies.overlaid(by: t.policies ?? Policies())
        let meshPolicies = (main?.policies ?? Policies()).overlaid(by: scenarioPolicies)
        let edgePolicies = (edge?.policies ?? Policies()).overlaid(by: scenarioPolicies)
        // Client libraries time out and retry; they do not eject hosts.
        clientPolicy = scenario.services.map { s in
            var p = scenarioPolicies.overlaid(by: s.policies ?? Policies())
            p.outlierDetection = nil
            return CompiledPolicy(p)
        }
        var library = scenarioPolicies
        library.outlierDetection = nil
        defaultClientPolicy = CompiledPolicy(library)

        // Instances, spread over nodes starting at a per-service offset.
        let nodes = max(1, cluster.nodes)
        for (si, s) in scenario.services.enumerated() {
            serviceFirstInstance.append(instances.count)
            for k in 0..<s.replicas {
                var node = (si + k) % nodes
                if let c = s.cluster, cluster.clusters > 1 {
                    // Keep the pod on a node of its cluster.
                    while cluster.clusterIndex(ofNode: node) != c { node = (node + 1) % nodes }
                }
                instances.append(InstanceInfo(service: si, index: k, node: node, sidecar: -1))
            }
        }
        serviceFirstInstance.append(instances.count)
        meshedAtStart = instances.map { t.kind == .sidecar || t.kind == .combined || t.kind == .sidecarless
            ? scenario.services[$0.service].mesh : false }
        clientNode = scenario.traffic.enumerated().map { i, src in src.from == .internal ? i % nodes : -1 }
        clientSidecar = Array(repeating: -1, count: scenario.traffic.count)

        func addProxy(_ hop: HopKind, node: Int, _ profile: ProxyProfile, owner: Int) -> Int {
            proxies.append(ProxyInfo(hop: hop, node: node, profile: profile, owner: owner))
            return proxies.count - 1
        }
        func sharedReplicas(_ hop: HopKind, _ profile: ProxyProfile) -> [Int] {
            // Shared proxies sit on the last nodes, away from the first services' pods.
            (0..<max(1, profile.replicas)).map { r in
                addProxy(hop, node: (nodes - 1 - r % nodes + nodes) % nodes, profile, owner: r)
            }
        }

        // The hub (gateway) or edge (combined) gateway and what it enforces.
        func setUpGateway() throws {
            var gw = try need(edge?.gateway, "gateway", edge).applying(t.gateway?.overrides ?? ProxyOverrides())
            if let r = t.replicas { gw.replicas = r }
            gatewayReplicas = sharedReplicas(.gateway, gw)
            gatewayPolicy = CompiledPolicy(edgePolicies, panicDefault: edge?.healthyPanicThreshold ?? 0.5)
            rateLimit = edgePolicies.rateLimit.map { rl in
                var rl = rl
                rl.algorithm = rl.algorithm ?? edge?.rateLimitAlgorithm ?? .tokenBucket
                return rl
            }
            healthCheck = edgePolicies.healthCheck
            throttle = edge?.throttle
            maxTimeout = edge?.maxTimeout
        }

        switch t.kind {
        case .none:
            break
        case .gateway:
            try setUpGateway()
        case .sidecar, .combined, .sidecarless:
            let overrides = (t.kind == .combined ? t.mesh?.proxy : nil) ?? t.proxy ?? ProxyOverrides()
            let proxy = try need(main?.proxy, t.kind == .sidecarless ? "node proxy" : "sidecar", main).applying(overrides)
            if t.kind == .sidecarless {
                nodeProxy = (0..<nodes).map { addProxy(.nodeProxy, node: $0, proxy, owner: $0) }
                if case .on(let o) = t.waypoint {
                    let wp = try need(main?.waypoint, "waypoint", main).applying(o)
                    waypointReplicas = sharedReplicas(.waypoint, wp)
                }
                meshL7 = t.waypoint.isOn
            } else {
                for i in instances.indices {
                    instances[i].sidecar = addProxy(.sidecar, node: instances[i].node, proxy, owner: i)
                }
                for (k, n) in clientNode.enumerated() where n >= 0 {
                    clientSidecar[k] = addProxy(.sidecar, node: n, proxy, owner: -1 - k)
                }
                meshL7 = true
            }
            if t.kind == .combined {
                try setUpGateway()
            } else {
                let ing = try need(main?.gateway, "ingress gateway", main).applying(t.ingress ?? ProxyOverrides())
                ingressReplicas = sharedReplicas(.ingress, ing)
            }
            meshPolicy = CompiledPolicy(meshPolicies, l7: meshL7, panicDefault: main?.healthyPanicThreshold ?? 0.5)
            mtls = (t.kind == .combined ? t.mesh?.mtls : nil) ?? t.mtls ?? .permissive
            certificates = scenario.controlPlane.certificates ?? main?.certificates
            meshConnections = main?.meshConnections
            holdApplication = t.holdApplicationUntilProxyStarts ?? main?.holdApplicationUntilProxyStarts ?? false
        }
        if cluster.clusters > 1 {
            // East-west gateways: one deployment per cluster, Istio multi-primary style.
            let base = main?.gateway ?? edge?.gateway ?? ProxyProfile(
                latency: .constant(300_000), workers: 64, replicas: 1, cpuPerRequest: 0.0002, memoryMB: 100)
            let ew = base.applying(cluster.eastWest ?? ProxyOverrides())
            eastWest = (0..<cluster.clusters).map { c in
                (0..<max(1, ew.replicas)).map { r in
                    var node = (nodes - 1 - r) % nodes
                    while cluster.clusterIndex(ofNode: node) != c { node = (node + nodes - 1) % nodes }
                    return addProxy(.eastWest, node: node, ew, owner: r)
                }
            }
        }
        controlPlaneReplicas = scenario.controlPlane.replicas ?? 1
        pushDelay = scenario.controlPlane.pushDelay ?? Self.defaultPushDelay
    }
}
