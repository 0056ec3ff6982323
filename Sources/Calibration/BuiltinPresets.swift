import SimCore

/// Placeholder values until the calibration issue lands: every value here is an assumption.
enum BuiltinPresets {
    static let aliases: [String: String] = [:]

    static func ms(_ v: Double) -> Double { v * 1e6 }

    static let all: [Preset] = [
        Preset(name: "istio-envoy", system: "Istio (Envoy sidecar)", version: "1.24", kind: .sidecarMesh,
               summary: "placeholder",
               proxy: ProxyProfile(latency: .constant(ms(0.15)), workers: 2, cpuPerRequest: 0.0002, memoryMB: 60),
               gateway: ProxyProfile(latency: .constant(ms(0.3)), workers: 4, replicas: 2, cpuPerRequest: 0.0002, memoryMB: 100),
               policies: Policies(timeout: Policies.noTimeout,
                                  retries: RetryPolicy(attempts: 2, on: [.connectFailure, .refusedStream, .unavailable])),
               certificates: CertificatePolicy(ttl: 24 * 3600 * Nanos.perSecond, rotateAt: 0.5)),
        Preset(name: "linkerd", system: "Linkerd (linkerd2-proxy)", version: "2.14", kind: .sidecarMesh,
               summary: "placeholder",
               proxy: ProxyProfile(latency: .constant(ms(0.2)), workers: 2, cpuPerRequest: 0.0001, memoryMB: 20),
               gateway: ProxyProfile(latency: .constant(ms(0.3)), workers: 4, replicas: 2, cpuPerRequest: 0.0002, memoryMB: 100),
               certificates: CertificatePolicy(ttl: 24 * 3600 * Nanos.perSecond, rotateAt: 0.7),
               holdApplicationUntilProxyStarts: true),
        Preset(name: "istio-ambient", system: "Istio ambient (ztunnel, waypoint)", version: "1.24", kind: .sidecarless,
               summary: "placeholder",
               proxy: ProxyProfile(latency: .constant(ms(0.05)), workers: 4, cpuPerRequest: 0.00006, memoryMB: 12),
               waypoint: ProxyProfile(latency: .constant(ms(0.2)), workers: 4, replicas: 2, cpuPerRequest: 0.00025, memoryMB: 60),
               gateway: ProxyProfile(latency: .constant(ms(0.3)), workers: 4, replicas: 2, cpuPerRequest: 0.0002, memoryMB: 100),
               certificates: CertificatePolicy(ttl: 24 * 3600 * Nanos.perSecond, rotateAt: 0.5)),
        Preset(name: "kong", system: "Kong Gateway", version: "3.7", kind: .gateway, summary: "placeholder",
               gateway: ProxyProfile(latency: .constant(ms(0.5)), workers: 16, replicas: 2, cpuPerRequest: 0.0001, memoryMB: 200),
               policies: Policies(timeout: 60 * Nanos.perSecond, retries: RetryPolicy(attempts: 5, on: [.connectFailure, .timeout]))),
        Preset(name: "envoy-gateway", system: "Envoy as a gateway", version: "1.30", kind: .gateway, summary: "placeholder",
               gateway: ProxyProfile(latency: .constant(ms(0.3)), workers: 8, replicas: 2, cpuPerRequest: 0.0001, memoryMB: 100),
               policies: Policies(timeout: 15 * Nanos.perSecond)),
    ]
}
