import Calibration
import SimCore

// The validated scenario: plain values, indices instead of names, every
// default filled in. Times are SimTime nanoseconds measured from the start of
// the measured period (the warmup runs before it, in [-warmup, 0)).

/// One scenario file, parsed and checked.
public struct Scenario: Sendable, Equatable {
    public var name: String
    /// Empty when the file has none.
    public var description: String
    public var seed: UInt64
    /// Measured simulated time.
    public var duration: SimTime
    /// Simulated time run before measuring.
    public var warmup: SimTime
    public var replications: Int
    /// Bucket of the time series.
    public var window: SimTime
    public var cluster: Cluster
    /// File order; the index is the service id used everywhere else.
    public var services: [Service]
    public var traffic: [TrafficSource]
    /// The scenario's `policies:` (empty when absent); overlay it on a preset's.
    public var policies: Policies
    public var controlPlane: ControlPlane
    public var topologies: [TopologySpec]
    public var faults: [Fault]
    public var expectations: [Expectation]
    /// `cost:`: prices for proxy_cost_per_month (cited defaults when absent).
    public var cost = CostPrices()
    /// Values that are valid but cannot behave as written, found while parsing (a rate
    /// limit's window against its rate, ...): `validate` prints them as notes.
    public var parseNotes: [KeyNote] = []
    /// The file read, nil for a built-in or in-memory scenario.
    public var sourcePath: String?
    /// The exact text parsed (hash it for run.json).
    public var sourceText: String

    public init(name: String, description: String = "", seed: UInt64 = 1, duration: SimTime,
                warmup: SimTime = 0, replications: Int = 1, window: SimTime = Nanos.perSecond,
                cluster: Cluster = Cluster(), services: [Service], traffic: [TrafficSource],
                policies: Policies = Policies(), controlPlane: ControlPlane = ControlPlane(),
                topologies: [TopologySpec], faults: [Fault] = [], expectations: [Expectation] = [],
                sourcePath: String? = nil, sourceText: String = "") {
        self.name = name; self.description = description; self.seed = seed
        self.duration = duration; self.warmup = warmup; self.replications = replications
        self.window = window; self.cluster = cluster; self.services = services
        self.traffic = traffic; self.policies = policies; self.controlPlane = controlPlane
        self.topologies = topologies; self.faults = faults; self.expectations = expectations
        self.sourcePath = sourcePath; self.sourceText = sourceText
    }

    public func serviceIndex(named name: String) -> Int? {
        services.firstIndex { $0.name == name }
    }

    public func topology(named name: String) -> TopologySpec? {
        topologies.first { $0.name == name }
    }
}

// MARK: - Cluster

public struct Cluster: Sendable, Equatable {
    /// Node i is named `node-i`, sits in zone `i % zones.count` and in cluster `i % clusters`.
    public var nodes: Int
    public var zones: [String]
    /// Multi-cluster extension: how many clusters the nodes are dealt over.
    public var clusters: Int
    public var network: Network
    /// Overrides for the east-west gateway between clusters (only used when clusters > 1).
    public var eastWest: ProxyOverrides?

    public init(nodes: Int = 1, zones: [String] = ["a"], clusters: Int = 1,
                network: Network = Network(), eastWest: ProxyOverrides? = nil) {
        self.nodes = nodes; self.zones = zones; self.clusters = clusters
        self.network = network; self.eastWest = eastWest
    }

    public func nodeName(_ i: Int) -> String { "node-\(i)" }
    public func zoneIndex(ofNode i: Int) -> Int { i % zones.count }
    public func clusterIndex(ofNode i: Int) -> Int { i % clusters }
}

/// One-way latency between two pods, by how far apart they are.
public struct Network: Sendable, Equatable {
    public var sameNode: Distribution
    public var sameZone: Distribution
    public var crossZone: Distribution
    /// Clients outside to the edge.
    public var external: Distribution
    /// Between clusters (on top of nothing else: this is the whole wire latency).
    public var crossCluster: Distribution

    public static let defaultSameNode = Distribution.constant(20_000)        // 20us
    public static let defaultSameZone = Distribution.constant(200_000)       // 200us
    public static let defaultCrossZone = Distribution.constant(1_000_000)    // 1ms
    public static let defaultExternal = Distribution.constant(0)
    public static let defaultCrossCluster = Distribution.constant(5_000_000) // 5ms

    public init(sameNode: Distribution = Network.defaultSameNode,
                sameZone: Distribution = Network.defaultSameZone,
                crossZone: Distribution = Network.defaultCrossZone,
                external: Distribution = Network.defaultExternal,
                crossCluster: Distribution = Network.defaultCrossCluster) {
        self.sameNode = sameNode; self.sameZone = sameZone; self.crossZone = crossZone
        self.external = external; self.crossCluster = crossCluster
    }
}

// MARK: - Services

public struct Service: Sendable, Equatable {
    public var name: String
    public var replicas: Int
    /// Requests served at once per instance; `unlimited` (Calibration) for an infinite-server station.
    public var workers: Int
    /// Waiting room per instance; `unlimited` allowed.
    public var queue: Int
    public var serviceTime: Distribution
    /// Per request, in order.
    public var calls: [CallStep]
    /// Fraction of requests the app itself fails (answered as unavailable).
    public var errors: Double
    /// `client_policies:` the app's own client-library policies, used where no proxy enforces any (`none`).
    public var policies: Policies?
    /// Multi-cluster extension: pin the instances to one cluster (nil: spread over all).
    public var cluster: Int?
    /// What its clients speak: HTTP/2 and gRPC multiplex every request of a connection over it.
    public var `protocol` = AppProtocol.http1
    /// `termination_grace`: how long a terminating instance may finish its in-flight
    /// requests before it is killed (Kubernetes `terminationGracePeriodSeconds`, default 30 s;
    /// the grace period counts from the start of termination and includes the preStop hook:
    /// https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination).
    public var terminationGrace: SimTime = 30 * Nanos.perSecond
    /// `prestop`: how long a terminating instance keeps listening (and receiving) before it
    /// stops accepting connections (a preStop `sleep`); default 0: it stops at once.
    public var preStop: SimTime = 0
    /// `readiness`: the readiness probe that takes a failed instance out of the endpoints.
    public var readiness = Readiness()
    /// `mesh`: whether the service's pods are in the mesh (a sidecar, or enrolled in an ambient
    /// node proxy) from the start; `mesh: false` is a pod never injected (Istio's
    /// `sidecar.istio.io/inject: "false"`, Linkerd's `linkerd.io/inject: disabled`) until an
    /// `inject` fault adds it. Default true; meaningless in `none` and `gateway` topologies.
    public var mesh = true
    /// Where `termination_grace`, `prestop` and `readiness` were written (line 0: not written),
    /// for `validate`'s notes on keys that cannot act (Applicability.swift).
    public var terminationGraceAt = SourcePosition()
    public var preStopAt = SourcePosition()
    public var readinessAt = SourcePosition()
    public var line: Int
    public var column: Int

    public static let defaultWorkers = 16
    public static let defaultQueue = 1024

    public init(name: String, replicas: Int = 1, workers: Int = Service.defaultWorkers,
                queue: Int = Service.defaultQueue, serviceTime: Distribution, calls: [CallStep] = [],
                errors: Double = 0, policies: Policies? = nil, cluster: Int? = nil,
                line: Int = 0, column: Int = 0) {
        self.name = name; self.replicas = replicas; self.workers = workers; self.queue = queue
        self.serviceTime = serviceTime; self.calls = calls; self.errors = errors
        self.policies = policies; self.cluster = cluster; self.line = line; self.column = column
    }
}

/// The application protocol a service's clients speak to it.
public enum AppProtocol: String, CaseIterable, Sendable {
    /// One request at a time per connection.
    case http1
    /// Every request of a client multiplexed over its connection(s).
    case http2
    /// HTTP/2 underneath: a gRPC channel keeps one connection per resolved address, and a
    /// Kubernetes Service resolves to one address (its virtual IP). Source: grpc.io
    /// "Load balancing" blog (2017) and kubernetes.io blog "gRPC Load Balancing on Kubernetes
    /// without Tears" (2018).
    case grpc

    /// Whether requests share connections (HTTP/2 streams).
    public var multiplexed: Bool { self != .http1 }
}

/// A Kubernetes readiness probe: an instance that stops answering it leaves the Service's
/// endpoints after `period × failureThreshold` (defaults `periodSeconds` 10 and
/// `failureThreshold` 3: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes).
public struct Readiness: Sendable, Equatable {
    /// Time between probes (`periodSeconds`).
    public var period: SimTime = 10 * Nanos.perSecond
    /// Consecutive failed probes before the instance is marked not ready (`failureThreshold`).
    public var failureThreshold = 3
    public init(period: SimTime = 10 * Nanos.perSecond, failureThreshold: Int = 3) {
        self.period = period; self.failureThreshold = failureThreshold
    }
    /// How long a failed instance stays ready: period × failure threshold (30 s by default).
    public var detection: SimTime { period * SimTime(failureThreshold) }
}

public enum CallStep: Sendable, Equatable {
    case sequential(Call)
    /// Every call starts at once; the step ends when the last one answers.
    case parallel([Call])

    public var calls: [Call] {
        switch self {
        case .sequential(let c): return [c]
        case .parallel(let cs): return cs
        }
    }
}

public struct Call: Sendable, Equatable {
    /// Index into `Scenario.services`.
    public var service: Int
    /// Chance the call is made at all (per request), 0...1.
    public var probability: Double
    public init(service: Int, probability: Double = 1) {
        self.service = service; self.probability = probability
    }
}

// MARK: - Traffic

public enum TrafficOrigin: String, Sendable, Equatable, CaseIterable {
    /// Enters through the topology's edge.
    case external
    /// Starts in a client pod inside the cluster.
    case `internal`
}

public struct RatePoint: Sendable, Equatable {
    public var at: SimTime
    public var perSecond: Double
    public init(at: SimTime, perSecond: Double) { self.at = at; self.perSecond = perSecond }
}

public enum TrafficRate: Sendable, Equatable {
    /// Poisson arrivals (or the pace of a closed loop).
    case constant(perSecond: Double)
    /// Piecewise constant: each point's rate holds until the next point; sorted by `at`,
    /// the first at 0 (before the first point, the first point's rate applies).
    case profile([RatePoint])

    public func perSecond(at t: SimTime) -> Double {
        switch self {
        case .constant(let r): return r
        case .profile(let pts):
            var r = pts.first?.perSecond ?? 0
            for p in pts where p.at <= t { r = p.perSecond }
            return r
        }
    }
}

public struct TrafficSource: Sendable, Equatable {
    public var name: String
    public var from: TrafficOrigin
    /// Index into `Scenario.services`.
    public var to: Int
    public var rate: TrafficRate
    /// Closed loop: this many connections, each paced to rate/clients and waiting for its own response.
    public var clients: Int?
    /// Distinct API consumers, for per-consumer limits.
    public var consumers: Int
    /// Client connections kept open per client (nil: a new connection per request over
    /// HTTP/1.1, one per client over HTTP/2 and gRPC).
    public var connections: Int?
    public var line: Int
    public var column: Int
    public init(name: String, from: TrafficOrigin = .external, to: Int, rate: TrafficRate,
                clients: Int? = nil, consumers: Int = 1, line: Int = 0, column: Int = 0) {
        self.name = name; self.from = from; self.to = to; self.rate = rate
        self.clients = clients; self.consumers = consumers; self.line = line; self.column = column
    }
}

// MARK: - Control plane

/// Every field nil means "the preset's".
public struct ControlPlane: Sendable, Equatable {
    public var replicas: Int?
    /// Config/endpoint propagation delay to proxies.
    public var pushDelay: Distribution?
    public var certificates: CertificatePolicy?
    public init(replicas: Int? = nil, pushDelay: Distribution? = nil, certificates: CertificatePolicy? = nil) {
        self.replicas = replicas; self.pushDelay = pushDelay; self.certificates = certificates
    }
}

// MARK: - Topologies

public enum TopologyKind: String, Sendable, Equatable, CaseIterable {
    case none, gateway, sidecar, combined, sidecarless

    /// The preset kind a topology's main `preset:` must have (nil: takes none).
    public var presetKind: PresetKind? {
        switch self {
        case .none: return nil
        case .gateway: return .gateway
        case .sidecar, .combined: return .sidecarMesh
        case .sidecarless: return .sidecarless
        }
    }
}

public enum MTLSMode: String, Sendable, Equatable, CaseIterable {
    case strict, permissive, off
}

/// Where a `gateway` topology sends service-to-service calls.
public enum InternalRouting: String, Sendable, Equatable, CaseIterable {
    case viaGateway = "via-gateway"
    case direct
}

public enum WaypointSpec: Sendable, Equatable {
    case off
    /// A waypoint with these overrides of the preset's waypoint values.
    case on(ProxyOverrides)

    public var isOn: Bool { if case .on = self { return true } else { return false } }
}

/// The edge/hub gateway of a `gateway` or `combined` topology.
public struct GatewayPart: Sendable, Equatable {
    /// A preset of kind `gateway`.
    public var preset: String
    public var overrides: ProxyOverrides
    public init(preset: String, overrides: ProxyOverrides = ProxyOverrides()) {
        self.preset = preset; self.overrides = overrides
    }
}

/// The mesh half of a `combined` topology.
public struct MeshPart: Sendable, Equatable {
    /// A preset of kind `sidecar-mesh`.
    public var preset: String
    public var mtls: MTLSMode?
    public var proxy: ProxyOverrides?
    public init(preset: String, mtls: MTLSMode? = nil, proxy: ProxyOverrides? = nil) {
        self.preset = preset; self.mtls = mtls; self.proxy = proxy
    }
}

/// One topology to compare. The parser normalises it so that the top-level
/// fields are the effective ones whatever the kind: `preset` is the mesh (or
/// gateway, or ambient) preset, `gateway` is set for `gateway` and `combined`,
/// `mesh` for `combined` (and agrees with `preset`/`mtls`/`proxy`).
public struct TopologySpec: Sendable, Equatable {
    public var name: String
    public var kind: TopologyKind
    /// Registry name as written (resolve with `PresetRegistry.preset(named:)`); nil only for `none`.
    public var preset: String?
    /// nil: the preset's default.
    public var mtls: MTLSMode?
    /// Only meaningful for `gateway`.
    public var `internal`: InternalRouting
    /// A `gateway` topology's top-level `replicas:` (also folded into `gateway.overrides.replicas`).
    public var replicas: Int?
    /// The sidecar (sidecar, combined) or the node proxy (sidecarless).
    public var proxy: ProxyOverrides?
    public var gateway: GatewayPart?
    public var mesh: MeshPart?
    /// A mesh's ingress gateway (sidecar, sidecarless).
    public var ingress: ProxyOverrides?
    public var waypoint: WaypointSpec
    /// Overlays the scenario's policies.
    public var policies: Policies?
    /// nil: the preset's default.
    public var holdApplicationUntilProxyStarts: Bool?
    /// For `topsim checklist`; nil: not stated.
    public var accessLogs: Bool?
    public var tracing: Bool?
    public var line: Int
    public var column: Int

    public init(name: String, kind: TopologyKind, preset: String? = nil, mtls: MTLSMode? = nil,
                internal: InternalRouting = .direct, replicas: Int? = nil, proxy: ProxyOverrides? = nil,
                gateway: GatewayPart? = nil, mesh: MeshPart? = nil, ingress: ProxyOverrides? = nil,
                waypoint: WaypointSpec = .off, policies: Policies? = nil,
                holdApplicationUntilProxyStarts: Bool? = nil, accessLogs: Bool? = nil, tracing: Bool? = nil,
                line: Int = 0, column: Int = 0) {
        self.name = name; self.kind = kind; self.preset = preset; self.mtls = mtls
        self.internal = `internal`; self.replicas = replicas; self.proxy = proxy
        self.gateway = gateway; self.mesh = mesh; self.ingress = ingress; self.waypoint = waypoint
        self.policies = policies; self.holdApplicationUntilProxyStarts = holdApplicationUntilProxyStarts
        self.accessLogs = accessLogs; self.tracing = tracing; self.line = line; self.column = column
    }
}

// MARK: - Faults

public enum FaultKind: String, Sendable, Equatable, CaseIterable {
    case crash
    case proxyCrash = "proxy-crash"
    case gatewayDown = "gateway-down"
    case nodeDown = "node-down"
    case partition
    case latency
    case errors
    case restart
    case configDrift = "config-drift"
    case controlPlaneDown = "control-plane-down"
    /// The store of `cluster` rate limits (Kong's database or Redis) is unreachable.
    case rateLimitStoreDown = "rate-limit-store-down"
    /// A rolling restart of a service's pods (Kubernetes Deployment RollingUpdate).
    case rollout
    /// Gradual adoption: a rollout that adds the sidecar (or the ambient enrolment) to a
    /// service's pods.
    case inject
    /// Gradual adoption: the mTLS mode (`mode`) changes, namespace-wide or for one service.
    case mtlsMode = "mtls-mode"
    /// The process keeps its port open but answers nothing (a deadlock, a stop-the-world
    /// pause, an exhausted thread pool): connections are accepted, requests wait for the
    /// caller's timeouts, and the readiness probe takes the pod out of the endpoints.
    case hang
    /// The service's Deployment scaled in to `replicas` (kubectl scale): the pods above that
    /// count terminate gracefully, with no replacement; with `for`, scaled back out at its end.
    case scale
}

public enum FaultTarget: Sendable, Equatable {
    /// Every instance of a service.
    case service(Int)
    case instance(service: Int, index: Int)
    case node(Int)
    /// Index into `Cluster.zones`.
    case zone(Int)
    /// Every gateway replica (or `Fault.replicas` of them).
    case gateway
    case gatewayReplica(Int)
    case controlPlane
    /// The fault takes no target (partition uses `between`).
    case none
}

public struct Fault: Sendable, Equatable {
    public var at: SimTime
    /// nil: to the end of the run.
    public var duration: SimTime?
    public var kind: FaultKind
    public var target: FaultTarget
    /// The target as written (`payment/0`), for reports; empty when none.
    public var targetText: String
    /// `latency`: added one-way latency per request reaching the target.
    public var add: Distribution?
    /// `errors`: fraction of requests failed.
    public var rate: Double?
    /// `gateway-down`: how many replicas go down (nil: all). `scale`: the replica count the
    /// service is scaled to (below its `replicas`).
    public var replicas: Int?
    /// `restart`: outbound calls are refused until the proxy is ready.
    public var proxyReadyAfter: SimTime?
    /// `restart`: how long the app is away (nil: back at once).
    public var downFor: SimTime?
    /// `config-drift`: the policies the drifted proxies run with (overlaid on the topology's).
    public var policies: Policies?
    /// `config-drift`: share of the target's proxies that drift (nil in the file: 1).
    public var fraction: Double?
    /// `partition`: zone indices cut off from each other.
    public var between: [Int]
    /// `rollout`: pods that may be unavailable during the update (Deployment
    /// `maxUnavailable`; nil: Kubernetes' default 25 % of the replicas, rounded down).
    public var maxUnavailable: Int?
    /// `rollout`: pods that may be created above the desired count (`maxSurge`; nil: 25 %,
    /// rounded up).
    public var maxSurge: Int?
    /// `mtls-mode`: the mode from then on (`strict` or `permissive`), for the target service
    /// (a workload-specific PeerAuthentication) or, without a target, namespace-wide.
    public var mode: MTLSMode?
    public var line: Int
    public var column: Int

    public init(at: SimTime, duration: SimTime? = nil, kind: FaultKind, target: FaultTarget = .none,
                targetText: String = "", add: Distribution? = nil, rate: Double? = nil, replicas: Int? = nil,
                proxyReadyAfter: SimTime? = nil, downFor: SimTime? = nil, policies: Policies? = nil,
                fraction: Double? = nil, between: [Int] = [], line: Int = 0, column: Int = 0) {
        self.at = at; self.duration = duration; self.kind = kind; self.target = target
        self.targetText = targetText; self.add = add; self.rate = rate; self.replicas = replicas
        self.proxyReadyAfter = proxyReadyAfter; self.downFor = downFor; self.policies = policies
        self.fraction = fraction; self.between = between; self.line = line; self.column = column
    }

    /// `crash payment/0`, for reports and faults.csv.
    public var label: String {
        kind == .mtlsMode ? "mtls-mode \(mode?.rawValue ?? "?") \(displayTarget)" : "\(kind.rawValue) \(displayTarget)"
    }

    /// What the fault hits, never empty: the target as written, or what a kind without
    /// `target:` means (every output names it: faults.csv, the dashboard, report.html).
    public var displayTarget: String {
        if !targetText.isEmpty { return targetText }
        switch target {
        case .gateway: return replicas.map { "gateway (\($0) replica\($0 == 1 ? "" : "s"))" } ?? "gateway (all replicas)"
        case .gatewayReplica(let i): return "gateway/\(i)"
        case .controlPlane: return "control-plane"
        case .service(let s): return "service #\(s)"
        case .instance(let s, let i): return "service #\(s)/\(i)"
        case .node(let n): return "node #\(n)"
        case .zone(let z): return "zone #\(z)"
        case .none:
            switch kind {
            case .partition: return between.isEmpty ? "zones" : "zones " + between.map { "#\($0)" }.joined(separator: "|")
            case .configDrift: return "every proxy"
            case .mtlsMode: return "namespace"
            default: return kind.rawValue
            }
        }
    }

    /// When it stops, clamped to the end of the run.
    public func end(runDuration: SimTime) -> SimTime {
        guard let d = duration else { return runDuration }
        let (sum, overflow) = at.addingReportingOverflow(d)
        return overflow ? runDuration : min(sum, runDuration)
    }
}

// MARK: - Expectations

public enum TopologyRef: Sendable, Equatable {
    /// `*`: every topology.
    case all
    case named(String)
}

public enum MetricDimension: String, Sendable, Equatable {
    case count, duration, fraction, rate, number
}

public enum Metric: Sendable, Equatable, Hashable {
    case requests, throughput, successRate, errorRate
    case mean, p50, p90, p99, p999, max
    case errors(ErrorCause)
    case proxies, proxyMemoryMB, proxyCPUCores, hops
    /// Root requests started in the measured period and unfinished at its end.
    case incomplete
    /// How long failed requests took to fail.
    case failedP50, failedP99
    /// Per service (`mesh:payment.attempts`): logical calls, tries that reached an
    /// instance, calls that succeeded, busy share of its workers.
    case calls, attempts, succeeded, utilization
    /// Per service: requests that crossed a zone boundary on their way to it (each crossing).
    case crossZone

    public static let all: [Metric] = [
        .requests, .throughput, .successRate, .errorRate, .mean, .p50, .p90, .p99, .p999, .max,
    ] + ErrorCause.allCases.map { .errors($0) }
      + [.proxies, .proxyMemoryMB, .proxyCPUCores, .hops, .incomplete, .failedP50, .failedP99,
         .calls, .attempts, .succeeded, .utilization, .crossZone]

    /// Metrics of one service (services.csv), for `TOPOLOGY:SERVICE.METRIC`.
    public static let serviceMetrics: [Metric] = [.calls, .attempts, .succeeded, .successRate, .errorRate, .p50, .p99,
                                                  .utilization, .crossZone] + ErrorCause.allCases.map { .errors($0) }
    /// Metrics that only exist per service.
    public var isServiceOnly: Bool { [.calls, .attempts, .succeeded, .utilization, .crossZone].contains(self) }

    /// The name used in scenario files.
    public var name: String {
        switch self {
        case .requests: return "requests"
        case .throughput: return "throughput"
        case .successRate: return "success_rate"
        case .errorRate: return "error_rate"
        case .mean: return "mean"
        case .p50: return "p50"
        case .p90: return "p90"
        case .p99: return "p99"
        case .p999: return "p999"
        case .max: return "max"
        case .errors(let c): return "errors.\(c.rawValue)"
        case .proxies: return "proxies"
        case .proxyMemoryMB: return "proxy_memory_mb"
        case .proxyCPUCores: return "proxy_cpu_cores"
        case .hops: return "hops"
        case .incomplete: return "incomplete"
        case .failedP50: return "failed_p50"
        case .failedP99: return "failed_p99"
        case .calls: return "calls"
        case .attempts: return "attempts"
        case .succeeded: return "succeeded"
        case .utilization: return "utilization"
        case .crossZone: return "cross_zone"
        }
    }

    public init?(name: String) {
        guard let m = Metric.all.first(where: { $0.name == name }) else { return nil }
        self = m
    }

    /// What the metric measures; a value compared with it must have the same dimension.
    public var dimension: MetricDimension {
        switch self {
        case .requests, .errors, .proxies, .incomplete, .calls, .attempts, .succeeded, .crossZone: return .count
        case .throughput: return .rate
        case .successRate, .errorRate, .utilization: return .fraction
        case .mean, .p50, .p90, .p99, .p999, .max, .failedP50, .failedP99: return .duration
        case .proxyMemoryMB, .proxyCPUCores, .hops: return .number
        }
    }
}

public struct MetricRef: Sendable, Equatable {
    public var topology: TopologyRef
    public var metric: Metric
    /// `TOPOLOGY:SERVICE.METRIC`: the service's name (nil: the topology as a whole).
    public var service: String?
    public init(topology: TopologyRef, metric: Metric, service: String? = nil) {
        self.topology = topology; self.metric = metric; self.service = service
    }
}

/// A literal, already converted to the metric's dimension.
public enum Quantity: Sendable, Equatable {
    /// The same quantity with its sign turned (a bound on a difference may be negative).
    public var negated: Quantity {
        switch self {
        case .duration(let d): return .duration(-d)
        case .fraction(let f): return .fraction(-f)
        case .number(let n): return .number(-n)
        case .rate(let r): return .rate(-r)
        }
    }
    case duration(SimTime)
    /// 0...1.
    case fraction(Double)
    /// Counts, MB, cores, hops.
    case number(Double)
    /// Per second.
    case rate(Double)

    /// The value in the unit reports use: ms for durations, 0..1 fractions, per-second rates.
    public var reportValue: Double {
        switch self {
        case .duration(let t): return Nanos.toMillis(t)
        case .fraction(let f): return f
        case .number(let n): return n
        case .rate(let r): return r
        }
    }
}

public enum CompareOp: String, Sendable, Equatable, CaseIterable {
    case lt = "<", le = "<=", gt = ">", ge = ">=", eq = "==", ne = "!="

    public func holds(_ a: Double, _ b: Double) -> Bool {
        switch self {
        case .lt: return a < b
        case .le: return a <= b
        case .gt: return a > b
        case .ge: return a >= b
        case .eq: return a == b
        case .ne: return a != b
        }
    }
}

public enum ExpectationOperand: Sendable, Equatable {
    case value(Quantity)
    case metric(MetricRef)
}

public struct TimeWindow: Sendable, Equatable {
    public var start: SimTime
    public var end: SimTime
    public init(start: SimTime, end: SimTime) { self.start = start; self.end = end }
}

/// `SIDE [in [START, END]] OP (VALUE | [FACTOR *] SIDE) [in [START, END]]`, where SIDE is
/// `TOPOLOGY.METRIC` or a difference `TOPOLOGY.METRIC - TOPOLOGY.METRIC` (parenthesised
/// after a factor): e.g. `istio.p99 >= 1.5 * linkerd.p99`, or the added latency
/// `istio.p50 - base.p50 >= 2 * (linkerd.p50 - base.p50)`.
public struct Expectation: Sendable, Equatable {
    /// The line as written.
    public var text: String
    public var lhs: MetricRef
    /// `lhs - lhsMinus`: what the left side subtracts (nil: the left side is `lhs` alone).
    /// Same dimension as `lhs`; never `*` (a difference names its topologies).
    public var lhsMinus: MetricRef?
    public var op: CompareOp
    public var rhs: ExpectationOperand
    /// `rhs - rhsMinus` when the right side is a metric difference (nil otherwise).
    public var rhsMinus: MetricRef?
    /// Multiplies a metric right-hand side (`1.5 * b.p99`): a positive plain number, 1 when
    /// none is written. Values are never scaled (write the product).
    public var factor: Double
    /// Restricts both sides to this part of the measured period.
    public var window: TimeWindow?
    public var line: Int
    public var column: Int
    public init(text: String, lhs: MetricRef, op: CompareOp, rhs: ExpectationOperand,
                window: TimeWindow? = nil, line: Int = 0, column: Int = 0,
                lhsMinus: MetricRef? = nil, rhsMinus: MetricRef? = nil, factor: Double = 1) {
        self.text = text; self.lhs = lhs; self.op = op; self.rhs = rhs
        self.window = window; self.line = line; self.column = column
        self.lhsMinus = lhsMinus; self.rhsMinus = rhsMinus; self.factor = factor
    }

    /// True for the forms beyond `A OP (VALUE | B)`: a difference or a factor.
    public var hasArithmetic: Bool { lhsMinus != nil || rhsMinus != nil || factor != 1 }
}

// MARK: - Diagnostics

/// A place in the scenario file; line 0: nowhere (not written, or built in memory).
public struct SourcePosition: Sendable, Equatable {
    public var line = 0
    public var column = 0
    public init(line: Int = 0, column: Int = 0) { self.line = line; self.column = column }
    public var isWritten: Bool { line > 0 }
}

/// Something `validate` tells about a valid file: a fault, key or combination that cannot
/// have the effect it was written for. Printed as `FILE:LINE:COLUMN: note: MESSAGE`.
public struct ScenarioNote: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public init(line: Int, column: Int, message: String) {
        self.line = line; self.column = column; self.message = message
    }
    public var description: String { ControlCharacters.escaped("\(line):\(column): note: \(message)") }
}

public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    /// A near name, printed as `(did you mean 'x'?)`.
    public var suggestion: String?
    public init(file: String, line: Int, column: Int, message: String, suggestion: String? = nil) {
        self.file = file; self.line = line; self.column = column
        self.message = message; self.suggestion = suggestion
    }

    /// `FILE:LINE:COLUMN: error: MESSAGE`, or `error: MESSAGE` for a command-line value
    /// (line 0). Control characters from the file are escaped, never sent to the terminal.
    public var description: String {
        var s = line > 0 ? "\(file):\(line):\(column): error: \(message)" : "error: \(message)"
        if let sug = suggestion { s += " (did you mean '\(sug)'?)" }
        return ControlCharacters.escaped(s)
    }
}

/// Every problem found in one file, in file order.
public struct ScenarioErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
