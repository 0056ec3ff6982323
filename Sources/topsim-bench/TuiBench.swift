// BENCH tui_frame_ms: layout + draw of one 200x60 frame into the cell grid (median), target <= 2 ms.
// BENCH tui_sim_speed_with_ui_pct: how much simulated time a busy source still gets through
// while the UI draws 30 frames a second, as a percentage of its speed alone.
import Dashboard
import Foundation
import Synchronization

/// Work done by the busy source, and a way to cut its current chunk short between measurements.
private let busySteps = Atomic<Int>(0)
private let busyStop = Atomic<Bool>(false)

func benchTui() -> [(name: String, value: Double, unit: String)] {
    let snap = benchSnapshot()
    let ui = UIState(topologyCount: snap.topologies.count, seed: 1, selected: 3)
    let size = Size(width: 200, height: 60)
    var samples: [Double] = []
    var sink = 0
    for i in 0..<260 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let grid = layout(snap, ui, size: size, glyphs: .utf8)
        let t1 = DispatchTime.now().uptimeNanoseconds
        sink &+= Int(grid[i % 200, i % 60].char.value)
        if i >= 60 { samples.append(Double(t1 - t0) / 1e6) }  // the first frames warm caches
    }
    samples.sort()
    if sink == -1 { print(sink) }  // keeps the optimiser from dropping the work
    return [
        (name: "tui_frame_ms", value: samples[samples.count / 2], unit: "ms"),
        (name: "tui_sim_speed_with_ui_pct", value: simSpeedWithUI(), unit: "%"),
    ]
}

/// Busy work standing in for the simulation until the real model is wired in:
/// each advance burns CPU in proportion to the simulated time it covers.
private struct BusySource: SnapshotSource {
    var now = 0.0
    let durationSeconds = 1e9
    let stepSeconds = 1.0
    var work: UInt64 = 0
    mutating func advance(to simSeconds: Double) -> DashboardSnapshot {
        while now < simSeconds && !busyStop.load(ordering: .relaxed) {
            for i in 0..<20_000 { work = work &* 6364136223846793005 &+ UInt64(i) }
            now += 0.001
            busySteps.add(1, ordering: .relaxed)
        }
        return snapshot()
    }
    func snapshot() -> DashboardSnapshot { var s = benchSnapshot(); s.simSeconds = now; return s }
    mutating func restart(seed: UInt64) { now = 0 }
}

/// Steps the busy source gets through in 1.5 s alone, then while the UI lays out 30 frames a second.
private func simSpeedWithUI() -> Double {
    func steps(drawing: Bool) -> Int {
        busyStop.store(false, ordering: .relaxed)
        let runner = SimulationRunner(source: BusySource())
        runner.setSpeed(10_000)  // always behind: the source runs flat out
        usleep(100_000)
        let ui = UIState(topologyCount: 5, seed: 1)
        let start = busySteps.load(ordering: .relaxed)
        let end = Date().addingTimeInterval(1.5)
        while Date() < end {
            if drawing { _ = layout(runner.snapshot, ui, size: Size(width: 200, height: 60)) }
            usleep(33_333)
        }
        let done = busySteps.load(ordering: .relaxed) - start
        busyStop.store(true, ordering: .relaxed)
        runner.stop()
        return done
    }
    let alone = steps(drawing: false)
    let withUI = steps(drawing: true)
    return alone > 0 ? (Double(withUI) / Double(alone) * 1000).rounded() / 10 : 0
}

/// A full-size frame: five topologies, four minutes of history, twelve pods.
private func benchSnapshot() -> DashboardSnapshot {
    let kinds: [TopologyKind] = [.none, .gateway, .sidecar, .combined, .sidecarless]
    let hops = ["app", "wire", "sidecar", "gateway", "queue"].enumerated().map {
        HopView(name: $0.element, traversalsPerRequest: Double($0.offset + 1), meanMs: 0.3, share: 0.2)
    }
    let tops = kinds.enumerated().map { (k: Int, kind: TopologyKind) -> TopologyView in
        let nodes = (0..<3).map { (n: Int) -> NodeView in
            NodeView(name: "node-\(n)", zone: "zone-\(n)", nodeProxy: kind == .sidecarless ? .healthy : nil,
                     pods: (0..<4).map { PodView(service: "svc\($0)", index: n, app: .healthy,
                                                 sidecar: kind == .sidecar ? .degraded : nil) })
        }
        return TopologyView(
            name: "topology-\(k)", kind: kind, requests: 100_000, p50Ms: 3 + Double(k), p99Ms: 15 + Double(k),
            successRate: 0.999 - Double(k) * 0.001, throughputRps: 800, errors: [.timeout: 10 * k, .tls: k],
            proxies: 10, proxyMemoryMB: 500, proxyVCPU: 0.5,
            history: (0..<240).map { (i: Int) -> WindowSample in
                WindowSample(p99Ms: 15 + Double((i * 7 + k) % 11), successRate: 0.999)
            },
            hops: hops,
            layout: LayoutView(gateway: GatewayView(role: .edge, replicas: [.healthy, .down]),
                               controlPlane: ControlPlaneView(name: "istiod", replicas: 2, up: 2),
                               nodes: nodes, waypoints: [WaypointView(name: "wp", health: .healthy)], mtls: .strict))
    }
    let faults = (0..<4).map { (i: Int) -> FaultView in
        let start = Double(i * 25)
        return FaultView(label: "fault \(i)", kind: "crash", target: "svc\(i)", startSeconds: start,
                         endSeconds: start + 15, active: i == 2)
    }
    return DashboardSnapshot(scenario: "bench", seed: 1, simSeconds: 60, durationSeconds: 120, runState: .running,
                             topologies: tops, faults: faults)
}
