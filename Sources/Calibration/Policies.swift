import SimCore

// The traffic policies a proxy applies to the calls it makes, in the field's
// terms and with each product's documented semantics (docs/model.md has the
// table with sources). These are plain values: where the state lives (per
// calling proxy and upstream service) is the Topology module's business.

/// Failure classes a retry policy may retry on (Envoy's `retry_on` vocabulary,
/// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on).
public enum RetryOn: String, CaseIterable, Sendable, Hashable {
    /// 503 from the callee (Envoy `retriable-status-codes` with 503, Istio's `unavailable`).
    case unavailable
    /// The upstream reset or closed the stream mid-request (Envoy `reset`).
    case reset
    /// The connection could not be made (Envoy `connect-failure`).
    case connectFailure = "connect-failure"
    /// The upstream refused the stream with REFUSED_STREAM (Envoy `refused-stream`).
    case refusedStream = "refused-stream"
    /// A per-try timeout fired (NGINX/Kong `timeout`; Envoy folds it into `5xx`/`gateway-error`).
    case timeout = "timeout"
    /// 502, 503 and 504, per-try timeouts included (Envoy `gateway-error`).
    case gatewayError = "gateway-error"
    /// Any 5xx or no response at all (Envoy `5xx`: includes connect-failure and refused-stream).
    case serverError = "5xx"
}

/// How a proxy chooses among a service's endpoints.
public enum LoadBalancing: String, CaseIterable, Sendable {
    case roundRobin = "round-robin"
    /// Envoy LEAST_REQUEST: power of two random choices, fewer active requests wins.
    case leastRequest = "least-request"
    case random
    /// Kept for older scenarios: the same algorithm as `least-request`.
    case powerOfTwo = "power-of-two"
    /// Linkerd's balancer: power of two random choices over peak-EWMA cost, the host's
    /// latency estimate × (requests outstanding + 1). The estimate jumps to any slower
    /// response at once (the peak) and otherwise decays towards newer ones with a 10 s time
    /// constant; a host with no response yet is assumed at 30 ms.
    /// Source: linkerd.io/2/features/load-balancing ("EWMA ... power of two choices");
    /// linkerd2-proxy linkerd/app/outbound/src/lib.rs `EWMA_DEFAULT_RTT` = 30 ms,
    /// `EWMA_DECAY` = 10 s; tower's `load::PeakEwma` for the update rule.
    case ewma
}

/// Whether a proxy keeps calls in its own zone (Istio locality load balancing).
public enum Locality: String, CaseIterable, Sendable {
    /// Every known host alike, whatever its zone.
    case off
    /// Envoy priority levels by locality, as Istio configures them when outlier detection
    /// is on: hosts in the caller's zone are priority 0, the rest priority 1. Priority 0
    /// takes min(100%, 1.4 × its healthy share) of the requests (Envoy's overprovisioning
    /// factor 1.4), the rest spill over. Sources: istio.io "Locality failover" task;
    /// envoyproxy.io "Priority levels" (arch_overview/upstream/load_balancing/priority).
    case preferZone = "prefer-zone"
}

/// The delay before a retry.
public enum RetryBackoff: Sendable, Equatable {
    /// Envoy's fully jittered exponential back-off: retry N waits uniform(0, (2^N − 1) × base),
    /// capped at `max` (default 10 × base). Nanoseconds.
    /// Source: Envoy `config.route.v3.RetryPolicy.RetryBackOff` and the router filter's
    /// "x-envoy-max-retries" section (base 25 ms, max 250 ms by default).
    case jittered(base: SimTime, max: SimTime)
    /// A delay drawn from a distribution (kept for scenarios written before jittered back-off).
    case distribution(Distribution)
    /// The next upstream at once: NGINX `proxy_next_upstream`, Kong `retries`.
    case immediate

    /// Envoy's defaults: base 25 ms, max 250 ms.
    public static let envoyDefault = RetryBackoff.jittered(base: 25_000_000, max: 250_000_000)
}

/// A retry budget: how many retries a proxy may have in progress to one upstream.
public enum RetryBudget: Sendable, Equatable {
    /// Envoy `RetryBudget`: retries in progress (scheduled or in flight) to one upstream
    /// ≤ max(`minConcurrent`, `percent` × active requests to it). Replaces the `max_retries`
    /// circuit breaker when set. Defaults 20% and 3 (envoy cluster/v3/circuit_breaker.proto).
    case concurrent(percent: Double, minConcurrent: Int)
    /// Linkerd's budget: retries within the last `ttl` ≤ `ratio` × requests within it
    /// + `minPerSecond` × ttl. Defaults 20%, 10/s, 10 s (linkerd.io retries-and-timeouts).
    case ratio(ratio: Double, minPerSecond: Double, ttl: SimTime)
}

public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first try (Istio's meaning: 0 turns retries off).
    public var attempts: Int
    public var on: Set<RetryOn>
    /// nil: the enforcing proxy's default (Envoy's jittered 25 ms/250 ms).
    public var backoff: RetryBackoff?
    /// nil: no budget (Envoy's `max_retries` circuit breaker applies instead).
    public var budget: RetryBudget?
    public init(attempts: Int, on: Set<RetryOn>, backoff: RetryBackoff? = nil, budget: RetryBudget? = nil) {
        self.attempts = attempts; self.on = on; self.backoff = backoff; self.budget = budget
    }
}

/// Envoy's cluster circuit breakers, per calling proxy and upstream cluster. Beyond a
/// limit the proxy answers 503 at once without reaching the upstream (response flag UO,
/// `errors.overflow`); a local overflow is never retried by the same proxy.
/// Source: envoy config/cluster/v3/circuit_breaker.proto (all four default 1024, 1024,
/// 1024, 3) and the circuit breaking architecture overview.
public struct CircuitBreakers: Sendable, Equatable {
    /// Connections to all hosts of the upstream (HTTP/1.1: one request at a time each).
    public var maxConnections: Int
    /// Requests waiting for a connection.
    public var maxPendingRequests: Int
    /// Requests outstanding to the upstream.
    public var maxRequests: Int
    /// Retries outstanding to the upstream (ignored when a retry budget is set).
    public var maxRetries: Int
    public init(maxConnections: Int = 1024, maxPendingRequests: Int = 1024, maxRequests: Int = 1024,
                maxRetries: Int = 3) {
        self.maxConnections = maxConnections; self.maxPendingRequests = maxPendingRequests
        self.maxRequests = maxRequests; self.maxRetries = maxRetries
    }
    /// Envoy's defaults.
    public static let envoy = CircuitBreakers()
    /// Istio raises every breaker to 2^32 − 1 unless a DestinationRule sets it
    /// (networking.istio.io ConnectionPoolSettings: http1MaxPendingRequests,
    /// http2MaxRequests, maxRetries, tcp.maxConnections "Default 2^32-1").
    public static let istio = CircuitBreakers(maxConnections: 4_294_967_295, maxPendingRequests: 4_294_967_295,
                                              maxRequests: 4_294_967_295, maxRetries: 4_294_967_295)
}

/// Envoy's outlier detection (consecutive 5xx), per calling proxy and host.
/// Source: envoy config/cluster/v3/outlier_detection.proto and the outlier detection
/// architecture overview.
public struct OutlierDetection: Sendable, Equatable {
    /// Consecutive 5xx (locally originated failures included) that eject a host at once.
    public var consecutiveErrors: Int
    /// The sweep: ejected hosts whose time is up return at the next sweep, and the
    /// ejection multiplier of a host that stayed healthy decays by one per sweep.
    public var interval: SimTime
    /// Base ejection time; a host is out for ejection × times ejected, capped at `maxEjectionTime`.
    public var ejection: SimTime
    /// At most this fraction of the upstream's hosts ejected at once, but at least one
    /// host may always be ejected (Envoy default 10%).
    public var maxEjectionPercent: Double
    /// Cap on one ejection (Envoy `max_ejection_time`, default 300 s or the base if larger).
    public var maxEjectionTime: SimTime
    /// Below this fraction of healthy hosts the proxy balances over all of them (Envoy
    /// `healthy_panic_threshold` 50%; Istio `minHealthPercent`, default 0%: never panic).
    /// nil: the product's default (`Preset.healthyPanicThreshold`).
    public var panicThreshold: Double?
    public init(consecutiveErrors: Int, interval: SimTime, ejection: SimTime, maxEjectionPercent: Double = 0.1,
                maxEjectionTime: SimTime = 300_000_000_000, panicThreshold: Double? = nil) {
        self.consecutiveErrors = consecutiveErrors; self.interval = interval
        self.ejection = ejection; self.maxEjectionPercent = maxEjectionPercent
        self.maxEjectionTime = maxEjectionTime; self.panicThreshold = panicThreshold
    }
}

/// What NGINX counts as an unsuccessful attempt (`proxy_next_upstream` classes).
public enum PassiveFailure: String, CaseIterable, Sendable, Hashable {
    /// An error connecting, sending or reading the response header.
    case error
    case timeout
    case http500 = "http_500", http502 = "http_502", http503 = "http_503", http504 = "http_504"
}

/// NGINX passive health (`server ... max_fails= fail_timeout=`): `maxFails` unsuccessful
/// attempts within `failTimeout` mark the server unavailable for a flat `failTimeout`; an
/// HTTP status counts only when listed in `on`; a group of one server is never marked.
/// Source: nginx.org ngx_http_upstream_module (server) and ngx_http_proxy_module
/// (proxy_next_upstream).
public struct PassiveHealth: Sendable, Equatable {
    public var maxFails: Int
    public var failTimeout: SimTime
    public var on: Set<PassiveFailure>
    public init(maxFails: Int = 1, failTimeout: SimTime = 10_000_000_000, on: Set<PassiveFailure> = [.error, .timeout]) {
        self.maxFails = maxFails; self.failTimeout = failTimeout; self.on = on
    }
}

/// How a rate limit counts.
public enum RateLimitAlgorithm: String, CaseIterable, Sendable {
    /// Tokens refilled continuously up to `burst` (Envoy's local rate limit, NGINX limit_req).
    case tokenBucket = "token-bucket"
    /// A counter per window aligned to the clock, reset at each boundary (Kong's
    /// rate-limiting plugin): a consumer can send a whole window's worth just before a
    /// boundary and again just after it.
    case fixedWindow = "fixed-window"
    /// The current window's count plus the previous window's, weighted by how much of it
    /// still overlaps the last `window` (Kong's rate-limiting-advanced "sliding").
    case slidingWindow = "sliding-window"
}

/// Where a rate limit's counters live.
public enum RateLimitScope: String, CaseIterable, Sendable {
    /// A counter per gateway replica (Kong `policy: local`): N replicas behind round robin
    /// let about N times the limit through.
    case local
    /// One counter shared by every replica in a store (Kong `cluster`/`redis`).
    case cluster
}

public struct RateLimit: Sendable, Equatable {
    /// Requests per second per consumer.
    public var perConsumer: Double
    /// Token bucket size; nil: one second's worth, but never less than one request, so a
    /// consumer below its limit is never refused (a 59/m limit must admit 1/m).
    public var burst: Double?
    /// nil: the product's (Kong fixed windows, token bucket elsewhere).
    public var algorithm: RateLimitAlgorithm?
    /// Window of the windowed algorithms; nil: 1 s for limits of at least 1/s, 1 min for
    /// at least 1/min, else 1 h (the unit a Kong limit is written in).
    public var window: SimTime?
    /// nil: `local`.
    public var scope: RateLimitScope?
    /// What a `cluster` limit does while its store is down; nil: admit (Kong's
    /// `fault_tolerant: true`).
    public var failOpen: Bool?
    public init(perConsumer: Double, burst: Double? = nil, algorithm: RateLimitAlgorithm? = nil,
                window: SimTime? = nil, scope: RateLimitScope? = nil, failOpen: Bool? = nil) {
        self.perConsumer = perConsumer; self.burst = burst; self.algorithm = algorithm
        self.window = window; self.scope = scope; self.failOpen = failOpen
    }
    /// The bucket size in effect.
    public var effectiveBurst: Double { burst ?? Swift.max(1, perConsumer) }
    /// The window in effect, nanoseconds.
    public var effectiveWindow: SimTime {
        if let w = window { return w }
        if perConsumer >= 1 { return 1_000_000_000 }
        if perConsumer * 60 >= 1 { return 60_000_000_000 }
        return 3_600_000_000_000
    }
    /// Requests one consumer may send per window (at least one).
    public var perWindow: Double { Swift.max(1, (perConsumer * Double(effectiveWindow) / 1e9).rounded(.down)) }
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
    /// The route timeout: the whole call as its caller sees it, every try and back-off
    /// included (Envoy RouteAction.timeout, Istio VirtualService `timeout`); `noTimeout`: none.
    public var timeout: SimTime?
    /// Each try's timeout (Envoy/Istio per_try_timeout; Kong's and NGINX's read timeouts).
    public var perTryTimeout: SimTime?
    /// How long a connection to a host that does not answer takes to fail.
    public var connectTimeout: SimTime?
    public var retries: RetryPolicy?
    public var circuitBreakers: CircuitBreakers?
    public var outlierDetection: OutlierDetection?
    public var passiveHealth: PassiveHealth?
    public var rateLimit: RateLimit?
    public var healthCheck: HealthCheck?
    public var loadBalancing: LoadBalancing?
    /// Locality-aware balancing (nil: the preset's, else off).
    public var locality: Locality?

    public static let noTimeout = SimTime.max

    public init(timeout: SimTime? = nil, perTryTimeout: SimTime? = nil, connectTimeout: SimTime? = nil,
                retries: RetryPolicy? = nil, circuitBreakers: CircuitBreakers? = nil,
                outlierDetection: OutlierDetection? = nil, passiveHealth: PassiveHealth? = nil,
                rateLimit: RateLimit? = nil, healthCheck: HealthCheck? = nil, loadBalancing: LoadBalancing? = nil,
                locality: Locality? = nil) {
        self.timeout = timeout; self.perTryTimeout = perTryTimeout; self.connectTimeout = connectTimeout
        self.retries = retries; self.circuitBreakers = circuitBreakers
        self.outlierDetection = outlierDetection; self.passiveHealth = passiveHealth
        self.rateLimit = rateLimit; self.healthCheck = healthCheck; self.loadBalancing = loadBalancing
        self.locality = locality
    }

    /// `other`'s fields win where set.
    public func overlaid(by other: Policies) -> Policies {
        Policies(timeout: other.timeout ?? timeout,
                 perTryTimeout: other.perTryTimeout ?? perTryTimeout,
                 connectTimeout: other.connectTimeout ?? connectTimeout,
                 retries: other.retries.map { r in
                     // A scenario that sets retries keeps the product's back-off and budget
                     // unless it names its own: Kong still retries the next upstream at once.
                     var r = r
                     if r.backoff == nil { r.backoff = retries?.backoff }
                     if r.budget == nil { r.budget = retries?.budget }
                     return r
                 } ?? retries,
                 circuitBreakers: other.circuitBreakers ?? circuitBreakers,
                 outlierDetection: other.outlierDetection ?? outlierDetection,
                 passiveHealth: other.passiveHealth ?? passiveHealth,
                 rateLimit: other.rateLimit ?? rateLimit,
                 healthCheck: other.healthCheck ?? healthCheck,
                 loadBalancing: other.loadBalancing ?? loadBalancing,
                 locality: other.locality ?? locality)
    }
}
