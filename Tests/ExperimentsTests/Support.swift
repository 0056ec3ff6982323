import Foundation
import TestSupport
import XCTest

enum Support {
    /// A fresh temporary folder, removed by the caller's tearDown.
    static func tempDir(_ tag: String) throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("topsim-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// One station of `workers` servers with exponential service times of mean 10 ms and
    /// Poisson arrivals, in a `none` topology on a zero-latency network: an M/M/c queue.
    static func mmc(workers: Int, rate: String, duration: String, warmup: String, seed: UInt64 = 7) -> String {
        """
        scenario: mm\(workers)
        seed: \(seed)
        duration: \(duration)
        warmup: \(warmup)
        cluster:
          network: { same_node: const(0s), same_zone: const(0s), cross_zone: const(0s), external: const(0s) }
        services:
          server: { replicas: 1, workers: \(workers), queue: unlimited, service_time: exp(10ms) }
        traffic:
          - { name: poisson, from: external, to: server, rate: \(rate) }
        topologies:
          - { name: direct, kind: none }

        """
    }

    /// Two services and two topologies: enough for a sweep to have several parameters,
    /// list entries addressed by name and rows per topology.
    static let shop = """
        scenario: shop
        seed: 3
        duration: 20s
        warmup: 2s
        services:
          front: { replicas: 2, workers: 8, service_time: exp(2ms), calls: [payment] }
          payment: { replicas: 2, workers: 4, service_time: lognormal(mean: 5ms, cv: 1.0) }
        traffic:
          - { name: shoppers, from: external, to: front, rate: 100/s }
        topologies:
          - { name: direct, kind: none }
          - { name: mesh, kind: sidecar, preset: istio-envoy }

        """

    /// The `topsim` built from the code under test (TestSupport: a missing or stale binary
    /// is an error, never a skip).
    static func topsimBinary() throws -> URL { try TopsimBinary.url() }

    struct Outcome { var status: Int32; var stdout: String; var stderr: String }

    static func topsim(_ args: [String], environment: [String: String] = [:]) throws -> Outcome {
        let bin = try topsimBinary()
        return try run(bin.path, args, environment: environment)
    }

    /// A program with the shard variables of the test's own environment removed.
    static func run(_ program: String, _ args: [String], environment: [String: String] = [:]) throws -> Outcome {
        var env = ProcessInfo.processInfo.environment
        for k in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_STEP",
                  "JOB_COMPLETION_INDEX"] { env[k] = nil }
        env.merge(environment) { $1 }
        let r = try Command.run(URL(fileURLWithPath: program), args, env: env)
        return Outcome(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// Every file of a folder, by name.
    static func contents(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            out[name] = try Data(contentsOf: dir.appendingPathComponent(name))
        }
        return out
    }
}
