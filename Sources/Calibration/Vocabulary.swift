import SimCore

/// Why a request failed, as counted in every report.
public enum ErrorCause: String, CaseIterable, Sendable, Hashable {
    case timeout, unavailable, refused, tls
    case rateLimited = "rate_limited"
    /// A circuit breaker of the calling proxy overflowed: 503 at once (Envoy flag UO).
    case overflow
}

/// Sentinel for "unlimited" workers or queue slots.
public let unlimited = Int.max

/// What one proxy costs and how it behaves as a queueing station.
public struct ProxyProfile: Sendable, Equatable {
    /// Added latency per traversal (one direction through the proxy).
    public var latency: Distribution
    /// Concurrent requests served (`unlimited` for an infinite-server station).
    public var workers: Int
    public var queue: Int
    /// Replicas, for shared proxies (gateway, ingress, waypoint).
    public var replicas: Int
    /// CPU seconds per request passing the proxy (both directions), as the products publish
    /// it: the whole proxy container's CPU per 1000 requests/s, divided by 1000.
    public var cpuPerRequest: Double
    /// The share of `cpuPerRequest` spent on the worker threads that handle requests, in
    /// 0...1. The rest (Envoy's main thread flushing stats and applying xDS, pilot-agent in
    /// the same container, the runtime's timers) is CPU the proxy uses but no request waits
    /// for. One pass holds a worker for `cpuPerRequest × workerShare / 2` seconds.
    public var workerShare: Double
    /// Resident memory per proxy instance.
    public var memoryMB: Double
    public init(latency: Distribution, workers: Int, queue: Int = 1024, replicas: Int = 1,
                cpuPerRequest: Double, workerShare: Double = 1, memoryMB: Double) {
        self.latency = latency; self.workers = workers; self.queue = queue; self.replicas = replicas
        self.cpuPerRequest = cpuPerRequest; self.workerShare = workerShare; self.memoryMB = memoryMB
    }

    /// Worker time one pass (one direction through the proxy) holds, in seconds.
    public var workerSecondsPerPass: Double { cpuPerRequest * workerShare / 2 }

    public func applying(_ o: ProxyOverrides) -> ProxyProfile {
        var p = self
        if let v = o.latency { p.latency = v }
        if let v = o.workers { p.workers = v }
        if let v = o.queue { p.queue = v }
        if let v = o.replicas { p.replicas = v }
        if let v = o.cpuPerRequest { p.cpuPerRequest = v }
        if let v = o.workerShare { p.workerShare = v }
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
    /// Share of `cpuPerRequest` that holds a worker, 0...1.
    public var workerShare: Double?
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
