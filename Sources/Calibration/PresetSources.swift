import Foundation
import SimCore

/// Published figures and documents the presets rest on, written once so that
/// several presets cite them with the same words. Each names what it measured
/// and the version it stands for.
enum Src {
    // Istio performance pages (versioned on istio.io).
    static let istio120Latency = "Istio 1.20 performance page (https://istio.io/v1.20/docs/ops/deployment/performance-and-scalability/): two sidecars add +0.228 ms p90, +0.298 ms p99 at 1000 rps, 1 KB, 2-64 connections; fitted per traversal as 4 independent lognormal draws per round trip (docs/calibration.md)"
    static let istio112Latency = "Istio 1.12 performance page (https://istio.io/v1.12/docs/ops/deployment/performance-and-scalability/; also Red Hat OpenShift Service Mesh docs): two sidecars add +1.7 ms p90, +2.7 ms p99 at 1000 rps, 1 KB, 16 connections, 2 worker threads, mTLS; fitted per traversal as 4 independent lognormal draws (docs/calibration.md)"
    static let istioAmbientL4Latency = "Istio performance page, 1.23 (https://istio.io/v1.23/docs/ops/deployment/performance-and-scalability/), measured on 1.22: two ztunnels (L4) add +0.17 ms p90, +0.20 ms p99 at 1000 rps, 1-64 connections; fitted per traversal as 4 independent lognormal draws (docs/calibration.md)"
    static let istio124Resources = "Istio 1.24 performance page (https://istio.io/v1.24/docs/ops/deployment/performance-and-scalability/): per 1000 rps at 1 KB, sidecar 0.20 vCPU and 60 MB; waypoint 0.25 vCPU and 60 MB; ztunnel 0.06 vCPU and 12 MB (0.20 vCPU per 1000 rps = 0.0002 CPU s per request)"
    static let istio112Resources = "Istio 1.9-1.13 performance pages (https://istio.io/v1.12/docs/ops/deployment/performance-and-scalability/): Envoy sidecar 0.35 vCPU and 40 MB per 1000 rps (= 0.00035 CPU s per request)"
    static let istioConcurrency = "Istio ProxyConfig.concurrency (https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig): sidecars run 2 Envoy worker threads by default; the 1.12 benchmark ran 2 worker threads"
    static let istioTimeout = "Istio request-timeouts task (https://istio.io/latest/docs/tasks/traffic-management/request-timeouts/): HTTP request timeouts are disabled by default (Envoy's 15 s route default was removed, istio/istio#13421)"
    static let istioRetries = "Istio default retry policy (istio pilot route/retry DefaultPolicy; https://istio.io/latest/docs/concepts/traffic-management/#retries): 2 retries on connect-failure, refused-stream, unavailable, cancelled, 503, preferring other hosts"
    static let istioNoOutlier = "Istio DestinationRule outlierDetection (https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection): none unless a DestinationRule sets it"
    static let noDefaultRateLimit = "no rate limit unless configured (product docs); scenario policies add one"
    static let istioCertTTL = "istio-agent SECRET_TTL (https://istio.io/latest/docs/reference/commands/pilot-agent/): workload certificates last 24 h (istio/istio#21944)"
    static let istioCertRotate = "istio-agent SECRET_GRACE_PERIOD_RATIO 0.5 (https://istio.io/latest/docs/reference/commands/pilot-agent/): renewed at half-life"
    static let istioHold = "Istio ProxyConfig.holdApplicationUntilProxyStarts (https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig): false by default (istio/istio#11130)"
    static let envoyQueue = "Envoy circuit breaker defaults (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/circuit_breaker.proto): max_pending_requests 1024 (overflow answered 503 UO, envoyproxy/envoy#11908)"
    static let envoyRouteTimeout = "Envoy RouteAction.timeout (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto): 15 s, retries included"
    static let envoyNoRetry = "Envoy route retry_policy (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto): no retries unless a retry policy is set"
    static let envoyNoOutlier = "Envoy outlier_detection (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/outlier_detection.proto): off unless configured (when set: 5 consecutive 5xx, 10 s interval, 30 s base ejection, 10% max)"
    static let envoyBreakers = "Envoy circuit breakers (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/circuit_breaker.proto, Thresholds): max_connections 1024, max_pending_requests 1024, max_requests 1024, max_retries 3 per proxy and cluster; beyond them 503 with flag UO at once, never retried by the same proxy (envoyproxy/envoy#29762; knative-extensions/net-kourier#839 sees the 1024 wall)"
    static let istioBreakers = "Istio DestinationRule ConnectionPoolSettings (https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings): tcp.maxConnections, http.http1MaxPendingRequests, http.http2MaxRequests and http.maxRetries each 'Default 2^32-1' (Istio lifts Envoy's 1024/3 unless a DestinationRule sets them)"
    static let envoyPanic = "Envoy Cluster.CommonLbConfig.healthy_panic_threshold (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto): 50% by default; below it the proxy balances over every host"
    static let istioPanic = "Istio OutlierDetection.minHealthPercent (https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection): default 0%, 'not typically applicable in k8s environments with few pods per service': the proxy never enters panic mode"
    static let envoyNoPerTry = "Envoy RetryPolicy.per_try_timeout (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto): unset, so a try may use the whole route timeout"
    static let istioNoPerTry = "Istio HTTPRetry.perTryTimeout (https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry): unset by default; a try may run until the route timeout"
    static let envoyBackoff = "Envoy router filter (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-max-retries): fully jittered exponential back-off, retry N waits uniform(0, (2^N-1) x 25 ms), capped at 250 ms"
    static let noBreakers = "no connection-pool circuit breakers by default: nginx.org ngx_http_upstream_module `server ... max_conns=` defaults to 0 (unlimited) (http://nginx.org/en/docs/http/ngx_http_upstream_module.html)"
    static let envoyConnectTimeout = "Envoy Cluster.connect_timeout (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto): 5 s by default; a host that does not answer the SYN fails the try after it (UF, retriable as connect-failure)"
    static let istioConnectTimeout = "Istio ConnectionPoolSettings.TCPSettings.connectTimeout (https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings-TCPSettings): TCP connection timeout, default 10s"
    static let oneInstance = "one instance per pod (sidecar) or per node (node proxy): replicas does not apply"

    static func assume(_ why: String) -> String { "assumption: " + why }

    /// The share of a published per-request CPU figure that occupies a worker thread
    /// (docs/calibration.md, "Proxy cost model").
    static let measuredWorkerShare = 0.75
    static let measuredWorkerShareSource = assume("75% of the published CPU holds a worker. The figures are whole-container CPU measured at low per-proxy rates (istio.io's load-test mesh: 70,000 rps over 2000 sidecars, about 70 rps each; the Linkerd benchmark harness: about 200 rps per proxy), so they include work no request waits for: Envoy's main thread (stats flushes, xDS, admin and Prometheus scrapes) and pilot-agent in the same container, or the linkerd2-proxy runtime's metrics and discovery, all spread over few requests. No product publishes the split; a quarter for that fixed work is our estimate. Sensitivity (docs/calibration.md, Proxy cost model): at 100%, Istio 1.12's sidecar in a web pod taking 2,000 rps and calling two backends (12,000 passes/s x 0.35 ms / 2 = 2.1 workers) is over its 2 workers and collapses; at 75% it runs at 79%")
    static let saturationWorkerShareSource = "100%: Kong docs, performance testing (Kong 3.7): the CPU figure is worker time itself, derived from the published saturation throughput with every worker busy, so all of it holds a worker"
    static let noWorkerShareSource = "100%, not applicable: unlimited workers, nothing waits for a worker"

    static let envoyLatencyStandIn = assume("no published latency for this Envoy role; uses the per-traversal lognormal fitted to Istio 1.20's sidecar figure (+0.228 ms p90 / +0.298 ms p99 for two sidecars), since it is the same Envoy proxy doing comparable L7 work")
    static let envoyCPUStandIn = assume("no published figure for this Envoy role; Istio 1.24's sidecar figure 0.20 vCPU per 1000 rps (0.0002 CPU s per request) stands in, the same proxy binary doing comparable L7 work")
    static let envoyMemoryStandIn = assume("Istio 1.24's measured 60 MB per Envoy stands in (the seed's rule of thumb is 50-100 MB per Envoy)")
    static let gatewayWorkers = assume("Envoy runs one worker per hardware thread (--concurrency default; Envoy Gateway API EnvoyProxy.concurrency: unset defaults to the number of cpuset threads); a 2-CPU gateway pod (as we read Istio's gateway chart limit) gives 2")
    static let gatewayReplicas = assume("2 replicas, the smallest highly available gateway; product charts start at 1 with autoscaling")

    static func perTraversal(_ mu: Double, _ sigma: Double) -> Distribution {
        // Fitted in ln(milliseconds); stored in nanoseconds.
        .lognormal(mu: mu + log(1e6), sigma: sigma)
    }

    // Fitted parameters from docs/calibration-fit/fit.py (see docs/calibration.md).
    static let envoy120 = perTraversal(-3.267975, 0.479408)
    static let envoy112 = perTraversal(-1.586937, 0.759424)
    static let ztunnel122 = perTraversal(-3.390125, 0.303474)
}

extension BuiltinPresets {
    static let istioCerts = CertificatePolicy(ttl: 24 * 3600 * Nanos.perSecond, rotateAt: 0.5)

    static let istioRetryPolicy = RetryPolicy(attempts: 2, on: [.connectFailure, .refusedStream, .unavailable],
                                              backoff: .envoyDefault)

    /// An Envoy ingress/edge gateway built from the Istio 1.20 fit; every mesh carries one.
    static let envoyGatewayProfile = ProxyProfile(latency: Src.envoy120, workers: 2, queue: 1024, replicas: 2,
                                                  cpuPerRequest: 0.0002, workerShare: Src.measuredWorkerShare,
                                                  memoryMB: 60)

    static func envoyGatewaySources(latency: String = Src.envoyLatencyStandIn,
                                    why: String = "") -> [String: String] {
        [
            "gateway.latency": latency + why,
            "gateway.workers": Src.gatewayWorkers,
            "gateway.queue": Src.envoyQueue,
            "gateway.replicas": Src.gatewayReplicas,
            "gateway.cpuPerRequest": Src.envoyCPUStandIn,
            "gateway.workerShare": Src.measuredWorkerShareSource,
            "gateway.memoryMB": Src.envoyMemoryStandIn,
        ]
    }
}
