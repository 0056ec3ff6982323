import Calibration
import Scenario
import SimCore

extension TopologySimulation {
    // MARK: - Faults

    func targetInstances(_ t: FaultTarget) -> [Int] {
        switch t {
        case .service(let s):
            return Array(model.serviceFirstInstance[s]..<model.serviceFirstInstance[s + 1])
        case .instance(let s, let k):
            return [model.serviceFirstInstance[s] + k]
        case .node(let n):
            return model.instances.indices.filter { model.instances[$0].node == n }
        case .zone(let z):
            return model.instances.indices.filter { zoneOfNode[model.instances[$0].node] == z }
        default:
            return []
        }
    }

    func gatewayTargets(_ f: Fault) -> [Int] {
        let list = model.gatewayReplicas.isEmpty ? model.ingressReplicas : model.gatewayReplicas
        switch f.target {
        case .gatewayReplica(let r): return r < list.count ? [list[r]] : []
        default: return Array(list.prefix(f.replicas ?? list.count))
        }
    }

    mutating func faultStart(_ k: Int) {
        let f = scenario.faults[k]
        let now = engine.now
        switch f.kind {
        case .crash:
            // The container exited: the kubelet marks the pod not ready at once.
            for i in targetInstances(f.target) {
                crashInstance(i)
                scheduleRemoval(i, after: 0)
            }
        case .restart:
            // A pod deleted and replaced: graceful termination (Termination.swift); the new
            // pod runs after `down_for` (or once its sidecar is ready, with
            // holdApplicationUntilProxyStarts).
            let away = f.downFor ?? 0
            let ready = f.proxyReadyAfter ?? 0
            let meshSidecars = model.hasMesh && model.kind != .sidecarless
            for i in targetInstances(f.target) {
                let sidecars = meshSidecars && adoption.meshed[i] // a plain pod has no proxy to wait for
                terminate(i, replacementStartsAfter: sidecars && model.holdApplication ? max(away, ready) : away)
                if sidecars && !model.holdApplication {
                    // The sidecar startup race: outbound calls refused until the proxy is ready.
                    instances[i].outboundBlockedUntil = now + ready
                }
            }
        case .rollout:
            startRollout(k)
        case .inject, .mtlsMode:
            adoptionFaultStart(k)
        case .proxyCrash:
            switch f.target {
            case .gateway, .gatewayReplica:
                for p in gatewayTargets(f) { crashProxy(p) }
            default:
                for i in targetInstances(f.target) {
                    if model.kind == .sidecarless {
                        // A node proxy serves every pod on its node.
                        crashProxy(model.nodeProxy[model.instances[i].node])
                    } else if model.instances[i].sidecar >= 0 && adoption.meshed[i] {
                        crashProxy(model.instances[i].sidecar)
                        // Its readiness probe (through the pilot-agent) fails from now on.
                        scheduleRemoval(i, after: scenario.services[model.instances[i].service].readiness.detection)
                    }
                }
            }
        case .gatewayDown:
            for p in gatewayTargets(f) { crashProxy(p) }
        case .nodeDown:
            if case .node(let n) = f.target {
                setNode(n, up: false)
                // Its pods stay listed until the node lifecycle controller gives up on the node.
                for i in model.instances.indices where model.instances[i].node == n {
                    scheduleRemoval(i, after: Self.nodeMonitorGrace)
                }
            }
        case .partition:
            let z = zoneCount
            for a in f.between { for b in f.between where a != b { partitioned[a * z + b] = true } }
        case .latency:
            switch f.target {
            case .service(let s): serviceFaultLatency[s] = f.add
            case .instance, .node, .zone: for i in targetInstances(f.target) { instanceFaultLatency[i] = f.add }
            case .gateway, .gatewayReplica: for p in gatewayTargets(f) { proxies[p].faultLatency = f.add }
            default: break
            }
        case .errors:
            switch f.target {
            case .service(let s): serviceFaultErrors[s] = f.rate ?? 0
            case .instance: for i in targetInstances(f.target) { instanceFaultErrors[i] = f.rate ?? 0 }
            case .gateway, .gatewayReplica: for p in gatewayTargets(f) { proxies[p].faultErrors = f.rate ?? 0 }
            default: break
            }
        case .configDrift:
            var p = scenario.policies.overlaid(by: model.spec.policies ?? Policies())
            p = p.overlaid(by: f.policies ?? Policies())
            policies.append(CompiledPolicy(p, l7: !model.hasMesh || model.meshL7))
            // Without a target, the callers of every service drift (docs/faults.md).
            for s in driftTargets(f) { drift[s] = (Int32(policies.count - 1), f.fraction ?? 1) }
        case .hang:
            for i in targetInstances(f.target) { hangInstance(i) }
        case .scale:
            // The pods above the new count terminate (Kubernetes removes the newest first;
            // the highest slots here), with no replacement.
            for i in scaledInstances(f) { terminate(i, replacementStartsAfter: nil) }
        case .controlPlaneDown:
            controlPlaneUp = max(0, controlPlaneUp - (f.replicas ?? model.controlPlaneReplicas))
        case .rateLimitStoreDown:
            rateLimitStoreDown = true
        }
    }

    mutating func faultEnd(_ k: Int) {
        let f = scenario.faults[k]
        switch f.kind {
        case .crash:
            // The container restarted in the same pod: listed again once ready and propagated.
            for i in targetInstances(f.target) {
                if !instances[i].up && !instances[i].draining { recoverNow(i) }
                scheduleRelisting(i)
            }
        case .restart, .rollout, .inject, .mtlsMode:
            break // the replacements were scheduled when it started; a mode holds until changed
        case .proxyCrash:
            switch f.target {
            case .gateway, .gatewayReplica:
                for p in gatewayTargets(f) { proxies[p].up = true }
            default:
                for i in targetInstances(f.target) {
                    if model.kind == .sidecarless {
                        restoreProxy(model.nodeProxy[model.instances[i].node])
                    } else if model.instances[i].sidecar >= 0 && adoption.meshed[i] {
                        restoreProxy(model.instances[i].sidecar)
                        scheduleRelisting(i)
                    }
                }
            }
        case .gatewayDown:
            for p in gatewayTargets(f) { proxies[p].up = true }
        case .nodeDown:
            if case .node(let n) = f.target {
                setNode(n, up: true)
                for i in model.instances.indices where model.instances[i].node == n { scheduleRelisting(i) }
            }
        case .partition:
            let z = zoneCount
            for a in f.between { for b in f.between where a != b { partitioned[a * z + b] = false } }
        case .latency:
            switch f.target {
            case .service(let s): serviceFaultLatency[s] = nil
            case .instance, .node, .zone: for i in targetInstances(f.target) { instanceFaultLatency[i] = nil }
            case .gateway, .gatewayReplica: for p in gatewayTargets(f) { proxies[p].faultLatency = nil }
            default: break
            }
        case .errors:
            switch f.target {
            case .service(let s): serviceFaultErrors[s] = 0
            case .instance: for i in targetInstances(f.target) { instanceFaultErrors[i] = 0 }
            case .gateway, .gatewayReplica: for p in gatewayTargets(f) { proxies[p].faultErrors = 0 }
            default: break
            }
        case .configDrift:
            for s in driftTargets(f) { drift[s] = nil }
        case .scale:
            // Scaled back out: each new pod starts now, is ready one readiness period later,
            // and is listed once that has propagated.
            for i in scaledInstances(f) { startPod(i) }
        case .hang:
            for i in targetInstances(f.target) {
                guard instances[i].hung else { continue }
                instances[i].hung = false
                // What it held is reset, not left waiting for timeouts that may not exist: the
                // common end of a hang is the liveness probe restarting the container, which
                // closes its connections. assumption: a pause that resumes would answer them
                // late instead; without any timeout they would otherwise never finish.
                for a in attempts.indices where attempts[a].phase == .hung && Int(attempts[a].instance) == i
                    && attempts[a].dispatched && !attempts[a].carriesAnswer {
                    failAttempt(a, .reset)
                }
                // Its probe passes again: listed again once that has propagated (or its
                // removal, not yet propagated, is called off).
                scheduleRelisting(i)
            }
        case .controlPlaneDown:
            let was = controlPlaneUp
            controlPlaneUp = min(model.controlPlaneReplicas, controlPlaneUp + (f.replicas ?? model.controlPlaneReplicas))
            if was == 0 && controlPlaneUp > 0 { controlPlaneRecovered() }
        case .rateLimitStoreDown:
            rateLimitStoreDown = false
        }
    }

    /// The instances a `scale` fault takes away: the service's slots from `replicas` up.
    @inline(__always) func scaledInstances(_ f: Fault) -> Range<Int> {
        guard case .service(let s) = f.target else { return 0..<0 }
        let first = model.serviceFirstInstance[s], end = model.serviceFirstInstance[s + 1]
        return min(end, first + (f.replicas ?? end - first))..<end
    }

    /// The services whose callers a `config-drift` fault drifts: its target, or every service.
    @inline(__always) func driftTargets(_ f: Fault) -> Range<Int> {
        if case .service(let s) = f.target { return s..<(s + 1) }
        return 0..<scenario.services.count
    }

    /// A `hang` fault: instance `i` keeps its port open and answers nothing (a deadlock, a
    /// stop-the-world pause). Requests it holds and requests that reach it from now on wait
    /// until their caller's per-try or route timeout; connections still succeed, so there is no
    /// connect failure to retry at once. The kubelet's readiness probe times out like any
    /// request: the pod leaves the endpoints after period × failure_threshold (Kubernetes
    /// defaults 10 s × 3, https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes),
    /// then propagation (Endpoints.swift). assumption: the probe is an HTTP or gRPC check served
    /// by the hung process; an exec or TCP probe would pass and never remove the pod.
    mutating func hangInstance(_ i: Int) {
        guard !instances[i].hung else { return }
        instances[i].hung = true
        if stationLive(i) {
            for a in attempts.indices where attempts[a].phase != .free && Int(attempts[a].instance) == i
                && attempts[a].dispatched && !attempts[a].carriesAnswer {
                switch attempts[a].phase {
                case .appQueue, .appService, .calling: hang(a)
                default: break
                }
            }
            apps[i].clear(at: engine.now)
        }
        scheduleRemoval(i, after: scenario.services[model.instances[i].service].readiness.detection)
    }

    /// How work in progress ends when its instance or proxy goes away: a crashed process's
    /// connections are reset at once; on a vanished node (or behind a partition) nothing
    /// answers, so the work is lost and only the callers' timeouts end it.
    enum Fate { case reset, lost }

    /// The instance stops answering: calls at it fail (reset) or are lost, new ones are
    /// refused (a crash) or unanswered (its node is down: `nodeDown`).
    mutating func crashInstance(_ i: Int, _ fate: Fate = .reset) {
        guard stationLive(i) else { return }
        instances[i].up = false
        instances[i].draining = false
        killWork(i, fate)
    }

    /// The work at instance `i` ends with it: its station is emptied, tries in it are reset
    /// or lost.
    mutating func killWork(_ i: Int, _ fate: Fate) {
        apps[i].clear(at: engine.now)
        for a in attempts.indices where attempts[a].phase != .free && Int(attempts[a].instance) == i
            && attempts[a].dispatched && !attempts[a].carriesAnswer {
            switch attempts[a].phase {
            case .appQueue, .appService, .calling:
                end(a, fate)
            case .backward:
                // The response already left the app; only its sidecar can still lose it.
                if model.instances[i].sidecar >= 0, attempts[a].pos == attempts[a].nseg - 1,
                   attempts[a].atProxy == Int32(model.instances[i].sidecar) {
                    end(a, fate)
                }
            default:
                break
            }
        }
    }

    mutating func end(_ a: Int, _ fate: Fate) {
        switch fate {
        case .reset: failAttempt(a, .reset)
        case .lost: hang(a)
        }
    }

    static var unknown: SimTime { SimTime.max / 4 }

    mutating func recoverNow(_ i: Int) {
        instances[i].up = true
    }

    mutating func crashProxy(_ p: Int, _ fate: Fate = .reset) {
        guard proxies[p].up else { return }
        let now = engine.now
        proxies[p].up = false
        proxies[p].station.clear(at: now)
        proxies[p].epoch &+= 1 // a pending release event is void
        proxies[p].releases.removeAll(keepingCapacity: true)
        proxies[p].releaseEventPending = false
        for a in attempts.indices where attempts[a].phase != .free && Int(attempts[a].atProxy) == p {
            attempts[a].atProxy = -1 // its station was emptied
            end(a, fate)
        }
        // Requests waiting at it for a circuit-breaker slot die with it.
        for a in attempts.indices where attempts[a].phase == .pending && Int(attempts[a].enforcer) == p {
            end(a, fate)
        }
        // Its own pooled connections die with it; a sidecar or node proxy is also where its
        // pods' inbound mesh connections end (an app crash alone leaves those open).
        dropMeshConnections(enforcer: p)
        // A sidecar or node proxy is the pod's network: its pods stop answering.
        if model.proxies[p].hop == .sidecar {
            let owner = model.proxies[p].owner
            if owner >= 0 {
                instances[owner].connGen &+= 1
                crashInstance(owner, fate)
            }
        } else if model.proxies[p].hop == .nodeProxy {
            let node = model.proxies[p].node
            // Pods not enrolled in ambient do not go through it (Adoption.swift).
            for i in model.instances.indices where model.instances[i].node == node && adoption.meshed[i] {
                instances[i].connGen &+= 1
                crashInstance(i, fate)
            }
        }
    }

    mutating func restoreProxy(_ p: Int) {
        guard !proxies[p].up else { return }
        proxies[p].up = true
        if model.proxies[p].hop == .sidecar {
            let owner = model.proxies[p].owner
            if owner >= 0 && !instances[owner].up { recoverNow(owner) }
        } else if model.proxies[p].hop == .nodeProxy {
            let node = model.proxies[p].node
            for i in model.instances.indices where model.instances[i].node == node && !instances[i].up {
                recoverNow(i)
            }
        }
    }

    /// A node goes down (or comes back). Nothing on it answers any more: requests in
    /// flight there are lost (only the callers' timeouts end them) and new connections to it
    /// wait out the connect timeout — fail-slow, not the fail-fast of a crashed process.
    mutating func setNode(_ n: Int, up: Bool) {
        nodeDown[n] = !up
        for p in model.proxies.indices where model.proxies[p].node == n {
            if up { restoreProxy(p) } else { crashProxy(p, .lost) }
        }
        for i in model.instances.indices where model.instances[i].node == n {
            if up { if !instances[i].up { recoverNow(i) } } else { crashInstance(i, .lost) }
        }
    }

    /// The try is lost where it stands: it keeps what the caller's side holds (its circuit
    /// breaker slot) until a timeout gives up on it, and nothing it scheduled will act.
    mutating func hang(_ a: Int) {
        if attempts[a].phase == .pending { unlinkPending(a) }
        attempts[a].phase = .hung
    }
}
