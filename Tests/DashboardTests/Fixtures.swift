import Dashboard

/// Hand-made snapshots: fixed numbers, so goldens change only when the drawing does.
enum Fixtures {
    static func pods(sidecar: Health?, crashed: Bool = false) -> [NodeView] {
        [
            NodeView(name: "node-1", zone: "zone-a", nodeProxy: nil, pods: [
                PodView(service: "frontend", index: 0, app: .healthy, sidecar: sidecar),
                PodView(service: "cart", index: 0, app: .healthy, sidecar: sidecar),
            ]),
            NodeView(name: "node-2", zone: "zone-b", nodeProxy: nil, pods: [
                PodView(service: "checkout", index: 0, app: crashed ? .down : .healthy, sidecar: sidecar),
                PodView(service: "payment", index: 0, app: .degraded, sidecar: sidecar),
            ]),
        ]
    }

    static func history(base: Double, spike: Double) -> [WindowSample] {
        (0..<40).map { (i: Int) -> WindowSample in
            let inSpike = i >= 25 && i < 32
            let p99: Double = inSpike ? base + spike : base + Double(i % 5)
            return WindowSample(p99Ms: p99, successRate: inSpike ? 0.97 : 0.999)
        }
    }

    static func topology(_ name: String, _ kind: TopologyKind, p50: Double, p99: Double, success: Double,
                         rps: Double, errors: [ErrorCause: Int], proxies: Int, mem: Double, cpu: Double,
                         hops: [HopView], layout: LayoutView) -> TopologyView {
        TopologyView(name: name, kind: kind, requests: 48_000, p50Ms: p50, p99Ms: p99, successRate: success,
                     throughputRps: rps, errors: errors, proxies: proxies, proxyMemoryMB: mem, proxyVCPU: cpu,
                     history: history(base: p99 - 4, spike: p99), hops: hops, layout: layout)
    }

    static func snapshot(seconds: Double = 60, state: RunState = .running) -> DashboardSnapshot {
        let app = HopView(name: "app", traversalsPerRequest: 2, meanMs: 1.2, share: 0.5)
        let wire = HopView(name: "wire", traversalsPerRequest: 2, meanMs: 0.25, share: 0.1)
        let queue = HopView(name: "queue", traversalsPerRequest: 2, meanMs: 0.4, share: 0.15)
        let tops = [
            topology("direct", .none, p50: 3.1, p99: 14.2, success: 0.9795, rps: 780,
                     errors: [.unavailable: 900, .refused: 80], proxies: 0, mem: 0, cpu: 0,
                     hops: [app, wire, queue], layout: LayoutView(nodes: pods(sidecar: nil, crashed: true))),
            topology("api-gateway", .gateway, p50: 4.0, p99: 17.5, success: 0.9790, rps: 776,
                     errors: [.unavailable: 910, .rateLimited: 40], proxies: 2, mem: 280, cpu: 0.9,
                     hops: [app, HopView(name: "gateway", traversalsPerRequest: 2, meanMs: 0.45, share: 0.2), wire, queue],
                     layout: LayoutView(gateway: GatewayView(role: .hub, replicas: [.healthy, .down]),
                                        nodes: pods(sidecar: nil, crashed: true))),
            topology("sidecar-mesh", .sidecar, p50: 4.4, p99: 19.0, success: 0.9976, rps: 794,
                     errors: [.timeout: 60, .unavailable: 50], proxies: 8, mem: 440, cpu: 0.61,
                     hops: [app, HopView(name: "sidecar", traversalsPerRequest: 4, meanMs: 0.3, share: 0.25), wire, queue],
                     layout: LayoutView(controlPlane: ControlPlaneView(name: "istiod", replicas: 2, up: 2),
                                        nodes: pods(sidecar: .healthy, crashed: true), mtls: .strict)),
            topology("gateway+mesh", .combined, p50: 5.3, p99: 22.0, success: 0.9970, rps: 790,
                     errors: [.timeout: 70, .unavailable: 60, .tls: 12], proxies: 10, mem: 550, cpu: 0.9,
                     hops: [app, HopView(name: "gateway", traversalsPerRequest: 1, meanMs: 0.45, share: 0.08),
                            HopView(name: "sidecar", traversalsPerRequest: 4, meanMs: 0.3, share: 0.22), wire, queue],
                     layout: LayoutView(gateway: GatewayView(role: .edge, replicas: [.healthy, .healthy]),
                                        controlPlane: ControlPlaneView(name: "istiod", replicas: 2, up: 1),
                                        nodes: pods(sidecar: .degraded, crashed: true), mtls: .strict)),
            topology("ambient", .sidecarless, p50: 3.6, p99: 15.5, success: 0.9981, rps: 796,
                     errors: [.timeout: 50, .unavailable: 40], proxies: 4, mem: 88, cpu: 0.2,
                     hops: [app, HopView(name: "node-proxy", traversalsPerRequest: 4, meanMs: 0.12, share: 0.12),
                            HopView(name: "waypoint", traversalsPerRequest: 1, meanMs: 0.35, share: 0.09), wire, queue],
                     layout: LayoutView(controlPlane: ControlPlaneView(name: "istiod", replicas: 1, up: 1),
                                        nodes: pods(sidecar: nil, crashed: true).map {
                                            NodeView(name: $0.name, zone: $0.zone, nodeProxy: .healthy, pods: $0.pods)
                                        },
                                        waypoints: [WaypointView(name: "wp-checkout", health: .healthy),
                                                    WaypointView(name: "wp-payment", health: .starting)],
                                        mtls: .strict)),
        ]
        let faults = [
            FaultView(label: "pod crash", kind: "crash", target: "checkout-0", startSeconds: 50, endSeconds: 70, active: seconds >= 50 && seconds < 70),
            FaultView(label: "slow payment", kind: "latency", target: "payment", startSeconds: 20, endSeconds: 30, active: false),
            FaultView(label: "cert expiry", kind: "cert-expiry", target: "control-plane", startSeconds: 100, endSeconds: nil, active: seconds >= 100),
        ]
        return DashboardSnapshot(scenario: "golden", seed: 7, simSeconds: seconds, durationSeconds: 120,
                                 runState: state, topologies: tops, faults: faults)
    }

    /// 22 services for the service panel: more than 80x24 holds (18 rows), all of them at 160x50.
    /// Service k: calls 1000 + 100k, attempts calls + 7k (retries), p50 2 + k/2 ms, p99 10 + 3k ms,
    /// own critical-path time k/4 ms with a share of (k+1)/253 (the shares add up to
    /// 1 + 2 + ... + 22 = 253 / 253), errors only on every third service.
    static func services() -> [ServiceView] {
        let names = ["frontend", "cart", "checkout", "payment", "shipping", "currency", "catalog", "ads",
                     "recommendation", "email", "quote", "inventory", "pricing", "search", "reviews", "auth",
                     "profile", "notifications", "loyalty", "fraud-detection-scoring", "tax", "ledger"]
        return names.enumerated().map { k, name in
            let d = Double(k)
            var errors: [ErrorCause: Int] = [:]
            if k % 3 == 0 { errors[.timeout] = 2 * k; errors[.unavailable] = k + 1 }
            if k == 3 { errors[.rateLimited] = 40 }
            return ServiceView(name: name, criticalMs: d / 4, share: (d + 1) / 253, calls: 1000 + 100 * k,
                               attempts: 1000 + 100 * k + 7 * k, p50Ms: 2 + d / 2, p99Ms: 10 + 3 * d, errors: errors)
        }
    }

    /// `snapshot` with every topology given `services()`.
    static func snapshotWithServices(seconds: Double = 60) -> DashboardSnapshot {
        var snap = snapshot(seconds: seconds)
        for i in snap.topologies.indices { snap.topologies[i].services = services() }
        return snap
    }
}
