import SimCore

/// Which part of a topology a preset calibrates.
public enum PresetKind: String, Sendable {
    case sidecarMesh = "sidecar-mesh"
    case sidecarless
    case gateway
}

/// Where one preset value comes from.
public struct Citation: Sendable, Equatable {
    /// The value's name, e.g. "proxy.latency".
    public var field: String
    /// The value as printed, e.g. "lognormal(mean: 0.11ms, p99: 0.15ms)".
    public var value: String
    /// The published figure and where it was published, or "assumption: <reasoning>".
    public var source: String
    public init(field: String, value: String, source: String) {
        self.field = field; self.value = value; self.source = source
    }
    public var isAssumption: Bool { source.hasPrefix("assumption") }
}

/// Calibrated values for one product at one version.
public struct Preset: Sendable {
    public var name: String
    public var system: String
    public var version: String
    public var kind: PresetKind
    public var summary: String
    /// The sidecar (sidecar mesh) or the node proxy (sidecar-less).
    public var proxy: ProxyProfile?
    /// The L7 waypoint of a sidecar-less mesh.
    public var waypoint: ProxyProfile?
    /// The gateway itself (gateway presets) or a mesh's ingress gateway.
    public var gateway: ProxyProfile?
    public var policies: Policies
    public var certificates: CertificatePolicy?
    /// Whether the app waits for its proxy by default (Linkerd yes, Istio no).
    public var holdApplicationUntilProxyStarts: Bool
    /// Hard ceiling on a route timeout (AWS API Gateway: 29 s).
    public var maxTimeout: SimTime?
    /// Account-wide throttle (requests per second, burst), answered with 429.
    public var throttle: RateLimit?
    /// Below this share of healthy hosts the proxy balances over all of them, when the
    /// scenario's outlier detection leaves `panic_threshold` unset (Envoy 50%, Istio 0%).
    public var healthyPanicThreshold: Double
    /// How the product's rate limiting counts when a scenario's `rate_limit` does not say.
    public var rateLimitAlgorithm: RateLimitAlgorithm
    /// How the mesh's proxies pool their mTLS connections to each other (nil: the product
    /// keeps no proxy-to-proxy TLS connections: gateways, Cilium's node-level encryption).
    public var meshConnections: MeshConnections?
    public var citations: [Citation]

    public init(name: String, system: String, version: String, kind: PresetKind, summary: String,
                proxy: ProxyProfile? = nil, waypoint: ProxyProfile? = nil, gateway: ProxyProfile? = nil,
                policies: Policies = Policies(), certificates: CertificatePolicy? = nil,
                holdApplicationUntilProxyStarts: Bool = false, maxTimeout: SimTime? = nil,
                throttle: RateLimit? = nil, healthyPanicThreshold: Double = 0.5,
                rateLimitAlgorithm: RateLimitAlgorithm = .tokenBucket, meshConnections: MeshConnections? = nil,
                citations: [Citation] = []) {
        self.name = name; self.system = system; self.version = version; self.kind = kind
        self.summary = summary; self.proxy = proxy; self.waypoint = waypoint; self.gateway = gateway
        self.policies = policies; self.certificates = certificates
        self.holdApplicationUntilProxyStarts = holdApplicationUntilProxyStarts
        self.maxTimeout = maxTimeout; self.throttle = throttle
        self.healthyPanicThreshold = healthyPanicThreshold; self.rateLimitAlgorithm = rateLimitAlgorithm
        self.meshConnections = meshConnections
        self.citations = citations
    }
}

/// The registry every preset name is resolved through (validation included).
public enum PresetRegistry {
    public static let all: [Preset] = BuiltinPresets.all
    public static var names: [String] { all.map(\.name) + aliases.keys.sorted() }
    /// Unversioned names point at the newest calibrated version.
    public static let aliases: [String: String] = BuiltinPresets.aliases

    public static func preset(named name: String) -> Preset? {
        let resolved = aliases[name] ?? name
        return all.first { $0.name == resolved }
    }
}
