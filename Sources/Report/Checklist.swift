import Calibration
import Foundation
import Scenario
import SimCore
import TextKit
import Topology

/// The seed's production-readiness checklist, evaluated per topology from a
/// scenario alone (nothing is simulated): each item passes, warns, fails or
/// does not apply, with its reason. The rules are documented in
/// docs/choosing-a-topology.md ("The production-readiness checklist").
public struct Checklist: Sendable {
    public enum Status: String, Sendable, Comparable {
        case pass = "PASS", warn = "WARN", fail = "FAIL", notApplicable = "n/a"

        var rank: Int {
            switch self {
            case .notApplicable: return 0
            case .pass: return 1
            case .warn: return 2
            case .fail: return 3
            }
        }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    public enum Item: String, Sendable, CaseIterable {
        case controlPlaneHA = "control-plane-ha"
        case proxyLimits = "proxy-limits"
        case strictMTLS = "strict-mtls"
        case rateLimits = "rate-limits"
        case gatewayHA = "gateway-ha"
        case accessLogs = "access-logs"
        case tracing = "tracing"
        case versionControl = "version-control"
        case loadTest = "load-test"
        case rollbackPlan = "rollback-plan"

        /// The seed's wording, shortened.
        public var title: String {
            switch self {
            case .controlPlaneHA: return "control plane >= 2 replicas"
            case .proxyLimits: return "sidecar resource limits"
            case .strictMTLS: return "strict mTLS inside"
            case .rateLimits: return "per-consumer rate limits"
            case .gatewayHA: return "gateway replicas >= 2"
            case .accessLogs: return "access logs"
            case .tracing: return "distributed tracing"
            case .versionControl: return "config in version control"
            case .loadTest: return "load test: peak vs capacity"
            case .rollbackPlan: return "rollback plan"
            }
        }
    }

    public struct Entry: Sendable {
        public var item: Item
        public var status: Status
        public var reason: String
    }

    public struct TopologyChecks: Sendable {
        public var name: String
        public var kind: TopologyKind
        public var entries: [Entry]
        public func entry(_ i: Item) -> Entry { entries.first { $0.item == i }! }
        public var worst: Status { entries.map(\.status).max() ?? .pass }
    }

    public var scenario: String
    public var topologies: [TopologyChecks]

    /// Anything failed: `topsim checklist` exits 1.
    public var hasFailures: Bool { topologies.contains { $0.worst == .fail } }

    public func checks(for topology: String) -> TopologyChecks? { topologies.first { $0.name == topology } }

    /// Utilisation at or above this fails the load test; above `warnUtilisation` warns.
    public static let failUtilisation = 1.0
    public static let warnUtilisation = 0.8

    /// Evaluates every topology of `scenario`. Throws when a topology cannot be compiled.
    public static func evaluate(_ scenario: Scenario) throws -> Checklist {
        let load = LoadModel(scenario)
        let tops = try scenario.topologies.map { spec -> TopologyChecks in
            let model = try CompiledTopology(scenario: scenario, topology: spec)
            let c = TopologyCheck(scenario: scenario, spec: spec, model: model, load: load)
            return TopologyChecks(name: spec.name, kind: spec.kind, entries: Item.allCases.map(c.check))
        }
        return Checklist(scenario: scenario.name, topologies: tops)
    }

    // MARK: Output

    /// A matrix (items × topologies), then every topology's reasons.
    public func table() -> String {
        var rows: [[String]] = [["item"] + topologies.map(\.name)]
        for item in Item.allCases {
            rows.append([item.title] + topologies.map { $0.entry(item).status.rawValue })
        }
        var out = "checklist: \(scenario) (the seed's production-readiness checklist; n/a: does not apply to the kind)\n\n"
        out += TextTable.render(rows)
        for t in topologies {
            out += "\n\(t.name) (\(t.kind.rawValue))\n"
            for e in t.entries {
                out += "  \(e.status.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0))  "
                    + "\(e.item.title): \(e.reason)\n"
            }
        }
        let counts = [Status.fail, .warn, .pass, .notApplicable].map { s in
            "\(topologies.reduce(0) { $0 + $1.entries.filter { $0.status == s }.count }) \(s.rawValue.lowercased())"
        }
        out += "\n" + counts.joined(separator: ", ") + "\n"
        return out
    }
}


// MARK: - Offered load

/// Peak offered load per service, propagated down the call graph (every call
/// with its probability, none from a request the app fails itself), and the
/// time one request holds a worker. Retries are not counted: they only add load.
struct LoadModel: Sendable {
    /// Requests per second reaching each service at the traffic's peak.
    var arrivals: [Double]
    /// Calls per second each service makes.
    var callsOut: [Double]
    /// Peak rate per traffic source.
    var sourceRates: [Double]

    init(_ s: Scenario) {
        sourceRates = s.traffic.map { src in
            switch src.rate {
            case .constant(let r): return r
            case .profile(let pts): return pts.map(\.perSecond).max() ?? 0
            }
        }
        var lambda = [Double](repeating: 0, count: s.services.count)
        for (k, src) in s.traffic.enumerated() { lambda[src.to] += sourceRates[k] }
        // Callers come before callees in a topological order of the (acyclic) call graph.
        let order = LoadModel.topologicalOrder(s)
        var out = [Double](repeating: 0, count: s.services.count)
        for si in order {
            let svc = s.services[si]
            let through = lambda[si] * (1 - svc.errors)
            for step in svc.calls {
                for c in step.calls {
                    lambda[c.service] += through * c.probability
                    out[si] += through * c.probability
                }
            }
        }
        arrivals = lambda
        callsOut = out
    }

    static func topologicalOrder(_ s: Scenario) -> [Int] {
        var indegree = [Int](repeating: 0, count: s.services.count)
        for svc in s.services { for step in svc.calls { for c in step.calls { indegree[c.service] += 1 } } }
        var ready = indegree.indices.filter { indegree[$0] == 0 }
        var order: [Int] = []
        while let n = ready.first {
            ready.removeFirst()
            order.append(n)
            for step in s.services[n].calls {
                for c in step.calls {
                    indegree[c.service] -= 1
                    if indegree[c.service] == 0 { ready.append(c.service) }
                }
            }
        }
        return order
    }
}

// MARK: - One topology

struct TopologyCheck {
    let scenario: Scenario
    let spec: TopologySpec
    let model: CompiledTopology
    let load: LoadModel

    var isMesh: Bool { model.hasMesh }
    var hasExternal: Bool { scenario.traffic.contains { $0.from == .external } }
    var meshPreset: Preset? {
        PresetRegistry.preset(named: (spec.kind == .combined ? spec.mesh?.preset : nil) ?? spec.preset ?? "")
    }

    func check(_ item: Item) -> Checklist.Entry {
        let (status, reason) = evaluate(item)
        return Checklist.Entry(item: item, status: status, reason: reason)
    }

    typealias Item = Checklist.Item
    typealias Status = Checklist.Status

    func evaluate(_ item: Item) -> (Status, String) {
        switch item {
        case .controlPlaneHA: return controlPlane()
        case .proxyLimits: return proxyLimits()
        case .strictMTLS: return strictMTLS()
        case .rateLimits: return rateLimits()
        case .gatewayHA: return gatewayHA()
        case .accessLogs: return stated(spec.accessLogs, key: "access_logs", what: "access logs",
                                        naForNone: "no mesh or gateway proxy to log; only the apps' own logs")
        case .tracing: return stated(spec.tracing, key: "tracing", what: "distributed tracing", naForNone: nil)
        case .versionControl: return versionControl()
        case .loadTest: return loadTest()
        case .rollbackPlan: return rollback()
        }
    }

    func controlPlane() -> (Status, String) {
        guard isMesh else { return (.notApplicable, "no mesh control plane") }
        let n = model.controlPlaneReplicas
        let stated = scenario.controlPlane.replicas != nil
        if n >= 2 { return (.pass, "\(n) replicas: losing one stops neither config pushes nor certificate rotation") }
        return (.fail, "\(n) replica\(stated ? "" : " (control_plane.replicas not set: topsim assumes 1)")"
            + ": while it is down nothing rotates and certificates expire (set control_plane.replicas: 2)")
    }

    /// Limits are "set" when the scenario states the proxy's workers (its CPU) and memory, or
    /// when the preset's values are published figures; an assumed preset value only warns,
    /// and a proxy without a worker bound fails (nothing caps its CPU).
    func proxyLimits() -> (Status, String) {
        guard isMesh, let preset = meshPreset else { return (.notApplicable, "no sidecars") }
        var roles: [(name: String, field: String, profile: ProxyProfile, overrides: ProxyOverrides?)] = []
        let proxyOverrides = (spec.kind == .combined ? spec.mesh?.proxy : nil) ?? spec.proxy
        if let p = model.proxies.first(where: { $0.hop == .sidecar || $0.hop == .nodeProxy }) {
            roles.append((spec.kind == .sidecarless ? "node proxy" : "sidecar", "proxy", p.profile, proxyOverrides))
        }
        if let w = model.waypointReplicas.first {
            if case .on(let o) = spec.waypoint { roles.append(("waypoint", "waypoint", model.proxies[w].profile, o)) }
        }
        var worst = Status.pass
        var reasons: [String] = []
        for r in roles {
            let p = r.profile
            let workersStated = r.overrides?.workers != nil, memoryStated = r.overrides?.memoryMB != nil
            let desc = "\(r.name) \(PresetFormat.count(p.workers)) worker\(p.workers == 1 ? "" : "s"), \(PresetFormat.number(p.memoryMB)) MB"
            if p.workers == unlimited && p.memoryMB == 0 && !workersStated {
                reasons.append("\(r.name): eBPF in the kernel, no proxy process to limit (\(preset.name))")
                continue
            }
            if p.workers == unlimited {
                worst = max(worst, .fail)
                reasons.append("\(desc): no worker bound, nothing caps its CPU (set \(r.field): { workers: N })")
                continue
            }
            let assumed = ["workers", "memoryMB"].filter { f in
                let stated = f == "workers" ? workersStated : memoryStated
                return !stated && (preset.citations.first { $0.field == "\(r.field).\(f)" }?.isAssumption ?? true)
            }
            if workersStated && memoryStated {
                reasons.append("\(desc), stated in the scenario")
            } else if assumed.isEmpty {
                reasons.append("\(desc), \(preset.name)'s documented defaults")
            } else {
                worst = max(worst, .warn)
                reasons.append("\(desc): \(preset.name)'s \(assumed.map { $0 == "memoryMB" ? "memory" : $0 }.joined(separator: " and ")) "
                    + "is an assumption, not a documented limit (state \(r.field): { workers, memory_mb })")
            }
        }
        if roles.isEmpty { return (.notApplicable, "no sidecars") }
        return (worst, reasons.joined(separator: "; "))
    }

    func strictMTLS() -> (Status, String) {
        guard isMesh else {
            return (.warn, "no mesh: nothing enforces mTLS between services; only TLS in every app could (not modelled)")
        }
        if let partial = partialMeshMTLS() { return partial }
        let stated = ((spec.kind == .combined ? spec.mesh?.mtls : nil) ?? spec.mtls) != nil
        switch model.mtls {
        case .strict: return (.pass, "strict: every internal call is mutually authenticated")
        case .permissive:
            return (.fail, "permissive\(stated ? "" : " (mtls not set: the default)"): plaintext is still accepted;"
                + " the seed's migration step, not production (set mtls: strict)")
        case .off: return (.fail, "mTLS off: internal traffic is plaintext")
        }
    }

    func rateLimits() -> (Status, String) {
        switch spec.kind {
        case .none: return (.notApplicable, "no gateway to enforce per-consumer limits")
        case .sidecar, .sidecarless:
            return hasExternal
                ? (.warn, "external traffic enters through the mesh ingress, which has no per-consumer keys"
                    + " (the seed's 'mesh without a gateway' trade-off)")
                : (.notApplicable, "no gateway and no external traffic")
        case .gateway, .combined:
            guard let rl = model.rateLimit else {
                return (.fail, "no rate_limit: one consumer can take the whole gateway (policies: { rate_limit: { per_consumer: 20/s } })")
            }
            let replicas = model.gatewayReplicas.count
            let consumers = scenario.traffic.filter { $0.from == .external }.map(\.consumers).max() ?? 1
            var r = "\(PresetFormat.rate(rl)) per consumer at the gateway"
            if replicas > 1 {
                r += ", counted per replica: up to \(PresetFormat.number(rl.perConsumer * Double(replicas)))/s"
                    + " behind \(replicas) replicas (Kong/kong#5954)"
            }
            if consumers <= 1 { r += "; the traffic names a single consumer (set consumers:)" }
            return (.pass, r)
        }
    }

    func gatewayHA() -> (Status, String) {
        var shared: [(String, Int)] = []
        if !model.gatewayReplicas.isEmpty { shared.append(("gateway", model.gatewayReplicas.count)) }
        if !model.ingressReplicas.isEmpty && hasExternal { shared.append(("ingress", model.ingressReplicas.count)) }
        if !model.waypointReplicas.isEmpty { shared.append(("waypoint", model.waypointReplicas.count)) }
        if let ew = model.eastWest.first, !ew.isEmpty { shared.append(("east-west gateway", ew.count)) }
        if shared.isEmpty {
            return (.notApplicable, spec.kind == .none ? "no gateway" : "no shared proxy on the path")
        }
        let single = shared.filter { $0.1 < 2 }
        let text = shared.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
        if single.isEmpty { return (.pass, text + ": one replica can fail") }
        return (.fail, text + ": " + single.map(\.0).joined(separator: " and ")
            + " is a single point of failure (replicas: 2 or more)")
    }

    func stated(_ v: Bool?, key: String, what: String, naForNone: String?) -> (Status, String) {
        switch v {
        case true?: return (.pass, "\(key): true")
        case false?: return (.fail, "\(key): false; \(what) off")
        case nil:
            if spec.kind == .none, let na = naForNone { return (.notApplicable, na) }
            return (.warn, "not stated (add \(key): true to the topology once it is)")
        }
    }

    /// A scenario cannot know where the real configuration lives, so this never passes.
    func versionControl() -> (Status, String) {
        if spec.kind == .none { return (.notApplicable, "no proxy configuration: policies live in each app's code") }
        let drift = scenario.faults.contains { $0.kind == .configDrift }
        return (.warn, "not knowable from a scenario: keep mesh and gateway config in Git and apply it with"
            + " GitOps (Flux, Argo CD)" + (drift ? "; this scenario's config-drift fault shows what happens without it"
                                               : "; a config-drift fault shows what happens without it"))
    }

    func rollback() -> (Status, String) {
        if spec.kind == .none { return (.notApplicable, "no mesh or gateway to roll back") }
        return (.warn, "not knowable from a scenario: topsim simulates traffic, not releases; keep the previous"
            + " release and config revision ready (revision-based upgrades, helm rollback)")
    }

    // MARK: Load test

    struct Station { var name: String; var utilisation: Double; var detail: String }

    func loadTest() -> (Status, String) {
        let stations = serviceStations() + proxyStations()
        guard let worst = stations.max(by: { $0.utilisation < $1.utilisation }) else {
            return (.pass, "no stations")
        }
        let hot = stations.filter { $0.utilisation > Checklist.warnUtilisation }
            .sorted { $0.utilisation > $1.utilisation }
        func pct(_ u: Double) -> String { "\(Int((u * 100).rounded()))%" }
        if hot.isEmpty {
            return (.pass, "at the peak rate the busiest station is \(worst.name) at \(pct(worst.utilisation))"
                + " (\(worst.detail))")
        }
        let list = hot.prefix(3).map { "\($0.name) at \(pct($0.utilisation)) (\($0.detail))" }.joined(separator: "; ")
        let more = hot.count > 3 ? "; \(hot.count - 3) more above 80%" : ""
        if worst.utilisation >= Checklist.failUtilisation {
            return (.fail, "overloaded at the peak rate: " + list + more)
        }
        return (.warn, "above 80% at the peak rate: " + list + more)
    }

    /// Mean one-way wire latency of a call, by how pods are spread.
    var meanWire: Double {
        let c = scenario.cluster, n = scenario.cluster.network
        if c.nodes <= 1 { return n.sameNode.mean }
        let zones = Double(max(1, c.zones.count))
        let sameZone = zones == 1 ? n.sameZone.mean : (n.sameZone.mean + (zones - 1) * n.crossZone.mean) / zones
        guard c.clusters > 1 else { return sameZone }
        let k = Double(c.clusters)
        return (sameZone + (k - 1) * n.crossCluster.mean) / k
    }

    /// Proxy time one internal call adds, both directions, without queueing: the proxies
    /// the simulation's routing puts on an internal call (`CompiledTopology.pathRoles`).
    var proxyTimePerCall: Double {
        func mean(_ role: HopKind) -> Double { model.proxies.first { $0.hop == role }?.profile.latency.mean ?? 0 }
        return 2 * model.pathRoles(external: false).reduce(0) { $0 + mean($1) }
    }

    /// Mean time a request holds one of the service's workers: its own work plus the time
    /// its calls take (thread per request), without queueing anywhere: a lower bound.
    func holdTimes() -> [Double] {
        let order = LoadModel.topologicalOrder(scenario).reversed()
        var hold = [Double](repeating: 0, count: scenario.services.count)
        let perCall = 2 * meanWire + proxyTimePerCall
        for si in order {
            let s = scenario.services[si]
            var waiting = 0.0
            for step in s.calls {
                let times = step.calls.map { $0.probability * (hold[$0.service] + perCall) }
                waiting += (step.calls.count > 1 ? times.max() : times.first) ?? 0
            }
            hold[si] = s.serviceTime.mean + (1 - s.errors) * waiting
        }
        return hold
    }

    func serviceStations() -> [Station] {
        let hold = holdTimes()
        return scenario.services.enumerated().compactMap { si, s in
            guard s.workers != unlimited else { return nil }
            let capacity = Double(s.replicas * s.workers) / max(hold[si], 1e-9) * 1e9
            let own = s.serviceTime.mean / 1e6
            let holdMs = hold[si] / 1e6
            let busy = abs(holdMs - own) > 0.005 ? "\(ms(holdMs)) ms per request incl. \(ms(holdMs - own)) ms waiting for calls"
                                                 : "\(ms(own)) ms per request"
            return Station(name: "service \(s.name)", utilisation: load.arrivals[si] / capacity,
                           detail: "\(rate(load.arrivals[si])) offered, capacity \(s.replicas) x \(s.workers) workers"
                               + " / \(busy) = \(rate(capacity))")
        }
    }

    /// Traversals per second of each shared or per-pod proxy (each direction counts once).
    func proxyStations() -> [Station] {
        let ext = zip(scenario.traffic, load.sourceRates).filter { $0.0.from == .external }.map(\.1).reduce(0, +)
        let intRoot = zip(scenario.traffic, load.sourceRates).filter { $0.0.from == .internal }.map(\.1).reduce(0, +)
        let calls = load.callsOut.reduce(0, +)
        var out: [Station] = []
        func station(_ name: String, _ ids: [Int], traversals: Double) {
            guard let id = ids.first else { return }
            let p = model.proxies[id].profile
            guard p.workers != unlimited else { return }
            let perReplica = traversals / Double(ids.count)
            let u = perReplica * p.latency.mean / 1e9 / Double(p.workers)
            out.append(Station(name: name, utilisation: u,
                               detail: "\(rate(perReplica)) traversals per replica x \(ms(p.latency.mean / 1e6, 3)) ms"
                                   + " / \(p.workers) workers"))
        }
        switch spec.kind {
        case .none: break
        case .gateway:
            let through = ext + (spec.internal == .viaGateway ? intRoot + calls : 0)
            station("gateway", model.gatewayReplicas, traversals: 2 * through)
        case .sidecar, .combined, .sidecarless:
            if spec.kind == .combined { station("gateway", model.gatewayReplicas, traversals: 2 * ext) }
            if hasExternal { station("ingress", model.ingressReplicas, traversals: 2 * ext) }
            station("waypoint", model.waypointReplicas, traversals: 2 * (ext + intRoot + calls))
            // Per-pod (or per-node) proxies: inbound and outbound of what runs there.
            var perProxy = [Double](repeating: 0, count: model.proxies.count)
            for inst in model.instances {
                let s = scenario.services[inst.service]
                let r = 2 * (load.arrivals[inst.service] + load.callsOut[inst.service]) / Double(s.replicas)
                let p = spec.kind == .sidecarless ? model.nodeProxy[inst.node] : inst.sidecar
                if p >= 0 { perProxy[p] += r }
            }
            for (k, node) in model.clientNode.enumerated() where node >= 0 {
                let p = spec.kind == .sidecarless ? model.nodeProxy[node] : model.clientSidecar[k]
                if p >= 0 { perProxy[p] += 2 * load.sourceRates[k] }
            }
            if let (id, busiest) = perProxy.enumerated().max(by: { $0.1 < $1.1 }), busiest > 0 {
                let p = model.proxies[id]
                let name = p.hop == .nodeProxy ? "node proxy on node-\(p.node)"
                    : p.owner >= 0 ? "sidecar of \(scenario.services[model.instances[p.owner].service].name)/\(model.instances[p.owner].index)"
                    : "sidecar of client pod \(scenario.traffic[-1 - p.owner].name)"
                station(name, [id], traversals: busiest)
            }
        }
        if let ew = model.eastWest.first, !ew.isEmpty, scenario.cluster.clusters > 1 {
            let k = Double(scenario.cluster.clusters)
            let cross = (calls + intRoot) * (k - 1) / k
            station("east-west gateway", ew, traversals: 2 * cross / k)
        }
        return out
    }

    func ms(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }
    func rate(_ r: Double) -> String { r >= 100 ? "\(Int(r.rounded()))/s" : String(format: "%.1f/s", r) }
}
