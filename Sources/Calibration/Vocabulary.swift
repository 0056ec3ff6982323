import SimCore

/// Why a request failed, as counted in every report.
public enum ErrorCause: String, CaseIterable, Sendable, Hashable {
    case timeout, unavailable, refused, tls
    case rateLimited = "rate_limited"
}

/// Failure classes a retry policy may retry on (Envoy's `retry_on` vocabulary).
public enum RetryOn: String, CaseIterable, Sendable, Hashable {
    case unavailable            // 503 from the callee or an overflowing queue
    case reset                  // connection reset mid-request (crash with calls in flight)
    case connectFailure = "connect-failure"   // refused / no route
    case refusedStream = "refused-stream"
    case timeout = "timeout"    // per-try timeout
    case gatewayError = "gateway-error"       // 502/503/504
    case serverError = "5xx"    // any 5xx, including application errors
}

public enum LoadBalancing: String, CaseIterable, Sendable {
    case roundRobin = "round-robin"
    case leastRequest = "least-request"
    case random
    case powerOfTwo = "power-of-two"
}

/// Sentinel for "unlimited" workers or queue slots.
public let unlimited = Int.max

public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first try (Istio's meaning: 0 turns retries off).
    public var attempts: Int
    public var on: Set<RetryOn>
    public var backoff: Distribution?
    /// Retries allowed as a fraction of active requests (Envoy/Linkerd retry budgets); nil: no budget.
    public var budget: Double?
    public init(attempts: Int, on: Set<RetryOn>, backoff: Distribution? = nil, budget: Double? = nil) {
        self.attempts = attempts; self.on = on; self.backoff = backoff; self.budget = budget
    }
}

public struct OutlierDetection: Sendable, Equatable {
    public var consecutiveErrors: Int
    public var interval: SimTime
    public var ejection: SimTime
    /// At most this fraction of a service's hosts ejected at once (Envoy default 10%).
    public var maxEjectionPercent: Double
    public init(consecutiveErrors: Int, interval: SimTime, ejection: SimTime, maxEjectionPercent: Double = 0.1) {
        self.consecutiveErrors = consecutiveErrors; self.interval = interval
        self.ejection = ejection; self.maxEjectionPercent = maxEjectionPercent
    }
}

public struct RateLimit: Sendable, Equatable {
    /// Tokens per second per consumer (token bucket).
    public var perConsumer: Double
    /// Bucket size; defaults to one second's worth.
    public var burst: Double?
    public init(perConsumer: Double, burst: Double? = nil) { self.perConsumer = perConsumer; self.burst = burst }
}

public struct HealthCheck: Sendable, Equatable {
    public var interval: SimTime
    /// Failed checks before a host is marked unhealthy.
    public var unhealthyThreshold: Int
    public init(interval: SimTime, unhealthyThreshold: Int = 1) {
        self.interval = interval; self.unhealthyThreshold = unhealthyThreshold
    }
}

/// Traffic policies. Every field is optional so that layers overlay field by
/// field: preset defaults <- scenario `policies` <- topology `policies`.
public struct Policies: Sendable, Equatable {
    /// Per-try timeout; `noTimeout` means explicitly none.
    public var timeout: SimTime?
    public var retries: RetryPolicy?
    public var outlierDetection: OutlierDetection?
    public var rateLimit: RateLimit?
    public var healthCheck: HealthCheck?
    public var loadBalancing: LoadBalancing?

    public static let noTimeout = SimTime.max

    public init(timeout: SimTime? = nil, retries: RetryPolicy? = nil, outlierDetection: OutlierDetection? = nil,
                rateLimit: RateLimit? = nil, healthCheck: HealthCheck? = nil, loadBalancing: LoadBalancing? = nil) {
        self.timeout = timeout; self.retries = retries; self.outlierDetection = outlierDetection
        self.rateLimit = rateLimit; self.healthCheck = healthCheck; self.loadBalancing = loadBalancing
    }

    /// `other`'s fields win where set.
    public func overlaid(by other: Policies) -> Policies {
        Policies(timeout: other.timeout ?? timeout,
                 retries: other.retries ?? retries,
                 outlierDetection: other.outlierDetection ?? outlierDetection,
                 rateLimit: other.rateLimit ?? rateLimit,
                 healthCheck: other.healthCheck ?? healthCheck,
                 loadBalancing: other.loadBalancing ?? loadBalancing)
    }
}

/// What one proxy costs and how it behaves as a queueing station.
public struct ProxyProfile: Sendable, Equatable {
    /// Added latency per traversal (one direction through the proxy).
    public var latency: Distribution
    /// Concurrent requests served (`unlimited` for an infinite-server station).
    public var workers: Int
    public var queue: Int
    /// Replicas, for shared proxies (gateway, ingress, waypoint).
    public var replicas: Int
    /// CPU seconds per request passing the proxy (both directions).
    public var cpuPerRequest: Double
    /// Resident memory per proxy instance.
    public var memoryMB: Double
    public init(latency: Distribution, workers: Int, queue: Int = 1024, replicas: Int = 1,
                cpuPerRequest: Double, memoryMB: Double) {
        self.latency = latency; self.workers = workers; self.queue = queue; self.replicas = replicas
        self.cpuPerRequest = cpuPerRequest; self.memoryMB = memoryMB
    }

    public func applying(_ o: ProxyOverrides) -> ProxyProfile {
        var p = self
        if let v = o.latency { p.latency = v }
        if let v = o.workers { p.workers = v }
        if let v = o.queue { p.queue = v }
        if let v = o.replicas { p.replicas = v }
        if let v = o.cpuPerRequest { p.cpuPerRequest = v }
        if let v = o.memoryMB { p.memoryMB = v }
        return p
    }
}

/// A scenario's per-role overrides of a preset's proxy values.
public struct ProxyOverrides: Sendable, Equatable {
    public var latency: Distribution?
    public var workers: Int?
    public var queue: Int?
    public var replicas: Int?
    public var cpuPerRequest: Double?
    public var memoryMB: Double?
    public init(latency: Distribution? = nil, workers: Int? = nil, queue: Int? = nil, replicas: Int? = nil,
                cpuPerRequest: Double? = nil, memoryMB: Double? = nil) {
        self.latency = latency; self.workers = workers; self.queue = queue; self.replicas = replicas
        self.cpuPerRequest = cpuPerRequest; self.memoryMB = memoryMB
    }
    public var isEmpty: Bool { self == ProxyOverrides() }
}

public struct CertificatePolicy: Sendable, Equatable {
    public var ttl: SimTime
    /// Fraction of the lifetime at which a certificate is renewed (Istio 0.5, Linkerd 0.7).
    public var rotateAt: Double
    public init(ttl: SimTime, rotateAt: Double) { self.ttl = ttl; self.rotateAt = rotateAt }
}
