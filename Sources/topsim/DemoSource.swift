// TEMPORARY: a deterministic stand-in for the real scenario model, so the dashboard
// can be built and tested before the topology models land. The lead replaces it:
// see `makeDashboardSource` in TuiCommand.swift (a one-line swap). Nothing else uses it.
import Dashboard
import Foundation

struct DemoSource: SnapshotSource {
    let scenario: String
    private(set) var seed: UInt64
    private(set) var now = 0.0
    let durationSeconds = 120.0
    let stepSeconds = 1.0

    /// The SCENARIO path is checked for existence, then ignored: the demo always shows the same five topologies.
    init(scenarioPath: String?, seed: UInt64) throws {
        if let path = scenarioPath {
            guard FileManager.default.fileExists(atPath: path) else {
                throw DemoError.missingScenario(path)
            }
            scenario = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent + " (demo data)"
        } else {
            scenario = "built-in comparison (demo data)"
        }
        self.seed = seed
    }

    enum DemoError: Error, CustomStringConvertible {
        case missingScenario(String)
        var description: String {
            switch self { case .missingScenario(let p): return "scenario file not found: \(p)" }
        }
    }

    mutating func advance(to simSeconds: Double) -> DashboardSnapshot {
        now = max(now, min(simSeconds, durationSeconds))
        return snapshot()
    }

    mutating func restart(seed: UInt64) {
        self.seed = seed
        now = 0
    }

    // Everything below is a pure function of (seed, now): chunking never changes a frame.

    private static let kinds: [(String, TopologyKind)] = [
        ("direct", .none), ("api-gateway", .gateway), ("sidecar-mesh", .sidecar),
        ("gateway+mesh", .combined), ("ambient", .sidecarless),
    ]
    private static let faults: [(label: String, kind: String, target: String, start: Double, end: Double?)] = [
        ("pod crash", "crash", "checkout-1", 20, 35),
        ("slow payment", "latency", "payment", 50, 70),
        ("gateway replica down", "crash", "gateway-1", 80, 95),
        ("cert expiry", "cert-expiry", "control-plane", 100, nil),
    ]

    private func active(_ i: Int, at t: Double) -> Bool {
        let f = Self.faults[i]
        return t >= f.start && t < (f.end ?? .infinity)
    }

    private func noise(_ window: Int, _ k: Int, _ salt: UInt64) -> Double {
        var z = seed &+ UInt64(window) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(k) &* 0xD1B5_4A32_D192_ED03 &+ salt
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }

    private struct Window {
        var p50: Double, p99: Double, rps: Double
        var errorRate: [ErrorCause: Double]
    }

    private func window(_ w: Int, _ k: Int) -> Window {
        let kind = Self.kinds[k].1
        let t = Double(w) + 0.5
        let meshy = kind == .sidecar || kind == .combined || kind == .sidecarless
        var p50 = [3.1, 4.0, 4.4, 5.3, 3.6][k] * (0.95 + 0.1 * noise(w, k, 1))
        var p99 = [14.0, 17.5, 19.0, 22.0, 15.5][k] * (0.85 + 0.3 * noise(w, k, 2))
        var err: [ErrorCause: Double] = [.timeout: 0.0002 * noise(w, k, 3)]
        if active(0, at: t) {
            err[.unavailable] = meshy ? 0.003 : 0.06
            err[.refused] = meshy ? 0.001 : 0.01
            p99 *= 1.3
        }
        if active(1, at: t) {
            p50 += 8
            p99 += 50
            err[.timeout, default: 0] += meshy ? 0.008 : 0.02
        }
        if active(2, at: t) && (kind == .gateway || kind == .combined) {
            err[.unavailable, default: 0] += 0.03 * max(0, 1 - (t - 80) / 10)
            err[.rateLimited] = 0.004
            p99 *= 1.4
        }
        if active(3, at: t) && meshy {
            err[.tls] = kind == .sidecarless ? 0.01 : min(0.2, 0.02 + (t - 100) * 0.008)
        }
        let rps = 800 * (0.97 + 0.06 * noise(w, k, 4)) * (1 - (err.values.reduce(0, +)) * 0.5)
        return Window(p50: p50, p99: p99, rps: rps, errorRate: err)
    }

    func snapshot() -> DashboardSnapshot {
        let done = Int(now)
        let partial = now - Double(done)
        var topologies: [TopologyView] = []
        for (k, (name, kind)) in Self.kinds.enumerated() {
            var requests = 0.0
            var errors: [ErrorCause: Double] = [:]
            var history: [WindowSample] = []
            var recent: [Window] = []
            for w in 0...done {
                let win = window(w, k)
                let weight = w < done ? 1 : partial
                guard weight > 0 else { continue }
                requests += win.rps * weight
                for (c, r) in win.errorRate { errors[c, default: 0] += win.rps * weight * r }
                if w < done {
                    history.append(WindowSample(p99Ms: win.p99, successRate: 1 - win.errorRate.values.reduce(0, +)))
                }
                recent.append(win)
                if recent.count > 5 { recent.removeFirst() }
            }
            let n = Double(max(recent.count, 1))
            let p50 = recent.reduce(0) { $0 + $1.p50 } / n
            let p99 = recent.reduce(0) { $0 + $1.p99 } / n
            let errorCounts = errors.mapValues { Int($0.rounded()) }.filter { $0.value > 0 }
            let totalErr = errorCounts.values.reduce(0, +)
            let req = Int(requests.rounded())
            let recentErr = recent.reduce(0) { $0 + $1.errorRate.values.reduce(0, +) } / n
            let layout = makeLayout(kind, errorRate: recentErr)
            let proxies = proxyCount(layout)
            let memory = [0.0, 140, 55, 55, 22][k] * Double(proxies)
            let cpu = [0.0, 0.45, 0.08, 0.09, 0.05][k] * Double(proxies) * (0.9 + 0.2 * noise(done, k, 5))
            topologies.append(TopologyView(
                name: name, kind: kind, requests: req, p50Ms: p50, p99Ms: p99,
                successRate: req > 0 ? 1 - Double(totalErr) / Double(req) : 1,
                throughputRps: recent.reduce(0) { $0 + $1.rps } / n,
                errors: Dictionary(uniqueKeysWithValues: errorCounts.map { ($0.key, $0.value) }),
                proxies: proxies, proxyMemoryMB: memory, proxyVCPU: cpu,
                history: Array(history.suffix(240)), hops: hops(kind, p50: p50), layout: layout))
        }
        let faults = Self.faults.enumerated().map { i, f in
            FaultView(label: f.label, kind: f.kind, target: f.target, startSeconds: f.start, endSeconds: f.end,
                      active: active(i, at: now))
        }
        return DashboardSnapshot(scenario: scenario, seed: seed, simSeconds: now, durationSeconds: durationSeconds,
                                 runState: now >= durationSeconds ? .finished : .running,
                                 topologies: topologies, faults: faults)
    }

    private func proxyCount(_ l: LayoutView) -> Int {
        (l.gateway?.replicas.count ?? 0) + l.waypoints.count
            + l.nodes.reduce(0) { $0 + ($1.nodeProxy == nil ? 0 : 1) + $1.pods.filter { $0.sidecar != nil }.count }
    }

    private func makeLayout(_ kind: TopologyKind, errorRate: Double) -> LayoutView {
        let t = now
        let sidecars = kind == .sidecar || kind == .combined
        let certs = active(3, at: t)
        let sidecarHealth: Health = certs && sidecars ? Health.classify(errorRate: errorRate) : .healthy
        let services = ["frontend", "cart", "checkout", "payment"]
        var nodes: [NodeView] = []
        for (n, zone) in ["zone-a", "zone-b", "zone-c"].enumerated() {
            var pods: [PodView] = []
            for (s, svc) in services.enumerated() {
                for i in 0..<2 where (s * 2 + i) % 3 == n {
                    var app: Health = .healthy
                    if svc == "checkout" && i == 1 {
                        if active(0, at: t) { app = .down } else if t >= 35 && t < 40 { app = .starting }
                    }
                    if svc == "payment" && active(1, at: t) { app = .degraded }
                    pods.append(PodView(service: svc, index: i, app: app, sidecar: sidecars ? sidecarHealth : nil))
                }
            }
            nodes.append(NodeView(name: "node-\(n + 1)", zone: zone,
                                  nodeProxy: kind == .sidecarless ? .healthy : nil, pods: pods))
        }
        var gateway: GatewayView?
        if kind == .gateway || kind == .combined {
            let second: Health = active(2, at: t) ? .down : (t >= 95 && t < 100 ? .starting : .healthy)
            gateway = GatewayView(role: kind == .gateway ? .hub : .edge, replicas: [.healthy, second])
        }
        let meshy = sidecars || kind == .sidecarless
        return LayoutView(
            gateway: gateway,
            controlPlane: meshy ? ControlPlaneView(name: "istiod", replicas: 1, up: certs ? 0 : 1) : nil,
            nodes: nodes,
            waypoints: kind == .sidecarless ? [WaypointView(name: "wp-checkout", health: .healthy),
                                               WaypointView(name: "wp-payment", health: active(1, at: t) ? .degraded : .healthy)] : [],
            mtls: meshy ? .strict : .off)
    }

    private func hops(_ kind: TopologyKind, p50: Double) -> [HopView] {
        var raw: [(String, Double, Double)] = [("app", 2, 1.2)]
        switch kind {
        case .none: raw += [("wire", 2, 0.25)]
        case .gateway: raw += [("gateway", 2, 0.45), ("wire", 4, 0.25)]
        case .sidecar: raw += [("sidecar", 4, 0.3), ("wire", 2, 0.25)]
        case .combined: raw += [("gateway", 1, 0.45), ("sidecar", 4, 0.3), ("wire", 3, 0.25)]
        case .sidecarless: raw += [("node-proxy", 4, 0.12), ("waypoint", 1, 0.35), ("wire", 2, 0.25)]
        }
        let fixed = raw.reduce(0) { $0 + $1.1 * $1.2 }
        raw.append(("queue", 2, max(0.05, (p50 - fixed) / 2)))
        let total = raw.reduce(0) { $0 + $1.1 * $1.2 }
        return raw.map { HopView(name: $0.0, traversalsPerRequest: $0.1, meanMs: $0.2, share: $0.1 * $0.2 / total) }
    }
}
