import Calibration

/// Whether a fault can do anything in a topology of a given kind: `topsim validate`
/// prints a note for each pair where it cannot, instead of silently doing nothing.
extension Fault {
    public func inapplicability(to kind: TopologyKind) -> String? {
        switch (self.kind, kind) {
        case (.proxyCrash, .none):
            return "has no proxies"
        case (.proxyCrash, .gateway):
            if case .instance = target { return "has no sidecars (target gateway/N to crash a gateway replica)" }
            if case .service = target { return "has no sidecars (target gateway/N to crash a gateway replica)" }
            return nil
        case (.gatewayDown, .none):
            return "has no gateway"
        case (.restart, .none), (.restart, .gateway), (.restart, .sidecarless):
            return proxyReadyAfter != nil ? "has no sidecars: the restart applies, the startup race does not" : nil
        case (.controlPlaneDown, .none), (.controlPlaneDown, .gateway):
            return "has no mesh control plane or certificates"
        default:
            return nil
        }
    }
}

extension Fault {
    /// As `inapplicability(to:)`, knowing the topology's policies and the call graph too:
    /// every fault that cannot affect a topology or its target says so.
    public func inapplicability(to topology: TopologySpec, in scenario: Scenario) -> String? {
        if let why = inapplicability(to: topology.kind) { return why }
        switch kind {
        case .rateLimitStoreDown:
            let limit = scenario.policies.overlaid(by: topology.policies ?? Policies()).rateLimit
            guard topology.kind == .gateway || topology.kind == .combined else { return "has no gateway rate limit" }
            return limit?.scope == .cluster ? nil
                : "has no rate limit with 'policy: cluster' (a 'local' limit keeps no store)"
        case .configDrift:
            // Drift changes what a caller's proxy (or library) applies to its calls to the
            // service; a service only external traffic reaches has no such caller.
            guard case .service(let s) = target else { return nil }
            let calledByService = scenario.services.contains { $0.calls.contains { $0.calls.contains { $0.service == s } } }
            let calledInside = scenario.traffic.contains { $0.from == .internal && $0.to == s }
            return calledByService || calledInside ? nil
                : "drifts the callers of '\(scenario.services[s].name)', and only external traffic (through the edge) calls it"
        default:
            return adoptionInapplicability(to: topology, in: scenario)
        }
    }
}

// MARK: - Gradual adoption (issue 22)

extension Fault {
    /// `inject` and `mtls-mode` faults that cannot change anything in `topology`: no mesh to
    /// inject into or to speak mTLS, or a service that is in the mesh already.
    public func adoptionInapplicability(to topology: TopologySpec, in scenario: Scenario) -> String? {
        let mesh = topology.kind == .sidecar || topology.kind == .combined || topology.kind == .sidecarless
        switch kind {
        case .mtlsMode:
            return mesh ? nil : "has no mesh: no proxy speaks mTLS between services"
        case .inject:
            guard mesh else { return "has no mesh to inject its pods into" }
            guard case .service(let s) = target else { return nil }
            if scenario.services[s].mesh {
                return "injects '\(scenario.services[s].name)', which is in the mesh from the start (mesh: false keeps it out until then)"
            }
            let earlier = scenario.faults.contains { $0.kind == .inject && $0.target == target
                && ($0.at < at || ($0.at == at && ($0.line, $0.column) < (line, column))) }
            return earlier ? "injects '\(scenario.services[s].name)' a second time: an earlier inject already did" : nil
        case .proxyCrash:
            // A pod never injected has no sidecar to crash (in ambient the node proxy it hits
            // still serves the node's meshed pods).
            guard topology.kind == .sidecar || topology.kind == .combined else { return nil }
            let s: Int
            switch target {
            case .service(let x): s = x
            case .instance(let x, _): s = x
            default: return nil
            }
            return scenario.meshedAtEnd(s) ? nil
                : "targets '\(scenario.services[s].name)', which has no sidecar (mesh: false, never injected)"
        default:
            return nil
        }
    }
}

extension Scenario {
    /// Validate notes for services' `mesh: false` in topologies without a mesh, where it changes
    /// nothing: (line, column, message), in file order.
    public var adoptionNotes: [(line: Int, column: Int, message: String)] {
        var out: [(Int, Int, String)] = []
        for s in services where !s.mesh {
            for t in topologies where t.kind == .none || t.kind == .gateway {
                out.append((s.line, s.column, "mesh: false does nothing in topology '\(t.name)': kind \(t.kind.rawValue) has no mesh"))
            }
        }
        return out
    }
}
