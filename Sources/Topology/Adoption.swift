import Calibration
import Scenario
import SimCore

// Gradual adoption (issue 22): a mesh whose pods join it over time, and the mTLS mode that
// decides whether a pod outside it may still call the pods inside.
//
// Paths (Routing.swift) are built from the proxies that exist on each call:
// - a plain caller (a pod never injected, `mesh: false`) has no proxy of its own: its client
//   library sends straight to the callee's pod (route `direct`, through kube-proxy, with its
//   own client policies, as in the `none` topology), through the callee's sidecar or node
//   proxy when the callee is meshed. In ambient, a pod not enrolled has no ztunnel hop: only
//   pods labelled (or in a namespace labelled) `istio.io/dataplane-mode=ambient` are
//   redirected to it (istio.io/latest/docs/ambient/usage/add-workloads);
// - a meshed caller of a plain callee keeps its caller-side proxy, which enforces its
//   policies, and sends plaintext: Istio's auto mTLS "configures client sidecar to send
//   mutual TLS traffic to those workloads automatically, and send plain text traffic to
//   workloads without sidecars" (istio.io/v1.4/docs/tasks/security/authentication/auto-mtls);
//   there is no callee-side proxy.
//
// mTLS: a meshed callee in `strict` mode accepts only mTLS, so a plain caller's every try
// fails its handshake (`errors.tls`): PeerAuthentication `STRICT`
// (istio.io/latest/docs/reference/config/security/peer_authentication/), enforced by the
// callee's sidecar (its inbound listener keeps only the TLS filter chain) or, in ambient, by
// the callee node's ztunnel. `permissive` accepts both. A workload's own mode wins over the
// namespace's whatever their order ("a workload-specific policy takes precedence over a
// namespace-specific one", Google Cloud Service Mesh, "Configure transport security", for
// Istio's PeerAuthentication). Linkerd differs: meshed pairs always use mTLS and nothing is
// strict by default; the analogue of `strict` is the inbound policy `all-authenticated`
// ("allow traffic from meshed clients"), set with the annotation
// `config.linkerd.io/default-inbound-policy` on a namespace or a pod spec
// (linkerd.io/2.15/reference/authorization-policy/); its proxy refuses the unmeshed client
// (an HTTP 403 rather than a failed handshake), counted here as `errors.tls` too.
//
// Injection: an `inject` fault is a rollout (Termination.swift) whose replacement pods come up
// with the sidecar, since "injection happens at pod creation through an admission
// controller" (Red Hat OpenShift Service Mesh 3, "Sidecar injection"): a pod created once
// the injection has started has it, one created before does not. Sidecar-less is different:
// ambient enrols running pods "with no need to restart applications"
// (istio.io/latest/docs/ambient/usage/add-workloads), so `inject` enrols every pod of the
// service at its instant there.
//
// assumption: an `mtls-mode` switch applies at its instant (the PeerAuthentication push to the
// proxies is taken as immediate; `push_delay` is not applied to it).

/// Which pods are in the mesh, and the mTLS mode of each service, as the run goes on.
struct AdoptionState {
    /// Per instance: it has a sidecar (or is enrolled in its node's proxy) now.
    var meshed: [Bool]
    /// Per instance: an `inject` has started for its service; its next replacement is meshed.
    var injectPending: [Bool]
    /// Per service: how many of its instances are meshed (waypoints serve enrolled services).
    var enrolled: [Int32]
    /// The namespace-wide mode, and each service's own (nil: the namespace's).
    var namespaceMode: MTLSMode
    var serviceMode: [MTLSMode?]
    /// Per service: its effective mode is strict.
    var strict: [Bool]

    init(model: CompiledTopology, services: Int) {
        meshed = model.meshedAtStart
        injectPending = Array(repeating: false, count: model.instances.count)
        enrolled = Array(repeating: 0, count: services)
        for (i, info) in model.instances.enumerated() where model.meshedAtStart[i] { enrolled[info.service] += 1 }
        namespaceMode = model.hasMesh ? model.mtls : .off
        serviceMode = Array(repeating: nil, count: services)
        strict = Array(repeating: namespaceMode == .strict, count: services)
    }

    mutating func refreshStrict() {
        for s in strict.indices { strict[s] = (serviceMode[s] ?? namespaceMode) == .strict }
    }
}

extension TopologySimulation {
    /// Whether try `a`, arriving at instance `i`, is refused by the callee's mTLS mode: the
    /// callee is meshed and strict, and the try comes as plaintext from a caller without a
    /// proxy (route `direct` in a mesh). Gateways and ingresses of a mesh speak mTLS.
    @inline(__always) mutating func plaintextRejected(_ a: Int, instance i: Int) -> Bool {
        guard adoption.meshed[i], adoption.strict[model.instances[i].service] else { return false }
        return calls[Int(attempts[a].call)].route == .direct
    }

    /// The proxy on the callee's side of instance `i` (its sidecar, or its node's proxy in
    /// sidecar-less), or -1 when it is not meshed.
    @inline(__always) func calleeProxy(_ i: Int) -> Int32 {
        guard adoption.meshed[i] else { return -1 }
        if model.kind == .sidecarless { return Int32(model.nodeProxy[model.instances[i].node]) }
        return Int32(model.instances[i].sidecar)
    }

    /// Whether a call from instance `i` (-1: a traffic source's client pod, always meshed)
    /// leaves through a proxy of its own.
    @inline(__always) func callerMeshed(_ i: Int32) -> Bool {
        i < 0 || adoption.meshed[Int(i)]
    }

    /// Whether service `s` is served by the waypoint: ambient with a waypoint, and the service
    /// enrolled (a service outside the mesh is not behind one).
    @inline(__always) func behindWaypoint(_ s: Int) -> Bool {
        !model.waypointReplicas.isEmpty && adoption.enrolled[s] > 0
    }

    /// Which pods of each instance slot are meshed now, for drawings (index: instance id).
    public var instanceMeshed: [Bool] { adoption.meshed }

    /// An `inject` or `mtls-mode` fault starts (`k`: its index).
    mutating func adoptionFaultStart(_ k: Int) {
        let f = scenario.faults[k]
        guard model.hasMesh else { return }
        switch f.kind {
        case .inject:
            guard case .service = f.target else { return }
            if model.kind == .sidecarless {
                for i in targetInstances(f.target) { podJoinsMesh(i) }
            } else {
                for i in targetInstances(f.target) where !adoption.meshed[i] { adoption.injectPending[i] = true }
                startRollout(k)
            }
        case .mtlsMode:
            guard let m = f.mode else { return }
            if case .service(let s) = f.target { adoption.serviceMode[s] = m } else { adoption.namespaceMode = m }
            adoption.refreshStrict()
        default:
            break
        }
    }

    /// A replacement pod of slot `i` is listed (Termination.swift): it is meshed when an
    /// `inject` of its service has started.
    mutating func replacementListed(_ i: Int) {
        guard adoption.injectPending[i] else { return }
        adoption.injectPending[i] = false
        podJoinsMesh(i)
    }

    /// Instance `i` is meshed from now on: its sidecar (a new proxy, counted in the topology's
    /// proxies and memory from now) or its enrolment in the node's proxy.
    mutating func podJoinsMesh(_ i: Int) {
        guard !adoption.meshed[i] else { return }
        adoption.meshed[i] = true
        adoption.enrolled[model.instances[i].service] += 1
        let sidecar = model.instances[i].sidecar
        if sidecar >= 0 {
            metrics.proxies += 1
            metrics.proxyMemoryMB += model.proxies[sidecar].profile.memoryMB
        }
        // Its workload certificate is issued as it joins (a plain pod has none, so none
        // expires); with the control plane down it gets none until it is back.
        if let cert = model.certificates, cert.ttl > 0 {
            if controlPlaneUp > 0 {
                instances[i].certIssued = engine.now
                instances[i].certExpires = engine.now + cert.ttl
                scheduleRotation(i, cert)
            } else {
                instances[i].certExpires = engine.now
                instances[i].rotationPending = true
            }
        }
    }
}
