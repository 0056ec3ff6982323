import Calibration
import Dashboard
import Report
import Scenario
import SimCore
import Topology

/// The real model behind the dashboard: every topology of a scenario simulated
/// side by side, described as snapshots. Dashboard time 0 is the end of the warm-up.
public struct ModelSource: SnapshotSource {
    public let scenario: Scenario
    public private(set) var seed: UInt64
    var sims: [TopologySimulation] = []
    var now: Double = 0

    public init(scenario: Scenario, seed: UInt64) throws {
        self.scenario = scenario
        self.seed = seed
        try start()
    }

    mutating func start() throws {
        sims = try scenario.topologies.map { try TopologySimulation(scenario: scenario, topology: $0, seed: seed) }
        for i in sims.indices { sims[i].run(until: scenario.warmup) }
        now = 0
    }

    /// How far back the health glyphs and the success, p50 and p99 rows look, simulated
    /// seconds (Topology's `TopologyMetrics.recentSpan`, which keeps those windows' latency).
    /// assumption: 10 s. Short enough that a topology shows healthy again within seconds of
    /// wall time after a fault ends (at 32x), long enough to hold ~4,000 requests in the
    /// built-in comparison (~400 rps), so a lone error (0.025%) stays below the 0.1% threshold.
    public static let recentSpanSeconds = Nanos.toSeconds(TopologyMetrics.recentSpan)

    /// Windows in the recent span: at least one however wide the scenario's `window`, at
    /// most the ten whose latency the metrics keep (narrower windows then cover less).
    var recentWindows: Int { TopologyMetrics.recentWindows(window: scenario.window) }

    public var durationSeconds: Double { Nanos.toSeconds(scenario.duration) }
    public var stepSeconds: Double { Nanos.toSeconds(scenario.window) }

    public mutating func advance(to simSeconds: Double) -> DashboardSnapshot {
        let target = min(simSeconds, durationSeconds)
        if target > now {
            let t = scenario.warmup + Nanos.seconds(target)
            for i in sims.indices { sims[i].run(until: t) }
            now = target
        }
        return snapshot()
    }

    public mutating func restart(seed: UInt64) {
        self.seed = seed
        // The scenario compiled once already: a restart cannot fail.
        try! start()
    }

    public func snapshot() -> DashboardSnapshot {
        var snap = DashboardSnapshot(scenario: scenario.name, seed: seed, simSeconds: now, durationSeconds: durationSeconds,
                                     runState: now >= durationSeconds ? .finished : .running,
                                     topologies: sims.map(view), faults: faultViews())
        snap.recentSeconds = Double(recentWindows) * Nanos.toSeconds(scenario.window)
        return snap
    }

    func faultViews() -> [FaultView] {
        scenario.faults.map { f in
            let start = Nanos.toSeconds(f.at)
            let end = f.duration.map { _ in Nanos.toSeconds(f.end(runDuration: scenario.duration)) }
            return FaultView(label: f.kind.rawValue, kind: f.kind.rawValue, target: f.displayTarget, startSeconds: start,
                             endSeconds: end, active: now >= start && now < (end ?? .infinity))
        }
    }

    func view(_ sim: TopologySimulation) -> TopologyView {
        let m = sim.metrics
        let elapsed = max(sim.measuredSeconds, 1e-9)
        var errors: [Dashboard.ErrorCause: Int] = [:]
        for c in Calibration.ErrorCause.allCases {
            if let d = Dashboard.ErrorCause(rawValue: c.rawValue) { errors[d] = m.errorCount(c) }
        }
        let closed = min(m.windows.windows.count, Int(Double(sim.measuredSeconds) / Nanos.toSeconds(scenario.window)))
        let history = m.windows.windows.prefix(closed).map { w in
            WindowSample(p99Ms: w.p99 / 1e6, successRate: w.requests > 0 ? Double(w.succeeded) / Double(w.requests) : 1)
        }
        let hops = Reports.hopRows(Runner.TopologyResult(spec: sim.model.spec, model: sim.model, runs: [m])).map {
            HopView(name: $0.hop.name, traversalsPerRequest: $0.perRequest, meanMs: $0.meanMs,
                    share: $0.criticalShare.isFinite ? $0.criticalShare : $0.share, criticalMs: $0.criticalMs)
        }
        let none = m.latency.count == 0
        var v = TopologyView(
            name: sim.model.name, kind: Dashboard.TopologyKind(rawValue: sim.model.kind.rawValue) ?? .none,
            requests: m.requests, p50Ms: none ? .nan : m.latency.p50 / 1e6, p99Ms: none ? .nan : m.latency.p99 / 1e6,
            successRate: m.successRate, throughputRps: Double(m.succeeded) / elapsed, errors: errors,
            proxies: m.proxies, proxyMemoryMB: m.proxyMemoryMB, proxyVCPU: m.proxyCPUSeconds / elapsed,
            history: Array(history), hops: hops, layout: layout(sim))
        let failedNone = m.failedLatency.count == 0
        v.failedP50Ms = failedNone ? .nan : m.failedLatency.p50 / 1e6
        v.failedP99Ms = failedNone ? .nan : m.failedLatency.p99 / 1e6
        v.incomplete = max(0, m.started - m.requests)
        v.proxyCostPerMonth = scenario.cost.perMonth(cores: m.proxyCPUSeconds / elapsed, memoryMB: m.proxyMemoryMB)
        let hopKinds = HopKind.allCases.count
        let cpTotal = Double(m.criticalPath.prefix(hopKinds).reduce(0, +))
        let n = Double(m.criticalPathRequests)
        // The last closed windows: what the health glyph and the success row show.
        let recent = m.windows.windows[max(0, closed - recentWindows)..<closed]
        let recentRequests = recent.reduce(0) { $0 + $1.requests }
        v.recentSuccessRate = recentRequests > 0 ? Double(recent.reduce(0) { $0 + $1.succeeded }) / Double(recentRequests) : .nan
        // The same windows' latency, merged from their histograms (exact quantiles over the span).
        let recentLatency = m.recentLatency(windows: max(0, closed - recentWindows)..<closed)
        v.recentP50Ms = recentLatency.count > 0 ? recentLatency.p50 / 1e6 : .nan
        v.recentP99Ms = recentLatency.count > 0 ? recentLatency.p99 / 1e6 : .nan
        // The service panel's rows: services.csv's figures (Report's measureService and the
        // same critical-path division), so the dashboard and the report never disagree.
        v.services = scenario.services.enumerated().map { k, svc in
            let own = Double(m.criticalPath[hopKinds + k])
            let stats = m.serviceStats(k) // live: the requests' latency folded in
            var byCause: [Dashboard.ErrorCause: Int] = [:]
            for c in Calibration.ErrorCause.allCases {
                let count = Int(measureService(.errors(c), stats))
                if count > 0, let d = Dashboard.ErrorCause(rawValue: c.rawValue) { byCause[d] = count }
            }
            return ServiceView(name: svc.name, criticalMs: n > 0 ? own / n / 1e6 : .nan,
                               share: cpTotal > 0 ? own / cpTotal : .nan,
                               calls: Int(measureService(.calls, stats)), attempts: Int(measureService(.attempts, stats)),
                               p50Ms: measureService(.p50, stats), p99Ms: measureService(.p99, stats), errors: byCause)
        }
        return v
    }

    func layout(_ sim: TopologySimulation) -> LayoutView {
        let model = sim.model
        let status = sim.instanceStatus
        let proxyUp = sim.proxyUp
        // A pod outside the mesh (mesh: false, not yet replaced by an inject) has no sidecar.
        let meshed = sim.instanceMeshed
        func health(_ up: Bool) -> Health { up ? .healthy : .down }
        func podHealth(_ s: InstanceStatus) -> Health {
            if !s.up { return .down }
            if s.starting { return .starting }
            if s.certificateExpired { return .failing }
            if s.ejected { return .degraded }
            return .healthy
        }
        let nodes = (0..<max(1, scenario.cluster.nodes)).map { n -> NodeView in
            let pods = model.instances.indices.filter { model.instances[$0].node == n }.map { i -> PodView in
                let inst = model.instances[i]
                let sidecar = inst.sidecar >= 0 && meshed[i] ? health(proxyUp[inst.sidecar]) : nil
                return PodView(service: scenario.services[inst.service].name, index: inst.index,
                               app: podHealth(status[i]), sidecar: sidecar,
                               enrolled: model.kind != .sidecarless || meshed[i])
            }
            let np = model.nodeProxy.isEmpty ? nil : health(proxyUp[model.nodeProxy[n]])
            return NodeView(name: scenario.cluster.nodeName(n),
                            zone: scenario.cluster.zones[scenario.cluster.zoneIndex(ofNode: n)],
                            nodeProxy: np, pods: pods)
        }
        var gateway: GatewayView?
        if !model.gatewayReplicas.isEmpty {
            let role: GatewayRole = model.kind == .gateway && model.spec.internal == .viaGateway ? .hub : .edge
            gateway = GatewayView(role: role, replicas: model.gatewayReplicas.map { health(proxyUp[$0]) })
        } else if !model.ingressReplicas.isEmpty {
            gateway = GatewayView(role: .ingress, replicas: model.ingressReplicas.map { health(proxyUp[$0]) })
        }
        let cp = model.hasMesh
            ? ControlPlaneView(name: controlPlaneName(model.spec.mesh?.preset ?? model.spec.preset ?? ""),
                               replicas: model.controlPlaneReplicas, up: sim.controlPlaneReplicasUp)
            : nil
        let waypoints = model.waypointReplicas.enumerated().map { k, p in
            WaypointView(name: "waypoint-\(k)", health: health(proxyUp[p]))
        }
        let mtls: Dashboard.MTLSMode = model.hasMesh ? (Dashboard.MTLSMode(rawValue: model.mtls.rawValue) ?? .off) : .off
        return LayoutView(gateway: gateway, controlPlane: cp, nodes: nodes, waypoints: waypoints, mtls: mtls)
    }
}

/// The control plane's usual process name for a mesh preset.
func controlPlaneName(_ preset: String) -> String {
    if preset.hasPrefix("istio") { return "istiod" }
    if preset.hasPrefix("linkerd") { return "linkerd-destination" }
    if preset.hasPrefix("consul") { return "consul-server" }
    if preset.hasPrefix("cilium") { return "cilium-operator" }
    return "mesh"
}
