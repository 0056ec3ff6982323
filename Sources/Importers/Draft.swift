import Foundation

// The scenario an importer builds before it is written: every value carries where it came
// from, so the writer can put a comment beside it, and what could not be mapped is kept as
// notes for stderr (never silently dropped).

/// A value with its origin: `FILE:FIELD` (e.g. `graph.yaml:services[2].numReplicas`), or
/// `default` followed by the reason topsim chose it.
public struct Sourced<Value: Sendable>: Sendable {
    public var value: Value
    public var source: String
    public init(_ value: Value, _ source: String) { self.value = value; self.source = source }
}

/// One call of a step: the called service and the share of requests that make it.
public struct DraftCall: Sendable, Equatable {
    public var service: String
    /// 0...1; 1 means always.
    public var probability: Double
    public init(service: String, probability: Double = 1) { self.service = service; self.probability = probability }
}

/// A step of a service's calls: one call, or several that start together (a parallel group).
public struct DraftStep: Sendable {
    public var calls: [DraftCall]
    public var source: String
    public init(calls: [DraftCall], source: String) { self.calls = calls; self.source = source }
}

/// One service of the scenario being imported.
public struct DraftService: Sendable {
    /// Already a valid scenario service name (see `ScenarioWriter.serviceName`).
    public var name: String
    public var replicas: Sourced<Int>?
    /// A scenario distribution, e.g. `const(10ms)` or `empirical(samples-cart.csv)`.
    public var serviceTime: Sourced<String>
    /// Fraction 0...1 the app fails itself.
    public var errors: Sourced<Double>?
    public var workers: Sourced<Int>?
    /// `mesh: false` when the pod template opts out of sidecar injection (nil: in the mesh).
    public var mesh: Sourced<Bool>?
    /// `termination_grace` as scenario text (`45s`), from the pod's terminationGracePeriodSeconds.
    public var terminationGrace: Sourced<String>?
    public var steps: [DraftStep] = []
    public init(name: String, serviceTime: Sourced<String>) { self.name = name; self.serviceTime = serviceTime }
}

/// One traffic source: Poisson arrivals at `rate` per second into `to`.
public struct DraftTraffic: Sendable {
    public var name: String
    public var to: String
    public var toSource: String
    /// Requests per second, > 0.
    public var rate: Sourced<Double>
    public init(name: String, to: String, toSource: String, rate: Sourced<Double>) {
        self.name = name; self.to = to; self.toSource = toSource; self.rate = rate
    }
}

/// A policy value at a dotted key of the scenario's `policies` block
/// (`retries.attempts`, `outlier_detection.interval`), written as scenario text.
public struct PolicyValue: Sendable {
    public var key: String
    public var value: String
    public var source: String
    public init(_ key: String, _ value: String, _ source: String) { self.key = key; self.value = value; self.source = source }
}

/// A topology to compare; `policies` overlay the scenario's for it alone.
public struct DraftTopology: Sendable {
    public var name: String
    /// `none`, `sidecar`, `sidecarless`, `gateway`.
    public var kind: String
    public var preset: Sourced<String>?
    public var mtls: Sourced<String>?
    public var replicas: Sourced<Int>?
    public var policies: [PolicyValue] = []
    /// Other keys of the topology (`waypoint: true`), as scenario text.
    public var extra: [PolicyValue] = []
    public init(name: String, kind: String, preset: Sourced<String>? = nil) {
        self.name = name; self.kind = kind; self.preset = preset
    }
}

/// A file of `empirical()` samples to write next to the scenario.
public struct SampleFile: Sendable {
    /// A bare file name (no folder), e.g. `samples-cart.csv`.
    public var name: String
    /// Durations in milliseconds, at most 1,000,000 (the scenario format's limit).
    public var milliseconds: [Double]
    public var source: String
}

/// Everything an importer produced: the scenario in parts, sample files, and notes.
public struct ImportDraft: Sendable {
    public var name: String
    /// Shown as the scenario's description.
    public var description: String
    public var duration: Sourced<String> = Sourced("60s", "default: a minute is enough for percentiles at 100/s")
    public var warmup: Sourced<String> = Sourced("5s", "default: lets queues settle before measuring")
    public var services: [DraftService] = []
    public var traffic: [DraftTraffic] = []
    /// The scenario-wide `policies` block.
    public var policies: [PolicyValue] = []
    public var topologies: [DraftTopology] = []
    public var samples: [SampleFile] = []
    /// One line each, printed on stderr as `note: …`.
    public var notes: [String] = []

    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }

    /// The index of the service called `name`, if any.
    public func serviceIndex(_ name: String) -> Int? { services.firstIndex { $0.name == name } }

    /// The four topologies compared by default, with the presets named for the user to change:
    /// no proxy, Istio's Envoy sidecars, Istio ambient (ztunnel) and an Envoy gateway at the edge.
    public static func defaultTopologies(gatewayPreset: Sourced<String>? = nil) -> [DraftTopology] {
        [
            DraftTopology(name: "none", kind: "none"),
            DraftTopology(name: "sidecar", kind: "sidecar",
                          preset: Sourced("istio-envoy", "default: change to linkerd, consul-envoy... (topsim presets)")),
            DraftTopology(name: "sidecarless", kind: "sidecarless",
                          preset: Sourced("istio-ambient", "default: change to cilium... (topsim presets)")),
            DraftTopology(name: "gateway", kind: "gateway",
                          preset: gatewayPreset ?? Sourced("envoy-gateway", "default: change to kong, nginx-plus... (topsim presets)")),
        ]
    }
}

/// An input that cannot be imported at all: `file:line:column: error: message` when the
/// position is known, exit status 2.
public struct ImportError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public init(file: String, line: Int = 1, column: Int = 1, _ message: String) {
        self.file = file; self.line = line; self.column = column; self.message = message
    }
    public var description: String { "\(file):\(line):\(column): error: \(message)" }
}
