import Calibration
import SimCore

/// Where time goes: each traversal of a path segment is accounted to one hop kind.
public enum HopKind: Int, CaseIterable, Sendable {
    case app, queue, wire, sidecar, gateway, ingress, nodeProxy, waypoint, eastWest, backoff

    public var name: String {
        switch self {
        case .app: return "app"
        case .queue: return "queue"
        case .wire: return "wire"
        case .sidecar: return "sidecar"
        case .gateway: return "gateway"
        case .ingress: return "ingress"
        case .nodeProxy: return "node-proxy"
        case .waypoint: return "waypoint"
        case .eastWest: return "east-west"
        case .backoff: return "retry-backoff"
        }
    }

    public var isProxy: Bool {
        switch self {
        case .sidecar, .gateway, .ingress, .nodeProxy, .waypoint, .eastWest: return true
        default: return false
        }
    }
}

/// How one try failed, finer than the reported causes: retry policies and
/// outlier detection need the distinction (Envoy's response flags in brackets).
public enum Failure: UInt8, CaseIterable, Sendable {
    case none = 0
    /// The calling proxy's circuit breaker overflowed [UO], 503 at once; never retried by
    /// the same proxy (Envoy router: a local overflow is not retried) and not held
    /// against the host by outlier detection (the request never reached it).
    case overflow
    case appError          // the application answered 503 (its own error rate or an injected one)
    case reset             // the callee died with the request in flight [UC], 503
    case connectFailure    // nothing listening: crashed instance, down proxy, partition [UF], 503
    case timeout           // per-try or route timeout [UT], 504
    case tls               // mTLS handshake failed: expired certificate, 503
    case rateLimited       // per-consumer limit at the gateway [RL], 429
    case noHealthyUpstream // every endpoint ejected or down [UH], 503; not retried (no host to try)
    /// An app's or a proxy's own queue was full: the callee answered 503 (retried as `unavailable`).
    case queueFull

    public var cause: ErrorCause {
        switch self {
        case .none, .appError, .reset, .noHealthyUpstream, .queueFull: return .unavailable
        case .overflow: return .overflow
        case .connectFailure: return .refused
        case .timeout: return .timeout
        case .tls: return .tls
        case .rateLimited: return .rateLimited
        }
    }

    /// Counts toward Envoy's consecutive 5xx for outlier detection (a 5xx from the host, or
    /// a locally originated error mapped to one: connect failure, reset, timeout).
    var isServerError: Bool {
        switch self {
        case .queueFull, .appError, .reset, .connectFailure, .timeout: return true
        default: return false
        }
    }

    /// Envoy's response flag, for access logs.
    public var responseFlag: String {
        switch self {
        case .none, .appError: return "-"
        case .overflow: return "UO"
        case .reset: return "UC"
        case .connectFailure, .tls: return "UF"
        case .timeout: return "UT"
        case .rateLimited: return "RL"
        case .noHealthyUpstream: return "UH"
        case .queueFull: return "-"
        }
    }

    @inline(__always) var bit: UInt16 { 1 << UInt16(rawValue) }
}

extension RetryOn {
    /// The failures a `retry_on` entry retries. Local overflow and no-healthy-upstream are
    /// in none: Envoy answers those locally and never retries them.
    var failures: [Failure] {
        switch self {
        case .unavailable: return [.queueFull, .appError]
        case .reset: return [.reset]
        case .connectFailure: return [.connectFailure, .tls]
        case .refusedStream: return [.queueFull]
        case .timeout: return [.timeout]
        case .gatewayError: return [.queueFull, .appError, .reset, .connectFailure, .timeout]
        case .serverError: return [.queueFull, .appError, .reset, .connectFailure, .timeout, .tls]
        }
    }
}

/// Policies as the hot path reads them: one per enforcing role (the mesh's proxies, the
/// gateway, each client library), resolved from preset <- scenario <- topology.
struct CompiledPolicy: Sendable {
    /// Route timeout, every try and back-off included (.max: none).
    var routeTimeout: SimTime = .max
    /// Per-try timeout (.max: none).
    var perTryTimeout: SimTime = .max
    /// How long a connection to a host that does not answer (its node is down, a partition)
    /// takes to fail. Without one the caller's kernel gives up on the SYN: 127 s with
    /// Linux's default tcp_syn_retries of 6 (1 + 2 + 4 + ... + 64 s, tcp(7)).
    var connectTimeout: SimTime = 127_000_000_000
    var retries = 0
    var retryMask: UInt16 = 0
    var backoff = RetryBackoff.envoyDefault
    var budget: RetryBudget?
    /// Circuit breakers; `Int.max` where there is none (client libraries).
    var maxActive = Int.max
    /// Envoy's max_requests alone: the bound on a multiplexed upstream, where one connection
    /// carries many requests and max_connections bounds connections, not requests.
    var maxRequests = Int.max
    var maxPending = Int.max
    var maxRetries = Int.max
    var outlier: OutlierDetection?
    var passive: CompiledPassiveHealth?
    /// Below this share of healthy hosts, balance over all of them (0: never).
    var panicThreshold = 0.0
    var loadBalancing = LoadBalancing.roundRobin
    /// Locality-aware balancing (Istio locality LB): prefer hosts in the caller's zone.
    var preferZone = false

    init() {}

    /// `l7`: whether the enforcing proxy sees requests (L4-only node proxies apply none).
    /// `panicDefault`: the product's healthy-panic threshold when the scenario leaves it unset.
    init(_ p: Policies, l7: Bool = true, panicDefault: Double = 0.5) {
        if let t = p.timeout, t != Policies.noTimeout { routeTimeout = t }
        if let t = p.perTryTimeout, t != Policies.noTimeout { perTryTimeout = t }
        if let t = p.connectTimeout { connectTimeout = t }
        if let r = p.retries, l7 {
            retries = r.attempts
            for on in r.on { for f in on.failures { retryMask |= f.bit } }
            if let b = r.backoff { backoff = b }
            budget = r.budget
        }
        if let cb = p.circuitBreakers, l7 {
            // HTTP/1.1 upstreams: one request at a time per connection, so requests in
            // progress are bounded by both max_connections and max_requests.
            maxActive = min(cb.maxConnections, cb.maxRequests)
            maxRequests = cb.maxRequests
            maxPending = cb.maxPendingRequests
            maxRetries = cb.maxRetries
        }
        outlier = l7 ? p.outlierDetection : nil
        passive = l7 ? p.passiveHealth.map(CompiledPassiveHealth.init) : nil
        if let od = outlier { panicThreshold = od.panicThreshold ?? panicDefault } else if passive != nil { panicThreshold = panicDefault }
        if let lb = p.loadBalancing { loadBalancing = lb }
        preferZone = p.locality == .preferZone
        countsActive = maxActive != .max || maxPending != .max || budget != nil
            || loadBalancing == .leastRequest || loadBalancing == .powerOfTwo || loadBalancing == .ewma
        observesHosts = outlier != nil || passive != nil
    }

    /// Whether requests in progress must be counted (breakers, an Envoy budget, least request).
    /// Stored, not computed: the hot path reads it per try, and reading the optionals
    /// would retain and release their payloads.
    private(set) var countsActive = false
    /// Whether the enforcer keeps any per-host health (outlier detection, passive health).
    private(set) var observesHosts = false
}

/// NGINX passive health as the hot path reads it: the counted classes as a bit mask
/// (a value with no reference inside, so reading it costs no retain).
struct CompiledPassiveHealth: Sendable {
    var maxFails: Int
    var failTimeout: SimTime
    var on: UInt8

    init(_ p: PassiveHealth) {
        maxFails = p.maxFails
        failTimeout = p.failTimeout
        on = p.on.reduce(0) { $0 | Self.bit($1) }
    }

    static func bit(_ f: PassiveFailure) -> UInt8 { 1 << UInt8(PassiveFailure.allCases.firstIndex(of: f)!) }
    func counts(_ f: PassiveFailure) -> Bool { on & Self.bit(f) != 0 }
}
