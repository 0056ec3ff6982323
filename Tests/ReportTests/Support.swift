import Foundation
import Report
import Scenario
import SimCore
import Topology
import XCTest

enum Support {
    /// Zero-latency network: only apps and proxies take time, so values are predictable.
    static let network = "cluster:\n  network: { same_node: const(0s), same_zone: const(0s), cross_zone: const(0s), external: const(0s) }\n"

    /// Two topologies on one service with a constant 10ms service time: `direct` and a
    /// `mesh` whose sidecars add a constant 2ms per traversal.
    static func twoTopologies(expect: [String], serviceTime: String = "const(10ms)", proxyLatency: String = "const(2ms)",
                              faults: String = "", duration: String = "20s", replications: Int = 1,
                              rate: String = "50/s", seed: UInt64 = 1) -> String {
        var y = """
        scenario: tiny
        seed: \(seed)
        duration: \(duration)
        warmup: 2s
        replications: \(replications)

        """
        y += network
        y += """
        services:
          app: { replicas: 2, workers: unlimited, queue: unlimited, service_time: \(serviceTime) }
        traffic:
          - { name: users, from: external, to: app, rate: \(rate) }
        topologies:
          - { name: direct, kind: none }
          - { name: mesh, kind: sidecar, preset: istio-envoy, proxy: { latency: \(proxyLatency), workers: unlimited, queue: unlimited } }

        """
        y += faults
        if !expect.isEmpty {
            y += "expect:\n" + expect.map { "  - \"\($0)\"\n" }.joined()
        }
        return y
    }

    /// One M/M/1 station (one worker, exponential service) at 50% load.
    static func mm1(serviceTime: String = "exp(10ms)", replications: Int = 6, duration: String = "60s",
                    seed: UInt64 = 1, name: String = "mm1-small", expect: [String] = []) -> String {
        var y = """
        scenario: \(name)
        seed: \(seed)
        duration: \(duration)
        warmup: 5s
        replications: \(replications)

        """
        y += network
        y += """
        services:
          server: { replicas: 1, workers: 1, queue: unlimited, service_time: \(serviceTime) }
        traffic:
          - { name: poisson, from: external, to: server, rate: 50/s }
        topologies:
          - { name: direct, kind: none }

        """
        if !expect.isEmpty {
            y += "expect:\n" + expect.map { "  - \"\($0)\"\n" }.joined()
        }
        return y
    }

    /// 1-based line of the first line containing `text`.
    static func line(of text: String, in yaml: String) -> Int {
        (yaml.components(separatedBy: "\n").firstIndex { $0.contains(text) } ?? -1) + 1
    }

    static func parse(_ yaml: String, file: String = "test.yaml") throws -> Scenario {
        do { return try ScenarioLoader.parse(text: yaml, fileName: file, directory: nil) } catch let e as ScenarioErrors {
            XCTFail("scenario did not parse:\n\(e)\n\(yaml)")
            throw e
        }
    }

    static func run(_ yaml: String, seed: UInt64? = nil) throws -> Runner.Result {
        try Runner.run(parse(yaml), options: Runner.Options(seed: seed, jobs: 2))
    }
}
