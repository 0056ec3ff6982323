// What the dashboard draws: plain immutable values handed over by a SnapshotSource.
// The module knows nothing of the simulation; everything here is already measured.

/// Health of a process or topology, with Kiali's colour thresholds.
public enum Health: String, Sendable, CaseIterable, Equatable {
    case healthy, degraded, failing, down, starting

    /// Kiali's thresholds: degraded from 0.1% errors, failing above 10%.
    /// `errorRate` is a fraction (0.02 = 2%).
    public static func classify(errorRate: Double) -> Health {
        if errorRate > 0.10 { return .failing }
        if errorRate >= 0.001 { return .degraded }
        return .healthy
    }
}

public enum TopologyKind: String, Sendable, CaseIterable, Equatable {
    case none, gateway, sidecar, combined, sidecarless
}

/// Why a request failed; the order is the display order.
public enum ErrorCause: String, Sendable, CaseIterable, Equatable {
    case timeout, unavailable, refused, tls
    case rateLimited = "rate_limited"
    /// A calling proxy's circuit breaker turned the request away (Envoy UO).
    case overflow
}

public enum RunState: String, Sendable, Equatable {
    case running, paused, finished
}

public enum MTLSMode: String, Sendable, Equatable {
    case off, permissive, strict
}

/// One hop kind on the request path ("app", "wire", "sidecar", "gateway", "node-proxy", "waypoint", "queue").
public struct HopView: Sendable, Equatable {
    public var name: String
    /// Mean number of times one request crosses this hop.
    public var traversalsPerRequest: Double
    /// Mean time spent per traversal, milliseconds.
    public var meanMs: Double
    /// Fraction (0...1) of end-to-end latency spent here: on the critical path when known
    /// (parallel calls count their slowest branch only, so the shares add up to 1).
    public var share: Double
    /// Mean milliseconds per successful request on the critical path (NaN: unknown).
    public var criticalMs: Double

    public init(name: String, traversalsPerRequest: Double, meanMs: Double, share: Double, criticalMs: Double = .nan) {
        self.name = name
        self.traversalsPerRequest = traversalsPerRequest
        self.meanMs = meanMs
        self.share = share
        self.criticalMs = criticalMs
    }
}

/// One service of the selected topology as its callers saw it (services.csv's figures,
/// Report/ServicesAndProxies.swift): the service panel's row.
public struct ServiceView: Sendable, Equatable {
    public var name: String
    /// Its own work (not its callees') on the critical path, mean milliseconds per
    /// successful request (NaN: unknown).
    public var criticalMs: Double
    /// Fraction (0...1) of end-to-end latency spent in its own work on the critical path.
    public var share: Double
    /// Logical calls made to it (root requests and calls from other services).
    public var calls: Int
    /// Tries that reached one of its instances, retries included.
    public var attempts: Int
    /// Latency of its successful calls as the caller saw them, ms (NaN: none succeeded).
    public var p50Ms: Double
    public var p99Ms: Double
    /// Failed calls by cause; a missing cause means zero.
    public var errors: [ErrorCause: Int]

    public init(name: String, criticalMs: Double, share: Double, calls: Int = 0, attempts: Int = 0,
                p50Ms: Double = .nan, p99Ms: Double = .nan, errors: [ErrorCause: Int] = [:]) {
        self.name = name
        self.criticalMs = criticalMs
        self.share = share
        self.calls = calls
        self.attempts = attempts
        self.p50Ms = p50Ms
        self.p99Ms = p99Ms
        self.errors = errors
    }

    public var totalErrors: Int { errors.values.reduce(0, +) }
    /// Tries per logical call: 1 without retries (NaN: no call yet).
    public var attemptsPerCall: Double { calls > 0 ? Double(attempts) / Double(calls) : .nan }
}

/// One measurement window, oldest first in `TopologyView.history`.
public struct WindowSample: Sendable, Equatable {
    /// NaN when nothing succeeded in the window: drawn as a gap, never as 0.
    public var p99Ms: Double
    /// Fraction 0...1.
    public var successRate: Double

    public init(p99Ms: Double, successRate: Double) {
        self.p99Ms = p99Ms
        self.successRate = successRate
    }
}

public struct PodView: Sendable, Equatable {
    public var service: String
    public var index: Int
    public var app: Health
    /// nil when the pod has no sidecar.
    public var sidecar: Health?
    /// False for a pod a sidecar-less mesh has not enrolled (`mesh: false` until an `inject`):
    /// its node proxy lets it by. (A sidecar mesh shows the same by `sidecar` being nil.)
    public var enrolled: Bool

    public init(service: String, index: Int, app: Health, sidecar: Health? = nil, enrolled: Bool = true) {
        self.service = service
        self.index = index
        self.app = app
        self.sidecar = sidecar
        self.enrolled = enrolled
    }
}

public struct NodeView: Sendable, Equatable {
    public var name: String
    public var zone: String
    /// Per-node proxy (ztunnel, Cilium agent); nil when there is none.
    public var nodeProxy: Health?
    public var pods: [PodView]

    public init(name: String, zone: String, nodeProxy: Health? = nil, pods: [PodView]) {
        self.name = name
        self.zone = zone
        self.nodeProxy = nodeProxy
        self.pods = pods
    }
}

public enum GatewayRole: String, Sendable, Equatable {
    /// Every call, internal ones too, goes through it (hub and spoke).
    case hub
    /// External traffic only, in front of a mesh or plain services.
    case edge
    /// The mesh's own ingress gateway.
    case ingress
}

public struct GatewayView: Sendable, Equatable {
    public var role: GatewayRole
    /// Health of each replica.
    public var replicas: [Health]

    public init(role: GatewayRole, replicas: [Health]) {
        self.role = role
        self.replicas = replicas
    }
}

public struct ControlPlaneView: Sendable, Equatable {
    public var name: String
    public var replicas: Int
    public var up: Int

    public init(name: String, replicas: Int, up: Int) {
        self.name = name
        self.replicas = replicas
        self.up = up
    }
}

public struct WaypointView: Sendable, Equatable {
    public var name: String
    public var health: Health

    public init(name: String, health: Health) {
        self.name = name
        self.health = health
    }
}

/// The processes of one topology, for the layout drawing.
public struct LayoutView: Sendable, Equatable {
    public var gateway: GatewayView?
    public var controlPlane: ControlPlaneView?
    public var nodes: [NodeView]
    public var waypoints: [WaypointView]
    public var mtls: MTLSMode

    public init(gateway: GatewayView? = nil, controlPlane: ControlPlaneView? = nil,
                nodes: [NodeView], waypoints: [WaypointView] = [], mtls: MTLSMode = .off) {
        self.gateway = gateway
        self.controlPlane = controlPlane
        self.nodes = nodes
        self.waypoints = waypoints
        self.mtls = mtls
    }
}

public struct TopologyView: Sendable, Equatable {
    public var name: String
    public var kind: TopologyKind
    /// Requests completed so far (success or not).
    public var requests: Int
    /// Latency of successful requests, ms; NaN without one (shown as "-").
    public var p50Ms: Double
    public var p99Ms: Double
    /// Fraction 0...1.
    public var successRate: Double
    public var throughputRps: Double
    /// Failed requests by cause; a missing cause means zero.
    public var errors: [ErrorCause: Int]
    public var proxies: Int
    public var proxyMemoryMB: Double
    public var proxyVCPU: Double
    /// Per measurement window, oldest first.
    public var history: [WindowSample]
    public var hops: [HopView]
    public var layout: LayoutView
    /// How long failed requests took to fail, ms (NaN: none failed).
    public var failedP50Ms: Double = .nan
    public var failedP99Ms: Double = .nan
    /// Requests started in the measured period and not finished yet.
    public var incomplete = 0
    /// Proxies' vCPU and memory at the scenario's prices, US dollars a month (NaN: unknown).
    public var proxyCostPerMonth: Double = .nan
    /// Per service, in scenario order: latency, errors, attempts and its own time on the
    /// critical path (empty: unknown).
    public var services: [ServiceView] = []
    /// Fraction 0...1 of the requests finished in the recent windows
    /// (`DashboardSnapshot.recentSeconds`) that succeeded; NaN when none finished there
    /// (or the source does not say), and `successRate`, the whole run's, stands in.
    public var recentSuccessRate: Double = .nan
    /// Latency of the requests that succeeded in the same recent windows, ms (NaN: none
    /// succeeded there, or the source does not say).
    public var recentP50Ms: Double = .nan
    public var recentP99Ms: Double = .nan

    public init(name: String, kind: TopologyKind, requests: Int, p50Ms: Double, p99Ms: Double,
                successRate: Double, throughputRps: Double, errors: [ErrorCause: Int],
                proxies: Int, proxyMemoryMB: Double, proxyVCPU: Double,
                history: [WindowSample], hops: [HopView], layout: LayoutView) {
        self.name = name
        self.kind = kind
        self.requests = requests
        self.p50Ms = p50Ms
        self.p99Ms = p99Ms
        self.successRate = successRate
        self.throughputRps = throughputRps
        self.errors = errors
        self.proxies = proxies
        self.proxyMemoryMB = proxyMemoryMB
        self.proxyVCPU = proxyVCPU
        self.history = history
        self.hops = hops
        self.layout = layout
    }

    public var totalErrors: Int { errors.values.reduce(0, +) }
    /// The success rate the table and the health glyph show: the recent windows' when known,
    /// so a topology that recovered from a fault shows healthy again.
    public var currentSuccessRate: Double { recentSuccessRate.isFinite ? recentSuccessRate : successRate }
    /// The p50 and p99 the table shows: the recent windows' whenever their success rate is
    /// known (so a span in which every request failed shows "-", not an old figure), else
    /// the whole run's.
    public var currentP50Ms: Double { recentSuccessRate.isFinite ? recentP50Ms : p50Ms }
    public var currentP99Ms: Double { recentSuccessRate.isFinite ? recentP99Ms : p99Ms }
    public var health: Health { Health.classify(errorRate: 1 - currentSuccessRate) }
}

public struct FaultView: Sendable, Equatable {
    public var label: String
    /// e.g. "crash", "latency", "partition", "cert-expiry".
    public var kind: String
    public var target: String
    public var startSeconds: Double
    /// nil: lasts until the end of the run.
    public var endSeconds: Double?
    public var active: Bool

    public init(label: String, kind: String, target: String, startSeconds: Double,
                endSeconds: Double?, active: Bool) {
        self.label = label
        self.kind = kind
        self.target = target
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
        self.active = active
    }
}

/// Everything one frame shows. A value: the simulation publishes a new one, never mutates a shared one.
public struct DashboardSnapshot: Sendable, Equatable {
    public var scenario: String
    public var seed: UInt64
    public var simSeconds: Double
    public var durationSeconds: Double
    public var runState: RunState
    public var topologies: [TopologyView]
    public var faults: [FaultView]
    /// Simulated seconds covered by `TopologyView.recentSuccessRate` (0: no recent figure).
    public var recentSeconds: Double = 0
    /// Simulated seconds per wall second actually achieved lately (set by `SimulationRunner`
    /// while running; NaN when paused, jumping, finished or headless).
    public var achievedSpeed: Double = .nan

    public init(scenario: String, seed: UInt64, simSeconds: Double, durationSeconds: Double,
                runState: RunState, topologies: [TopologyView], faults: [FaultView]) {
        self.scenario = scenario
        self.seed = seed
        self.simSeconds = simSeconds
        self.durationSeconds = durationSeconds
        self.runState = runState
        self.topologies = topologies
        self.faults = faults
    }
}
