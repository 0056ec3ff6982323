import SimCore

// Gradual adoption (issue 22): which services are in the mesh and which mTLS mode applies to
// each, over the fault timeline. The simulation keeps its own per-instance copy (Topology's
// Adoption.swift); this is the scenario-level view `validate` notes and the checklist use.

/// The modes an `mtls-mode` fault switches between: Istio PeerAuthentication's `STRICT` and
/// `PERMISSIVE` (https://istio.io/latest/docs/reference/config/security/peer_authentication/).
/// `DISABLE` is not a migration step: a topology states it with `mtls: off`.
enum AdoptionMode: String, CaseIterable {
    case strict, permissive
}

extension Scenario {
    /// Faults of the adoption timeline (`inject`, `mtls-mode`) in the order they apply:
    /// by `at`, file order between equal instants.
    public var adoptionTimeline: [Fault] {
        faults.enumerated()
            .filter { $0.element.kind == .inject || $0.element.kind == .mtlsMode }
            .sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
            .map(\.element)
    }

    /// Whether service `s` is in the mesh once the timeline is over: `mesh:` unless an
    /// `inject` targets it.
    public func meshedAtEnd(_ s: Int) -> Bool {
        services[s].mesh || faults.contains { $0.kind == .inject && $0.target == .service(s) }
    }

    /// The mTLS mode of service `s` once the timeline is over, starting from `initial` (the
    /// topology's). A workload's own mode wins over the namespace's whatever their order, as
    /// Istio applies PeerAuthentication: "workload-specific policy takes precedence over
    /// namespace-wide policy" (istio.io docs, Security concepts, "Peer authentication").
    public func mtlsModeAtEnd(_ s: Int, initial: MTLSMode) -> MTLSMode {
        var namespace = initial
        var own: MTLSMode?
        for f in adoptionTimeline where f.kind == .mtlsMode {
            guard let m = f.mode else { continue }
            switch f.target {
            case .service(let t): if t == s { own = m }
            default: namespace = m
            }
        }
        return own ?? namespace
    }

    /// The services that call `s` (in any step), in file order. Internal traffic sources are
    /// not among them: their client pods are in the mesh.
    public func callers(of s: Int) -> [Int] {
        services.indices.filter { c in services[c].calls.contains { $0.calls.contains { $0.service == s } } }
    }

    /// Plain (never injected) services still calling a meshed service whose mode is strict
    /// once the timeline is over, from topology mTLS mode `initial`: every call of theirs to
    /// it fails its handshake. Pairs (caller, callee), in file order.
    public func plainCallersOfStrictServices(initial: MTLSMode) -> [(caller: Int, callee: Int)] {
        var out: [(Int, Int)] = []
        for callee in services.indices where meshedAtEnd(callee) && mtlsModeAtEnd(callee, initial: initial) == .strict {
            for caller in callers(of: callee) where !meshedAtEnd(caller) { out.append((caller, callee)) }
        }
        return out
    }
}
