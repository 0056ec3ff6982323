import SimCore

extension BuiltinPresets {
    static let consulCerts = CertificatePolicy(ttl: 72 * 3600 * Nanos.perSecond, rotateAt: 0.75)
    static let consulCertSources: [String: String] = [
        "certificates.ttl": "Consul Connect CA LeafCertTTL default 72h (https://developer.hashicorp.com/consul/docs/connect/ca; hashicorp/consul#16779)",
        "certificates.rotateAt": "Consul agent leafcert calculateSoftExpiry (hashicorp/consul agent/leafcert): renewal jittered uniformly between 60% and 90% of the lifetime; 75% is its mean",
        "holdApplicationUntilProxyStarts": Src.assume("Consul on Kubernetes starts the app and the Envoy sidecar side by side unless lifecycle/native-sidecar options are set; no wait assumed"),
    ]

    static let consulEnvoy = Preset(
        name: "consul-envoy", system: "Consul Connect (Envoy sidecar)", version: "1.18", kind: .sidecarMesh,
        summary: "Consul service mesh with Envoy sidecars; no published Consul-specific overhead, so Envoy figures from Istio stand in.",
        proxy: ProxyProfile(latency: Src.envoy120, workers: 2, queue: 1024, cpuPerRequest: 0.0002, workerShare: Src.measuredWorkerShare, memoryMB: 60),
        gateway: envoyGatewayProfile,
        policies: Policies(timeout: 15 * Nanos.perSecond, connectTimeout: 5 * Nanos.perSecond, circuitBreakers: .envoy,
                           loadBalancing: .roundRobin),
        certificates: consulCerts
    ).cited([
        "policies.connectTimeout": "Consul upstream config connect_timeout_ms (https://developer.hashicorp.com/consul/docs/connect/proxies/envoy): 5000 ms (5 s) by default",
        "policies.perTryTimeout": "Consul service-router PerTryTimeout (https://developer.hashicorp.com/consul/docs/connect/config-entries/service-router): unset by default. " + Src.envoyNoPerTry,
        "policies.circuitBreakers": "Consul upstream `limits` (https://developer.hashicorp.com/consul/docs/connect/proxies/envoy): max_connections, max_pending_requests and max_concurrent_requests unset leave Envoy's defaults. " + Src.envoyBreakers,
        "healthyPanicThreshold": Src.envoyPanic + " (Consul leaves it unset)",
        "proxy.latency": Src.envoyLatencyStandIn + " (Consul configures the same Envoy; no Consul-specific overhead figure was found)",
        "proxy.workers": Src.assume("Consul's Envoy bootstrap sets no concurrency; on Kubernetes the sidecar's CPU (consul-k8s default limit) gives about 2 workers, like Istio's"),
        "proxy.queue": Src.envoyQueue + " (Consul's upstream `limits` leave Envoy's defaults)",
        "proxy.replicas": Src.oneInstance,
        "proxy.workerShare": Src.measuredWorkerShareSource,
        "proxy.cpuPerRequest": Src.envoyCPUStandIn,
        "proxy.memoryMB": Src.envoyMemoryStandIn,
        "policies.timeout": "Consul proxy config local_request_timeout_ms (https://developer.hashicorp.com/consul/docs/connect/proxies/envoy): unset inherits Envoy's 15 s route timeout. " + Src.envoyRouteTimeout,
        "policies.retries": "Consul service-router NumRetries defaults to 0 (https://developer.hashicorp.com/consul/docs/connect/config-entries/service-router). " + Src.envoyNoRetry,
        "policies.outlierDetection": "Consul upstream passive_health_check is unset by default (https://developer.hashicorp.com/consul/docs/connect/proxies/envoy). " + Src.envoyNoOutlier,
        "policies.rateLimit": Src.noDefaultRateLimit,
        "policies.loadBalancing": "Consul service-resolver LoadBalancer policy defaults to Envoy's round_robin (https://developer.hashicorp.com/consul/docs/connect/config-entries/service-resolver)",
    ].merging(consulCertSources) { a, _ in a }
     .merging(envoyGatewaySources(why: " (Consul's ingress/API gateway is Envoy)")) { a, _ in a })

    static let consulBuiltin = Preset(
        name: "consul-builtin", system: "Consul Connect (built-in proxy)", version: "1.18", kind: .sidecarMesh,
        summary: "Consul's built-in L4 proxy (Go), meant for development and testing: mTLS only, no L7 policies.",
        proxy: ProxyProfile(latency: Src.perTraversal(-3.267975, 0.479408), workers: unlimited, queue: 1024,
                            cpuPerRequest: 0.0002, memoryMB: 30),
        gateway: envoyGatewayProfile,
        policies: Policies(timeout: Policies.noTimeout, loadBalancing: .random),
        certificates: consulCerts,
        healthyPanicThreshold: 0
    ).cited([
        "policies.perTryTimeout": Src.assume("the built-in proxy is L4 only: it cannot time out requests, so none"),
        "policies.connectTimeout": Src.assume("no connect timeout is documented for the built-in proxy (none): the caller's kernel gives up on the SYN, 127 s by default (tcp(7), tcp_syn_retries 6)"),
        "policies.circuitBreakers": Src.assume("the built-in L4 proxy has no request-level circuit breakers"),
        "healthyPanicThreshold": Src.assume("the built-in proxy does not balance on health beyond the catalog's passing instances: no panic mode"),
        "proxy.latency": Src.assume("no figure published for the built-in proxy; the Envoy per-traversal fit to Istio 1.20's two-sidecar figure (+0.228 ms p90 / +0.298 ms p99) stands in: an L4 Go proxy does less work per request but copies through user space the same way"),
        "proxy.workers": Src.assume("the built-in proxy serves each connection on its own goroutine, so it has no worker bound"),
        "proxy.queue": Src.assume("unused with unlimited workers; 1024 kept for uniformity"),
        "proxy.replicas": Src.oneInstance,
        "proxy.workerShare": Src.noWorkerShareSource,
        "proxy.cpuPerRequest": Src.envoyCPUStandIn + " (no figure for the built-in proxy)",
        "proxy.memoryMB": Src.assume("a small Go process; 30 MB, half an Envoy's, with no measurement behind it"),
        "policies.timeout": Src.assume("the built-in proxy is L4 only: it cannot time out requests, so none"),
        "policies.retries": Src.assume("L4 only: no request retries"),
        "policies.outlierDetection": Src.assume("L4 only: no outlier detection"),
        "policies.rateLimit": Src.noDefaultRateLimit,
        "policies.loadBalancing": Src.assume("the built-in proxy picks a random healthy instance from the catalog for each connection"),
    ].merging(consulCertSources) { a, _ in a }
     .merging(envoyGatewaySources(why: " (Consul's ingress/API gateway is Envoy)")) { a, _ in a },
    notes: [("status", "development/testing", "Consul docs describe the built-in proxy as suitable for development and testing, with Envoy recommended for production")])

    static let cilium = Preset(
        name: "cilium", system: "Cilium service mesh (eBPF L4, per-node Envoy L7)", version: "1.16", kind: .sidecarless,
        summary: "Cilium: L4 handled in the kernel by eBPF on every node; L7 policies go through one Envoy per node (modelled as the waypoint).",
        proxy: ProxyProfile(latency: .lognormal(mean: 10_000, p99: 30_000)!, workers: unlimited, queue: 1024,
                            cpuPerRequest: 0.00001, memoryMB: 0),
        waypoint: ProxyProfile(latency: Src.envoy120, workers: 2, queue: 1024, replicas: 1, cpuPerRequest: 0.0002, workerShare: Src.measuredWorkerShare, memoryMB: 60),
        gateway: envoyGatewayProfile,
        policies: Policies(timeout: 15 * Nanos.perSecond, connectTimeout: 5 * Nanos.perSecond, circuitBreakers: .envoy,
                           loadBalancing: .random)
    ).cited([
        "policies.perTryTimeout": Src.assume("Cilium's Envoy routes set no per-try timeout. ") + Src.envoyNoPerTry,
        "policies.connectTimeout": Src.assume("Cilium's per-node Envoy keeps Envoy's cluster default. ") + Src.envoyConnectTimeout,
        "policies.circuitBreakers": Src.assume("Cilium's per-node Envoy keeps Envoy's cluster defaults unless a CiliumEnvoyConfig sets them. ") + Src.envoyBreakers,
        "healthyPanicThreshold": Src.assume("Cilium's Envoy keeps Envoy's default. ") + Src.envoyPanic,
        "proxy.latency": Src.assume("no published per-hop figure for Cilium's eBPF datapath; it redirects in the kernel with no user-space copy, so 10 us mean / 30 us p99 per traversal, an order below ztunnel's fitted 35 us"),
        "proxy.workers": Src.assume("eBPF programs run per packet in the kernel: no worker pool to saturate"),
        "proxy.queue": Src.assume("unused with unlimited workers; 1024 kept for uniformity"),
        "proxy.replicas": Src.oneInstance,
        "proxy.workerShare": Src.noWorkerShareSource,
        "proxy.cpuPerRequest": Src.assume("kernel eBPF work per request is a few microseconds; 0.01 ms, a sixth of ztunnel's published 0.06 ms"),
        "proxy.memoryMB": Src.assume("the eBPF datapath lives in cilium-agent, which runs anyway as the CNI; no memory is attributed to the mesh"),
        "waypoint.latency": Src.envoyLatencyStandIn + " (Cilium's L7 proxy is an Envoy, one per node)",
        "waypoint.workers": Src.assume("cilium-envoy's worker count follows its DaemonSet CPU; 2 as for the other Envoy roles"),
        "waypoint.queue": Src.envoyQueue,
        "waypoint.replicas": Src.assume("one Envoy per node, not per service: topsim's waypoint is a shared station, so 1 replica stands for the node's Envoy"),
        "waypoint.workerShare": Src.measuredWorkerShareSource,
        "waypoint.cpuPerRequest": Src.envoyCPUStandIn,
        "waypoint.memoryMB": Src.envoyMemoryStandIn,
        "policies.timeout": Src.assume("Cilium's Envoy routes keep Envoy's 15 s route default. ") + Src.envoyRouteTimeout,
        "policies.retries": Src.assume("Cilium configures no retries by default (CiliumEnvoyConfig can add them). ") + Src.envoyNoRetry,
        "policies.outlierDetection": Src.assume("none unless a CiliumEnvoyConfig sets it. ") + Src.envoyNoOutlier,
        "policies.rateLimit": Src.noDefaultRateLimit,
        "policies.loadBalancing": Src.assume("kube-proxy replacement picks a random backend per connection (Maglev or random, random by default)"),
        "holdApplicationUntilProxyStarts": Src.assume("no sidecar: the node's datapath is up before pods start"),
    ].merging(envoyGatewaySources(why: " (Cilium's ingress/Gateway API is its Envoy)")) { a, _ in a },
    notes: [
        ("agent-restart", "L7 disrupted for seconds", "cilium/cilium#13194, #35425: agent restarts disrupt Envoy-handled (L7) traffic"),
        ("certificates", "none modelled", Src.assume("Cilium encrypts with WireGuard/IPsec node keys (https://docs.cilium.io/en/stable/security/network/encryption/); its SPIFFE mutual-auth (beta) TTLs are not modelled (no CertificatePolicy)")),
    ])
}
