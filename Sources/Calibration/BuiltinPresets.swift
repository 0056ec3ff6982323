import SimCore

/// The calibrated presets. Values and their sources live in the Presets+*.swift
/// files; every value carries a citation or an "assumption:" with its reason.
enum BuiltinPresets {
    /// Unversioned names point at the newest calibrated version. `istio-envoy`
    /// stays valid because scenarios in the spec use it.
    static let aliases: [String: String] = [
        "istio-envoy": "istio-1.24",
        "istio": "istio-1.24",
        "consul": "consul-envoy",
        "nginx": "nginx-plus",
        "linkerd": "linkerd-2.18",
    ]

    static let all: [Preset] = [
        istio124, istio120, istio112, linkerd218, linkerd211, linkerd210, consulEnvoy, consulBuiltin, istioAmbient, cilium,
        istioIngress, envoyGateway, kong, nginxPlus, awsApiGateway, azureApim, apigee,
    ]

    /// The published round-trip figures the per-traversal latencies were fitted to.
    static let latencyTargets: [LatencyTarget] = [
        LatencyTarget(preset: "istio-1.20", role: "proxy", traversals: 4, addedP90Ms: 0.228, addedP99Ms: 0.298,
                      source: Src.istio120Latency),
        LatencyTarget(preset: "istio-1.24", role: "proxy", traversals: 4, addedP90Ms: 0.228, addedP99Ms: 0.298,
                      source: Src.istio120Latency),
        LatencyTarget(preset: "istio-1.12", role: "proxy", traversals: 4, addedP90Ms: 1.7, addedP99Ms: 2.7,
                      source: Src.istio112Latency),
        LatencyTarget(preset: "istio-ambient", role: "proxy", traversals: 4, addedP90Ms: 0.17, addedP99Ms: 0.20,
                      source: Src.istioAmbientL4Latency),
    ]
}

/// Public access to the fit targets (validation scenarios reproduce these).
public enum CalibrationTargets {
    public static var latency: [LatencyTarget] { BuiltinPresets.latencyTargets }
}
