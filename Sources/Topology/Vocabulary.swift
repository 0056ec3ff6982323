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
    case overflow          // a full queue or proxy [UO], 503
    case appError          // the application answered 503 (its own error rate or an injected one)
    case reset             // the callee died with the request in flight [UC], 503
    case connectFailure    // nothing listening: crashed instance, down proxy, partition [UF], 503
    case timeout           // per-try timeout [UT], 504
    case tls               // mTLS handshake failed: expired certificate, 503
    case rateLimited       // per-consumer limit at the gateway [RL], 429
    case noHealthyUpstream // every endpoint ejected or down [UH], 503

    public var cause: ErrorCause {
        switch self {
        case .none, .overflow, .appError, .reset, .noHealthyUpstream: return .unavailable
        case .connectFailure: return .refused
        case .timeout: return .timeout
        case .tls: return .tls
        case .rateLimited: return .rateLimited
        }
    }

    /// Counts toward Envoy's consecutive 5xx for outlier detection.
    var isServerError: Bool {
        switch self {
        case .overflow, .appError, .reset, .connectFailure, .timeout: return true
        default: return false
        }
    }

    @inline(__always) var bit: UInt16 { 1 << UInt16(rawValue) }
}

extension RetryOn {
    /// The failures a `retry_on` entry retries.
    var failures: [Failure] {
        switch self {
        case .unavailable: return [.overflow, .appError, .noHealthyUpstream]
        case .reset: return [.reset]
        case .connectFailure: return [.connectFailure, .tls]
        case .refusedStream: return [.overflow]
        case .timeout: return [.timeout]
        case .gatewayError: return [.overflow, .appError, .reset, .connectFailure, .timeout, .noHealthyUpstream]
        case .serverError: return [.overflow, .appError, .reset, .connectFailure, .timeout, .tls, .noHealthyUpstream]
        }
    }
}

/// Policies as the hot path reads them.
struct CompiledPolicy: Sendable {
    var timeout: SimTime = .max
    var retries = 0
    var retryMask: UInt16 = 0
    var backoff = Distribution.exponential(mean: 25e6)
    var budget: Double?
    var outlier: OutlierDetection?
    var loadBalancing = LoadBalancing.roundRobin

    init() {}

    init(_ p: Policies, l7: Bool = true) {
        if let t = p.timeout, t != Policies.noTimeout { timeout = t }
        if let r = p.retries, l7 {
            retries = r.attempts
            for on in r.on { for f in on.failures { retryMask |= f.bit } }
            if let b = r.backoff { backoff = b }
            budget = r.budget
        }
        outlier = l7 ? p.outlierDetection : nil
        if let lb = p.loadBalancing { loadBalancing = lb }
    }
}
