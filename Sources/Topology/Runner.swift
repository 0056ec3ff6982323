import Dispatch
import Foundation
import Scenario
import SimCore
import Synchronization

/// Every topology of a scenario times every replication, run in parallel.
/// Each run has its own engine and seed, so the results do not depend on `jobs`.
public enum Runner {
    public struct Options: Sendable {
        public var seed: UInt64?
        public var replications: Int?
        public var duration: SimTime?
        public var jobs: Int
        /// Root requests to trace per topology in replication 1 (`--trace-sample N`; 0: none).
        public var traceSample = 0
        /// Collect access-log records in replication 1 (`--access-log`).
        public var accessLog = false
        public init(seed: UInt64? = nil, replications: Int? = nil, duration: SimTime? = nil,
                    jobs: Int = ProcessInfo.processInfo.activeProcessorCount) {
            self.seed = seed; self.replications = replications; self.duration = duration; self.jobs = jobs
        }
    }

    public struct TopologyResult: Sendable {
        public var spec: TopologySpec
        public var model: CompiledTopology
        /// One per replication, in replication order.
        public var runs: [TopologyMetrics]
        public init(spec: TopologySpec, model: CompiledTopology, runs: [TopologyMetrics]) {
            self.spec = spec; self.model = model; self.runs = runs
        }
    }

    public struct Result: Sendable {
        public var scenario: Scenario
        public var seed: UInt64
        public var seeds: [UInt64]
        public var topologies: [TopologyResult]
        public var wallSeconds: Double
        public var events: UInt64 { topologies.reduce(0) { $0 + $1.runs.reduce(0) { $0 + $1.events } } }
    }

    /// Applies command-line overrides to a scenario.
    public static func effective(_ s: Scenario, _ o: Options) -> Scenario {
        var s = s
        if let seed = o.seed { s.seed = seed }
        if let r = o.replications { s.replications = r }
        if let d = o.duration { s.duration = d }
        return s
    }

    /// `progress` receives the fraction of simulated time done (0...1), from worker threads.
    public static func run(_ scenario: Scenario, options: Options = Options(),
                           progress: (@Sendable (Double) -> Void)? = nil) throws -> Result {
        let s = effective(scenario, options)
        let reps = max(1, s.replications)
        let seeds = (0..<reps).map { replicationSeed(base: s.seed, replication: $0) }
        // Compile every topology first so that a preset problem stops the run before it starts.
        let models = try s.topologies.map { try CompiledTopology(scenario: s, topology: $0) }
        let tasks = s.topologies.count * reps
        let results = Mutex<[TopologyMetrics?]>(Array(repeating: nil, count: tasks))
        let next = Mutex(0)
        let done = Mutex(0.0)
        let failure = Mutex<String?>(nil)
        let t0 = Date()
        let workers = max(1, min(options.jobs, tasks))
        let chunk = max(s.duration / 100, 1)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let k = next.withLock { n -> Int in let k = n; n += 1; return k }
                if k >= tasks { return }
                let ti = k / reps, r = k % reps
                do {
                    var sim = try TopologySimulation(scenario: s, topology: s.topologies[ti], seed: seeds[r])
                    if r == 0 && (options.traceSample > 0 || options.accessLog) {
                        sim.enableTracing(sample: options.traceSample, accessLog: options.accessLog)
                    }
                    var t = SimTime(0)
                    while !sim.isFinished {
                        t += chunk
                        sim.run(until: min(t, sim.measureEnd))
                        if let progress {
                            let f = done.withLock { d -> Double in
                                d += Double(chunk) / Double(s.warmup + s.duration) / Double(tasks)
                                return d
                            }
                            progress(min(1, f))
                        }
                    }
                    // Kept until every run is done: only what the reports read (with 200
                    // replications, megabytes of empty counters per run otherwise).
                    var m = sim.metrics
                    m.compactForStorage()
                    results.withLock { $0[k] = m }
                } catch {
                    failure.withLock { $0 = "\(error)" }
                }
            }
        }
        if let f = failure.withLock({ $0 }) { throw TopologyError(description: f) }
        let all = results.withLock { $0 }
        let tops = s.topologies.indices.map { ti in
            TopologyResult(spec: s.topologies[ti], model: models[ti],
                           runs: (0..<reps).map { all[ti * reps + $0]! })
        }
        return Result(scenario: s, seed: s.seed, seeds: seeds, topologies: tops,
                      wallSeconds: Date().timeIntervalSince(t0))
    }
}
