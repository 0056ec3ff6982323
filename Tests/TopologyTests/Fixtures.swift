import Calibration
import Scenario
import SimCore
@testable import Topology

enum Fx {
    static let ms: Double = 1e6
    static func seconds(_ s: Double) -> SimTime { SimTime(s * 1e9) }

    /// A zero-latency network: only proxies and apps take time.
    static let zeroNetwork = Network(sameNode: .constant(0), sameZone: .constant(0), crossZone: .constant(0),
                                     external: .constant(0), crossCluster: .constant(0))

    static func scenario(services: [Service], traffic: [TrafficSource], topologies: [TopologySpec],
                         duration: Double = 60, warmup: Double = 0, nodes: Int = 3, zones: [String] = ["a"],
                         network: Network = zeroNetwork, policies: Policies = Policies(),
                         faults: [Fault] = [], replications: Int = 1, seed: UInt64 = 1) -> Scenario {
        Scenario(name: "test", seed: seed, duration: seconds(duration), warmup: seconds(warmup),
                 replications: replications, window: Nanos.perSecond,
                 cluster: Cluster(nodes: nodes, zones: zones, network: network), services: services,
                 traffic: traffic, policies: policies, topologies: topologies, faults: faults)
    }

    static func run(_ s: Scenario, _ t: Int = 0, seed: UInt64 = 1) throws -> TopologySimulation {
        var sim = try TopologySimulation(scenario: s, topology: s.topologies[t], seed: seed)
        sim.runToEnd()
        return sim
    }

    /// Proxies with constant latency `d` and unlimited workers: no queueing anywhere.
    static func constantProxy(_ d: Double) -> ProxyOverrides {
        ProxyOverrides(latency: .constant(d), workers: unlimited, queue: unlimited)
    }
}
