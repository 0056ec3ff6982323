import Foundation
import HeapModule
import Scenario
import SimCore
import Topology

// `topsim-bench PART` prints `BENCH <name> <value> <unit>` lines; bench/run.sh
// runs each part in its own process so that peak RSS belongs to one figure.

func wallSeconds(_ body: () -> Void) -> Double {
    var t0 = timespec(), t1 = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t0)
    body()
    clock_gettime(CLOCK_MONOTONIC, &t1)
    return Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) / 1e9
}

func peakRSSMB() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}

func report(_ name: String, _ value: Double, _ unit: String) {
    print("BENCH \(name) \(String(format: value >= 100 ? "%.0f" : "%.3f", value)) \(unit)")
}

/// The hold model: `pending` events in the queue; pop one, schedule one at now + exp(1).
func holdEngine(pending: Int, operations: Int) -> Double {
    var engine = Engine()
    var rng = RandomStream(seed: 1)
    let d = Distribution.exponential(mean: 1e6)
    for _ in 0..<pending { engine.schedule(at: d.sample(&rng), kind: 0) }
    let s = wallSeconds {
        for _ in 0..<operations {
            let e = engine.next()!
            engine.schedule(after: d.sample(&rng), kind: e.kind)
        }
    }
    return Double(operations) / s
}

/// The same hold model on the bare 4-ary queue (no clock, no fingerprint): the fair
/// comparison with swift-collections' Heap below.
func holdQueue(pending: Int, operations: Int) -> Double {
    var q = EventQueue()
    var rng = RandomStream(seed: 1)
    let d = Distribution.exponential(mean: 1e6)
    var seq: UInt64 = 0
    for _ in 0..<pending {
        q.push(Event(time: d.sample(&rng), seq: seq, kind: 0, target: 0, data: 0)); seq += 1
    }
    let s = wallSeconds {
        for _ in 0..<operations {
            let e = q.pop()!
            q.push(Event(time: e.time + d.sample(&rng), seq: seq, kind: 0, target: 0, data: 0)); seq += 1
        }
    }
    return Double(operations) / s
}

func holdHeap(pending: Int, operations: Int) -> Double {
    var heap = Heap<Event>()
    var rng = RandomStream(seed: 1)
    let d = Distribution.exponential(mean: 1e6)
    var seq: UInt64 = 0
    for _ in 0..<pending {
        heap.insert(Event(time: d.sample(&rng), seq: seq, kind: 0, target: 0, data: 0)); seq += 1
    }
    let s = wallSeconds {
        for _ in 0..<operations {
            let e = heap.removeMin()
            heap.insert(Event(time: e.time + d.sample(&rng), seq: seq, kind: 0, target: 0, data: 0)); seq += 1
        }
    }
    return Double(operations) / s
}

let part = CommandLine.arguments.dropFirst().first ?? "all"
switch part {
case "hold":
    report("engine_hold_events_per_s", holdEngine(pending: 1_000, operations: 20_000_000), "events/s")
    report("engine_hold_1m_events_per_s", holdEngine(pending: 1_000_000, operations: 5_000_000), "events/s")
    report("eventqueue_hold_events_per_s", holdQueue(pending: 1_000, operations: 20_000_000), "events/s")
    report("eventqueue_hold_1m_events_per_s", holdQueue(pending: 1_000_000, operations: 5_000_000), "events/s")
    report("heapmodule_hold_events_per_s", holdHeap(pending: 1_000, operations: 20_000_000), "events/s")
    report("heapmodule_hold_1m_events_per_s", holdHeap(pending: 1_000_000, operations: 5_000_000), "events/s")
case "mm1":
    let customers = 2_000_000
    let net = TandemNetwork(arrivalsPerSecond: 80,
                            stations: [.init(workers: 1, service: .exponential(mean: 10e6))])
    var result: TandemNetwork.Result?
    let s = wallSeconds { result = net.run(customers: customers, seed: 1) }
    precondition(result!.completed == customers)
    report("mm1_customers_per_s", Double(customers) / s, "customers/s")
    report("mm1_events_per_s", Double(result!.events) / s, "events/s")
    report("mm1_peak_rss_mb", peakRSSMB(), "MB")
case "mm1-topology":
    // The M/M/1 through the topology model in-process (no parsing, no reports).
    let s = Scenario(name: "mm1", duration: 25_000 * Nanos.perSecond,
                     cluster: Cluster(nodes: 1, network: Network(sameNode: .constant(0), sameZone: .constant(0),
                                                                 crossZone: .constant(0), external: .constant(0))),
                     services: [Service(name: "q", workers: 1, queue: 1_000_000, serviceTime: .exponential(mean: 10e6))],
                     traffic: [TrafficSource(name: "t", to: 0, rate: .constant(perSecond: 80))],
                     topologies: [TopologySpec(name: "direct", kind: .none)])
    var sim = try! TopologySimulation(scenario: s, topology: s.topologies[0], seed: 1)
    let secs = wallSeconds { sim.runToEnd() }
    report("mm1_topology_customers_per_s", Double(sim.metrics.requests) / secs, "customers/s")
    report("mm1_topology_events_per_s", Double(sim.metrics.events) / secs, "events/s")
    report("mm1_topology_peak_rss_mb", peakRSSMB(), "MB")
case "tree":
    // `tree N`: events/s of the event loop on a generated call tree of N services (CallTree.swift).
    guard let n = CommandLine.arguments.dropFirst(2).first.flatMap({ Int($0) }), n >= 4 else {
        FileHandle.standardError.write("usage: topsim-bench tree N (N >= 4 services)\n".data(using: .utf8)!)
        exit(2)
    }
    do {
        let (_, rates) = try benchCallTree(services: n)
        for (t, r) in rates { report("tree\(n)_\(t)_events_per_s", r, "events/s") }
    } catch {
        FileHandle.standardError.write("topsim-bench tree: \(error)\n".data(using: .utf8)!)
        exit(1)
    }
case "tui":
    for (name, value, unit) in benchTui() { report(name, value, unit) }
default:
    FileHandle.standardError.write("usage: topsim-bench hold|mm1|mm1-topology|tree N|tui\n".data(using: .utf8)!)
    exit(2)
}
