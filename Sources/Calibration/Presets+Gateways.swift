import SimCore

extension BuiltinPresets {
    static let envoyGateway = Preset(
        name: "envoy-gateway", system: "Envoy as a gateway", version: "Envoy 1.32", kind: .gateway,
        summary: "A standalone Envoy (plain or via the Envoy Gateway project) as the edge/hub gateway, with Envoy's own defaults.",
        gateway: envoyGatewayProfile,
        policies: Policies(timeout: 15 * Nanos.perSecond, connectTimeout: 5 * Nanos.perSecond, circuitBreakers: .envoy,
                           loadBalancing: .roundRobin)
    ).cited(envoyGatewaySources(why: "").merging([
        "policies.timeout": Src.envoyRouteTimeout,
        "policies.perTryTimeout": Src.envoyNoPerTry,
        "policies.connectTimeout": Src.envoyConnectTimeout,
        "policies.circuitBreakers": Src.envoyBreakers,
        "healthyPanicThreshold": Src.envoyPanic,
        "policies.retries": Src.envoyNoRetry,
        "policies.outlierDetection": Src.envoyNoOutlier,
        "policies.rateLimit": Src.noDefaultRateLimit + " (Envoy's local/global rate-limit filters answer 429 when configured)",
        "policies.loadBalancing": "Envoy Cluster.lb_policy default ROUND_ROBIN (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto)",
    ]) { a, _ in a },
    notes: [("envoy-gateway-lb", "least-request", Src.assume("the Envoy Gateway project's BackendTrafficPolicy defaults to LeastRequest; override `policies.load_balancing` to model it"))])

    // Kong 3.7 on c5.4xlarge, 16 workers, no plugins: 138,087 rps at saturation.
    // At saturation every worker is busy, so 16 / 138,087 s is the worker time
    // one request holds; split over its 2 traversals.
    static let kongSaturationRPS = 138_087.0
    static let kongWorkers = 16
    static let kongServicePerRequest = Double(kongWorkers) / kongSaturationRPS   // seconds

    static let kong = Preset(
        name: "kong", system: "Kong Gateway", version: "3.7", kind: .gateway,
        summary: "Kong Gateway (NGINX/OpenResty): per-traversal time derived from Kong's published saturation throughput.",
        gateway: ProxyProfile(latency: .lognormal(mean: kongServicePerRequest / 2 * 1e9, cv: 0.5)!, workers: kongWorkers,
                              queue: 1024, replicas: 2, cpuPerRequest: kongServicePerRequest, memoryMB: 500),
        policies: Policies(timeout: Policies.noTimeout, perTryTimeout: 60 * Nanos.perSecond,
                           connectTimeout: 60 * Nanos.perSecond,
                           retries: RetryPolicy(attempts: 5, on: [.connectFailure, .timeout], backoff: .immediate),
                           loadBalancing: .roundRobin),
        healthyPanicThreshold: 0,
        rateLimitAlgorithm: .fixedWindow
    ).cited([
        "rateLimitAlgorithm": "Kong rate-limiting plugin (https://developer.konghq.com/plugins/rate-limiting/): fixed-window counters per second, minute, hour, day, month or year, reset at the start of each calendar window (clock-aligned), so up to twice the limit can pass around a boundary; sliding windows need rate-limiting-advanced",
        "gateway.latency": "Kong docs, performance testing (Kong 3.7, c5.4xlarge, 16 workers, HTTPS, k6): 138,087 rps at saturation without plugins => 16/138,087 s = 0.116 ms of worker time per request, 0.058 ms mean per traversal (2 per round trip), so 16 workers saturate at the published rate. Shape: " + Src.assume("cv 0.5, no distribution published"),
        "gateway.workers": "Kong docs, performance testing: 16 NGINX workers (worker_processes auto on 16 vCPU) in the published benchmark",
        "gateway.queue": Src.assume("NGINX accepts connections without a request queue bound; 1024 keeps overload bounded like the Envoy presets"),
        "gateway.replicas": Src.gatewayReplicas,
        "gateway.workerShare": Src.saturationWorkerShareSource,
        "gateway.cpuPerRequest": "derived from Kong docs, performance testing: 16 vCPU fully used at 138,087 rps => 0.116 ms CPU per request (3.7, no plugins)",
        "gateway.memoryMB": Src.assume("no per-node memory figure in the benchmark; 500 MB for 16 OpenResty workers with the default mem_cache_size 128m"),
        "policies.timeout": "Kong Gateway Service entity (https://developer.konghq.com/gateway/entities/service/): no timeout spans the retries: connect/read/write timeouts apply to each try (Kong support note 'x-kong-proxy-latency exceeds the timeout': a slow upstream takes retries x timeout)",
        "policies.perTryTimeout": "Kong Gateway Service entity (https://developer.konghq.com/gateway/entities/service/; Kong/kong PR #2036): connect/read/write timeouts 60000 ms, per try (504 past 60 s, Kong/kong#4186)",
        "policies.connectTimeout": "Kong Gateway Service entity (https://developer.konghq.com/gateway/entities/service/): connect_timeout 60000 ms, the time to establish a connection to the upstream",
        "policies.retries": "Kong Gateway Service entity (https://developer.konghq.com/gateway/entities/service/): retries 5, on connection errors and timeouts, to the balancer's next target at once (NGINX's next-upstream mechanism, no back-off)",
        "policies.circuitBreakers": "Kong upstream/targets have no connection-pool circuit breakers; NGINX's " + Src.noBreakers,
        "healthyPanicThreshold": "Kong load balancing docs (https://developer.konghq.com/gateway/entities/upstream/): with every target unhealthy the balancer has no peer and Kong answers 503 ('failure to get a peer from the ring-balancer'): no panic mode",
        "policies.outlierDetection": "Kong upstream healthchecks (https://developer.konghq.com/gateway/traffic-control/health-checks-circuit-breakers/): passive and active health checks are off by default",
        "policies.rateLimit": "Kong rate-limiting plugin: off unless added; when on it answers 429 and the default `local` policy counts per node, so N nodes multiply the limit (Kong/kong#5954)",
        "policies.loadBalancing": "Kong upstream entity: algorithm round-robin by default",
    ], notes: [
        ("with-rate-limiting", "119,777 rps, p99 7.77 ms", "Kong docs, performance testing (3.7): + rate-limiting plugin => 0.134 ms worker time per request"),
        ("with-rate-limiting-key-auth", "101,483 rps, p99 8.56 ms", "Kong docs, performance testing (3.7): + rate-limiting + key-auth => 0.158 ms worker time per request"),
        ("saturation-p99", "6.82 ms", "Kong docs, performance testing (3.7, no plugins): p99 at saturation, a queueing outcome to validate against, not an input"),
    ])

    static let nginxPlus = Preset(
        name: "nginx-plus", system: "NGINX Plus (reverse proxy / API gateway)", version: "R32", kind: .gateway,
        summary: "NGINX Plus as a gateway: 60 s proxy timeouts, retries to the next upstream on error/timeout, passive health via max_fails.",
        gateway: ProxyProfile(latency: .lognormal(mean: 60_000, cv: 0.5)!, workers: 4, queue: 1024, replicas: 2,
                              cpuPerRequest: kongServicePerRequest, memoryMB: 100),
        policies: Policies(timeout: Policies.noTimeout, perTryTimeout: 60 * Nanos.perSecond,
                           connectTimeout: 60 * Nanos.perSecond,
                           retries: RetryPolicy(attempts: 2, on: [.connectFailure, .timeout], backoff: .immediate),
                           passiveHealth: PassiveHealth(maxFails: 1, failTimeout: 10 * Nanos.perSecond, on: [.error, .timeout]),
                           loadBalancing: .roundRobin),
        healthyPanicThreshold: 0.0001
    ).cited([
        "gateway.latency": Src.assume("no official NGINX latency figure found; Kong (OpenResty on the same NGINX core, no plugins) measures 0.058 ms per traversal at saturation, so 0.06 ms mean, cv 0.5"),
        "gateway.workers": Src.assume("worker_processes auto = one per core; a 4-core gateway host"),
        "gateway.queue": Src.assume("NGINX has no request queue bound (NGINX Plus `queue` is off by default); 1024 keeps overload bounded"),
        "gateway.replicas": Src.gatewayReplicas,
        "gateway.workerShare": Src.assume("100%, as for Kong: NGINX's CPU figure is Kong's saturation worker time standing in (see gateway.cpuPerRequest), all of which holds a worker by construction"),
        "gateway.cpuPerRequest": Src.assume("Kong's derived 0.116 ms CPU per request (same NGINX core, Kong adds Lua) used as an upper bound"),
        "gateway.memoryMB": Src.assume("a few MB per worker plus shared zones; 100 MB for 4 workers"),
        "policies.timeout": "nginx proxy module (http://nginx.org/en/docs/http/ngx_http_proxy_module.html): proxy_next_upstream_timeout 0, no limit on the time spent passing a request to the next servers",
        "policies.perTryTimeout": "nginx proxy module (http://nginx.org/en/docs/http/ngx_http_proxy_module.html): proxy_connect/read/send_timeout 60s, each try's own (between reads, modelled as a per-try timeout; kubernetes/ingress-nginx#3976)",
        "policies.connectTimeout": "nginx proxy module (http://nginx.org/en/docs/http/ngx_http_proxy_module.html): proxy_connect_timeout 60s, for establishing a connection with a proxied server",
        "policies.retries": "nginx proxy module (http://nginx.org/en/docs/http/ngx_http_proxy_module.html): proxy_next_upstream default `error timeout` (an HTTP 503 is passed through unless http_503 is listed), to the next server at once, proxy_next_upstream_tries 0 (bounded only by the upstream's servers, ingress-nginx#12019); " + Src.assume("2 retries = every other server of a 3-server upstream"),
        "policies.outlierDetection": "nginx has no Envoy-style ejection with growing times; its passive health (policies.passiveHealth) stands in (http://nginx.org/en/docs/http/ngx_http_upstream_module.html#server)",
        "policies.passiveHealth": "nginx upstream module (http://nginx.org/en/docs/http/ngx_http_upstream_module.html#server): max_fails=1, fail_timeout=10s: failures within fail_timeout mark the server unavailable for a flat fail_timeout; only proxy_next_upstream's classes (error, timeout) count, http_503 only when listed; a one-server group is never marked",
        "policies.circuitBreakers": Src.noBreakers,
        "healthyPanicThreshold": "nginx ngx_http_upstream_round_robin.c (nginx/nginx on GitHub): when every server of a group has failed, nginx marks them all live again ('all peers failed, mark them as live for quick recovery'): a panic mode at zero healthy servers only, modelled as a threshold of 0.01% (below it, no server is healthy)",
        "policies.rateLimit": Src.noDefaultRateLimit + " (limit_req answers 503 by default, limit_req_status)",
        "policies.loadBalancing": "nginx upstream module (http://nginx.org/en/docs/http/ngx_http_upstream_module.html): weighted round-robin by default",
    ])

    static let cloudLatency = Distribution.lognormal(mean: 7_500_000, p99: 15_000_000)!
    static let cloudLatencySource = Src.assume("no official added-latency figure; third parties report 10-30 ms per request through the managed gateway, so 7.5 ms mean / 15 ms p99 per traversal (2 per round trip: ~15 ms mean, ~25 ms p99 added)")
    static let managedSources: [String: String] = [
        "policies.connectTimeout": Src.assume("no separate connect timeout is documented for managed gateways (none): an unreachable integration fails at the integration timeout"),
        "policies.perTryTimeout": Src.assume("managed gateways do not retry, so the integration timeout is the only one (set as the route timeout)"),
        "policies.circuitBreakers": Src.assume("no per-backend connection-pool circuit breakers are documented for managed gateways; their limits are the account throttle and the timeout ceiling"),
        "healthyPanicThreshold": Src.assume("a managed gateway forwards to its one integration endpoint whatever its health: no host set to panic over"),
        "gateway.workers": Src.assume("a managed, autoscaled service: no worker bound visible to the user; its limits are the timeout ceiling and throttles"),
        "gateway.queue": Src.assume("unused with unlimited workers; 1024 kept for uniformity"),
        "gateway.replicas": Src.assume("one regional endpoint, modelled as one shared station"),
        "gateway.workerShare": Src.noWorkerShareSource,
        "gateway.cpuPerRequest": Src.assume("managed: no CPU in the user's cluster (billed per call instead)"),
        "gateway.memoryMB": Src.assume("managed: no memory in the user's cluster"),
    ]

    static let awsApiGateway = Preset(
        name: "aws-api-gateway", system: "AWS API Gateway (REST API)", version: "REST API quotas 2024", kind: .gateway,
        summary: "Amazon API Gateway: hard 29 s integration timeout (504) and a 10,000 rps / 5,000 burst account throttle (429).",
        gateway: ProxyProfile(latency: cloudLatency, workers: unlimited, queue: 1024, replicas: 1, cpuPerRequest: 0, memoryMB: 0),
        policies: Policies(timeout: 29 * Nanos.perSecond, loadBalancing: .random),
        maxTimeout: 29 * Nanos.perSecond,
        throttle: RateLimit(perConsumer: 10_000, burst: 5_000),
        healthyPanicThreshold: 0
    ).cited(managedSources.merging([
        "gateway.latency": cloudLatencySource,
        "policies.timeout": "AWS API Gateway quotas (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html): integration timeout 50 ms-29 s, 29 s by default for REST APIs (HTTP APIs: 30 s); the backend keeps working after the 504",
        "policies.retries": Src.assume("API Gateway does not retry a failed integration call; clients (AWS SDKs) retry"),
        "policies.outlierDetection": Src.assume("integrations target one endpoint (often a load balancer); no host ejection at the gateway"),
        "policies.rateLimit": "AWS API Gateway usage plans (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html): per-client (API key) throttles only when a usage plan sets them; answered with 429",
        "policies.loadBalancing": Src.assume("the integration endpoint (NLB/ALB/Lambda) spreads load; modelled as random"),
        "maxTimeout": "AWS API Gateway quotas (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html): integration timeout at most 29 s for REST APIs (504 beyond)",
        "throttle": "AWS API Gateway quotas (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html): account-level throttle 10,000 rps with a 5,000-request burst per Region (429 beyond)",
    ]) { a, _ in a })

    static let azureApim = Preset(
        name: "azure-apim", system: "Azure API Management", version: "classic tiers 2024", kind: .gateway,
        summary: "Azure API Management: forward-request timeout 300 s by default, but values above 240 s may not be honoured.",
        gateway: ProxyProfile(latency: cloudLatency, workers: unlimited, queue: 1024, replicas: 1, cpuPerRequest: 0, memoryMB: 0),
        policies: Policies(timeout: 300 * Nanos.perSecond, loadBalancing: .roundRobin),
        maxTimeout: 240 * Nanos.perSecond,
        healthyPanicThreshold: 0
    ).cited(managedSources.merging([
        "gateway.latency": Src.assume("no official figure for Azure API Management either; the AWS API Gateway assumption (7.5 ms mean / 15 ms p99 per traversal) is reused for a comparable managed multi-tenant gateway"),
        "policies.timeout": "Azure forward-request policy (https://learn.microsoft.com/azure/api-management/forward-request-policy): timeout default 300 s",
        "policies.retries": "Azure API Management retry policy (https://learn.microsoft.com/azure/api-management/retry-policy): opt-in; none by default",
        "policies.outlierDetection": "Azure API Management backend circuit breaker (https://learn.microsoft.com/azure/api-management/backends): opt-in per backend; none by default",
        "policies.rateLimit": "Azure rate-limit / rate-limit-by-key policies (https://learn.microsoft.com/azure/api-management/api-management-sample-flexible-throttling): opt-in, answered with 429, never exact because counters are distributed",
        "policies.loadBalancing": "Azure API Management load-balanced backend pools (https://learn.microsoft.com/azure/api-management/backends): round-robin by default",
        "maxTimeout": "Azure forward-request policy (https://learn.microsoft.com/azure/api-management/forward-request-policy): values greater than 240 s may not be honoured, because the network infrastructure can drop idle connections after this time",
    ]) { a, _ in a },
    notes: [("throttle", "none published", "Azure API Management capacity (https://learn.microsoft.com/azure/api-management/api-management-capacity): capacity per scale unit is published as a metric, not a hard request-rate limit, so no account throttle is set")])

    static let apigee = Preset(
        name: "apigee", system: "Google Apigee", version: "Edge (public cloud)", kind: .gateway,
        summary: "Google Apigee: the Message Processor waits 55 s for a backend by default (io.timeout.millis).",
        gateway: ProxyProfile(latency: cloudLatency, workers: unlimited, queue: 1024, replicas: 1, cpuPerRequest: 0, memoryMB: 0),
        policies: Policies(timeout: 55 * Nanos.perSecond, loadBalancing: .roundRobin),
        healthyPanicThreshold: 0
    ).cited(managedSources.merging([
        "gateway.latency": Src.assume("no official figure for Apigee; the AWS API Gateway assumption (7.5 ms mean / 15 ms p99 per traversal) is reused for a comparable managed gateway"),
        "policies.timeout": "Apigee Edge, configuring I/O timeout on Message Processors (https://docs.apigee.com/how-to-guides/configuring-io-timeout-message-processors): io.timeout.millis default 55 s for target endpoints and ServiceCallout",
        "policies.retries": Src.assume("Apigee's TargetServer load balancer (MaxFailures default 0) does not retry a failed request by default"),
        "policies.outlierDetection": Src.assume("TargetServer MaxFailures defaults to 0: servers are never taken out of rotation unless configured"),
        "policies.rateLimit": "Apigee SpikeArrest / Quota policies (https://cloud.google.com/apigee/docs/api-platform/reference/policies/spike-arrest-policy): opt-in; answered with 429",
        "policies.loadBalancing": "Apigee load balancing across backend servers (https://cloud.google.com/apigee/docs/api-platform/deploy/load-balancing-across-backend-servers): LoadBalancer Algorithm RoundRobin by default",
    ]) { a, _ in a },
    notes: [("timeout-ceiling", "~57 s observed", "discuss.google.dev thread (https://discuss.google.dev/t/increase-timeout-on-public-cloud-to-resolve-504-gateway-timeout-error/15463): raising io.timeout.millis to 70 s in Edge public cloud only moved the 504 from 55 s to 57 s (forum report, not documentation)")])
}
