import SimCore

extension BuiltinPresets {
    /// Istio's defaults shared by every Istio preset (sidecar and ambient).
    static func istioPolicySources(lb: String) -> [String: String] {
        [
            "policies.timeout": Src.istioTimeout,
            "policies.perTryTimeout": Src.istioNoPerTry,
            "policies.connectTimeout": Src.istioConnectTimeout,
            "policies.retries": Src.istioRetries + " (cancelled/503 map to topsim's `unavailable`); back-off is Envoy's, Istio sets none: " + Src.envoyBackoff,
            "policies.circuitBreakers": Src.istioBreakers,
            "healthyPanicThreshold": Src.istioPanic,
            "policies.outlierDetection": Src.istioNoOutlier,
            "policies.rateLimit": Src.noDefaultRateLimit,
            "policies.loadBalancing": lb,
            "certificates.ttl": Src.istioCertTTL,
            "certificates.rotateAt": Src.istioCertRotate,
            "holdApplicationUntilProxyStarts": Src.istioHold,
        ]
    }

    /// Sidecar to sidecar: Envoy's HTTP/1.1 pool (Istio upgrades to HTTP/2 only when told to).
    static let istioSidecarConnections = MeshConnections(multiplexed: false, idleTimeout: 3600 * Nanos.perSecond)
    static let istioSidecarConnectionsSource = "Istio DestinationRule ConnectionPoolSettings.HTTPSettings (https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings-HTTPSettings): h2UpgradePolicy DEFAULT follows the mesh-wide DO_NOT_UPGRADE, so sidecars keep HTTP/1.1 upstream pools with one request per connection at a time; idleTimeout: if not set, the default is 1h (1 hour), after which idle upstream connections are closed"
    /// ztunnel to ztunnel: HBONE, HTTP/2 CONNECT streams over pooled mTLS connections.
    static let ztunnelConnections = MeshConnections(multiplexed: true, idleTimeout: 300 * Nanos.perSecond)
    static let ztunnelConnectionsSource = "ztunnel src/config.rs (https://github.com/istio/ztunnel): HBONE multiplexed HTTP/2 CONNECT streams over pooled mTLS connections, DEFAULT_POOL_UNUSED_RELEASE_TIMEOUT 5 minutes (300 s) before an unused pooled connection is released"

    static let istioLeastRequest = "Istio 1.14 change notes (https://istio.io/latest/news/releases/1.14.x/announcing-1.14/change-notes/): the default load balancer changed from ROUND_ROBIN to LEAST_REQUEST (ENABLE_LEGACY_LB_ALGORITHM_DEFAULT restores the old one)"

    static func istioPolicies(lb: LoadBalancing) -> Policies {
        Policies(timeout: Policies.noTimeout, connectTimeout: 10 * Nanos.perSecond, retries: istioRetryPolicy,
                 circuitBreakers: .istio, loadBalancing: lb)
    }

    static let istio124 = Preset(
        name: "istio-1.24", system: "Istio (Envoy sidecar)", version: "1.24", kind: .sidecarMesh,
        summary: "Istio with Envoy sidecars; resources from the 1.24 page, latency from the newest published sidecar figure (1.20).",
        proxy: ProxyProfile(latency: Src.envoy120, workers: 2, queue: 1024, cpuPerRequest: 0.0002, workerShare: Src.measuredWorkerShare, memoryMB: 60),
        gateway: envoyGatewayProfile,
        policies: istioPolicies(lb: .leastRequest),
        certificates: istioCerts,
        healthyPanicThreshold: 0,
        meshConnections: istioSidecarConnections
    ).cited([
        "meshConnections": istioSidecarConnectionsSource,
        "proxy.latency": Src.assume("the newest published sidecar latency is Istio 1.20's; carried to 1.24 unchanged. ") + Src.istio120Latency,
        "proxy.workers": Src.istioConcurrency,
        "proxy.queue": Src.envoyQueue,
        "proxy.replicas": Src.oneInstance,
        "proxy.workerShare": Src.measuredWorkerShareSource,
        "proxy.cpuPerRequest": Src.istio124Resources,
        "proxy.memoryMB": Src.istio124Resources,
    ].merging(envoyGatewaySources(why: " (Istio ingress gateway is Envoy)")) { a, _ in a }
     .merging(istioPolicySources(lb: istioLeastRequest)) { a, _ in a })

    static let istio120 = Preset(
        name: "istio-1.20", system: "Istio (Envoy sidecar)", version: "1.20", kind: .sidecarMesh,
        summary: "Istio 1.20 with Envoy sidecars: latency fitted to the 1.20 two-sidecar figure.",
        proxy: ProxyProfile(latency: Src.envoy120, workers: 2, queue: 1024, cpuPerRequest: 0.0002, workerShare: Src.measuredWorkerShare, memoryMB: 60),
        gateway: envoyGatewayProfile,
        policies: istioPolicies(lb: .leastRequest),
        certificates: istioCerts,
        healthyPanicThreshold: 0,
        meshConnections: istioSidecarConnections
    ).cited([
        "meshConnections": istioSidecarConnectionsSource,
        "proxy.latency": Src.istio120Latency,
        "proxy.workers": Src.istioConcurrency,
        "proxy.queue": Src.envoyQueue,
        "proxy.replicas": Src.oneInstance,
        "proxy.workerShare": Src.measuredWorkerShareSource,
        "proxy.cpuPerRequest": Src.assume("no 1.20 resource figure found; between 1.13's 0.35 vCPU and 1.24's 0.20 vCPU per 1000 rps, 1.24's is used (same Envoy generation as the 1.20 latency figure's successors). ") + Src.istio124Resources,
        "proxy.memoryMB": Src.assume("no 1.20 figure found; 1.24's 60 MB is used. ") + Src.istio124Resources,
    ].merging(envoyGatewaySources(why: " (Istio ingress gateway is Envoy)")) { a, _ in a }
     .merging(istioPolicySources(lb: istioLeastRequest)) { a, _ in a })

    static let istio112 = Preset(
        name: "istio-1.12", system: "Istio (Envoy sidecar)", version: "1.12", kind: .sidecarMesh,
        summary: "Istio 1.12 with Envoy sidecars: the older, ~7x slower sidecar (published +1.7 ms p90 for two sidecars).",
        proxy: ProxyProfile(latency: Src.envoy112, workers: 2, queue: 1024, cpuPerRequest: 0.00035, workerShare: Src.measuredWorkerShare, memoryMB: 40),
        gateway: ProxyProfile(latency: Src.envoy112, workers: 2, queue: 1024, replicas: 2, cpuPerRequest: 0.00035, workerShare: Src.measuredWorkerShare, memoryMB: 40),
        policies: istioPolicies(lb: .roundRobin),
        certificates: istioCerts,
        healthyPanicThreshold: 0,
        meshConnections: istioSidecarConnections
    ).cited([
        "meshConnections": istioSidecarConnectionsSource,
        "proxy.latency": Src.istio112Latency,
        "proxy.workers": Src.istioConcurrency,
        "proxy.queue": Src.envoyQueue,
        "proxy.replicas": Src.oneInstance,
        "proxy.workerShare": Src.measuredWorkerShareSource,
        "proxy.cpuPerRequest": Src.istio112Resources,
        "proxy.memoryMB": Src.istio112Resources,
        "gateway.latency": Src.assume("no 1.12 gateway figure; the 1.12 sidecar per-traversal fit stands in (same Envoy build). ") + Src.istio112Latency,
        "gateway.workers": Src.gatewayWorkers,
        "gateway.queue": Src.envoyQueue,
        "gateway.replicas": Src.gatewayReplicas,
        "gateway.workerShare": Src.measuredWorkerShareSource,
        "gateway.cpuPerRequest": Src.assume("the 1.12 sidecar figure stands in for the ingress gateway. ") + Src.istio112Resources,
        "gateway.memoryMB": Src.assume("the 1.12 sidecar figure stands in for the ingress gateway. ") + Src.istio112Resources,
    ].merging(istioPolicySources(lb: "Istio 1.14 change notes (https://istio.io/latest/news/releases/1.14.x/announcing-1.14/change-notes/): releases before 1.14 used ROUND_ROBIN by default")) { a, _ in a })

    static let istioAmbient = Preset(
        name: "istio-ambient", system: "Istio ambient (ztunnel, waypoint)", version: "1.24", kind: .sidecarless,
        summary: "Istio ambient: a per-node ztunnel (L4, mTLS) and an optional Envoy waypoint (L7) per namespace/service.",
        proxy: ProxyProfile(latency: Src.ztunnel122, workers: 2, queue: 1024, cpuPerRequest: 0.00006, workerShare: Src.measuredWorkerShare, memoryMB: 12),
        waypoint: ProxyProfile(latency: Src.envoy120, workers: 2, queue: 1024, replicas: 1, cpuPerRequest: 0.00025, workerShare: Src.measuredWorkerShare, memoryMB: 60),
        gateway: envoyGatewayProfile,
        policies: istioPolicies(lb: .leastRequest),
        certificates: istioCerts,
        healthyPanicThreshold: 0,
        meshConnections: ztunnelConnections
    ).cited([
        "meshConnections": ztunnelConnectionsSource,
        "proxy.latency": Src.istioAmbientL4Latency,
        "proxy.workers": Src.assume("ztunnel runs a small fixed pool of worker threads (2 by default in its Helm chart, as we read it); not found on a versioned page"),
        "proxy.queue": Src.assume("ztunnel has no documented request queue bound (it proxies L4 connections); the 1024 of its Envoy counterparts is used so that overload is bounded"),
        "proxy.replicas": Src.oneInstance + " (ztunnel is a DaemonSet: one per node, its restart hits every ambient pod on the node)",
        "proxy.workerShare": Src.measuredWorkerShareSource,
        "proxy.cpuPerRequest": Src.istio124Resources,
        "proxy.memoryMB": Src.istio124Resources,
        "waypoint.latency": Src.envoyLatencyStandIn + " (a waypoint is an Envoy doing L7 work once per direction)",
        "waypoint.workers": Src.gatewayWorkers,
        "waypoint.queue": Src.envoyQueue,
        "waypoint.replicas": Src.assume("the waypoint Deployment istioctl creates has 1 replica unless scaled"),
        "waypoint.workerShare": Src.measuredWorkerShareSource,
        "waypoint.cpuPerRequest": Src.istio124Resources,
        "waypoint.memoryMB": Src.istio124Resources,
    ].merging(envoyGatewaySources(why: " (Istio ingress gateway is Envoy)")) { a, _ in a }
     .merging(istioPolicySources(lb: istioLeastRequest)) { a, _ in a },
    notes: [("missing-waypoint", "fails open", "a missing waypoint fails open: ztunnel sends traffic straight to the pod and L7 policy is skipped (istio/istio.io PR #17520)")])

    static let istioIngress = Preset(
        name: "istio-ingress", system: "Istio ingress gateway (Envoy)", version: "1.24", kind: .gateway,
        summary: "The Istio ingress gateway on its own, as an edge gateway in front of a mesh or plain services.",
        gateway: envoyGatewayProfile,
        policies: istioPolicies(lb: .leastRequest),
        healthyPanicThreshold: 0
    ).cited(envoyGatewaySources(why: " (the Istio ingress gateway is an Envoy)")
        .merging([
            "policies.timeout": Src.istioTimeout,
            "policies.perTryTimeout": Src.istioNoPerTry,
            "policies.connectTimeout": Src.istioConnectTimeout,
            "policies.retries": Src.istioRetries + " (VirtualService routes through the gateway get the same defaults); " + Src.envoyBackoff,
            "policies.circuitBreakers": Src.istioBreakers,
            "healthyPanicThreshold": Src.istioPanic,
            "policies.outlierDetection": Src.istioNoOutlier,
            "policies.rateLimit": Src.noDefaultRateLimit,
            "policies.loadBalancing": istioLeastRequest,
        ]) { a, _ in a })
}
