import Calibration
import Scenario
import SimCore

// Graceful termination, the one lifecycle of every instance that is told to stop (`restart`,
// `rollout`, `scale`), after Kubernetes' pod termination
// (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination):
//   t0            the pod is Terminating: its endpoint is removed at once, and the removal
//                 reaches each caller after the propagation delay (Endpoints.swift);
//   t0 + prestop  the preStop hook is over, the app gets SIGTERM and stops listening: new
//                 connections are refused (connect-failure, retriable), accepted requests go on;
//   t0 + grace    terminationGracePeriodSeconds (which counts the preStop hook) is over: SIGKILL,
//                 whatever is still in flight is reset.
// So a caller that still lists the pod between t0 + prestop and t0 + propagation is refused: the
// "503s on every deploy", gone once prestop >= propagation.
// One slot per replica: the replacement pod takes the old one's slot. It is listed once it runs
// and its endpoint has propagated, and never before the old endpoint has left every caller, so
// a request sent to the slot always means one pod. While the old pod drains, both share the
// slot's workers (assumption: a small overlap); each try remembers the incarnation (`epoch`)
// that accepted it, so the kill at the end of the grace period resets the old pod's work only.
// Sidecar-less (Istio ambient): ztunnel on the node keeps forwarding to a terminating pod until
// it stops listening and drops the endpoint when istiod pushes the removal, the same timeline.
// Istio reports exactly this: 200–500 ms of connection-refused 503s per terminating pod during
// a rollout behind ztunnel, the container exiting before ztunnel gets the workload's removal
// (istio/istio#58514); ztunnel keeps handling a pod's traffic until its containers have
// terminated (Istio architecture/ambient/lifecycle.md, istio/istio#51805) and has no drain of
// its own for workload pods (istio/ztunnel#1191, whose workaround is a preStop sleep).

extension TopologySimulation {
    enum LifeStep: Int64 {
        /// preStop is over: the app stops listening.
        case stopListening = 1
        /// The grace period is over: what is left in flight is reset.
        case kill = 2
        /// The replacement (or restarted container) listens and is listed.
        case listen = 3
        /// The next batch of a rollout (target: the fault; generation: the batch).
        case rolloutBatch = 4
    }

    @inline(__always) static func lifeData(_ step: LifeStep, _ gen: UInt32) -> Int64 {
        step.rawValue << 32 | Int64(gen)
    }

    mutating func lifecycleStep(_ target: Int, _ data: Int64) {
        let gen = UInt32(truncatingIfNeeded: data)
        guard let step = LifeStep(rawValue: data >> 32) else { return }
        if step == .rolloutBatch {
            rolloutBatch(target, Int(gen))
            return
        }
        guard instances[target].life == gen else { return } // a later termination took over
        switch step {
        case .stopListening:
            guard instances[target].up else { return }
            instances[target].up = false
            instances[target].draining = true
        case .kill:
            guard instances[target].draining else { return }
            killIncarnation(target, instances[target].dyingEpoch)
            instances[target].draining = false
        case .listen:
            instances[target].epoch &+= 1
            instances[target].connGen &+= 1 // a new pod: callers open new connections
            instances[target].up = true
            replacementListed(target)
            instances[target].hung = false // a new process: whatever hung the old one is gone
        case .rolloutBatch:
            break
        }
    }

    /// SIGKILL: what incarnation `epoch` of instance `i` still holds is reset. Queued tries go
    /// first, so that the workers freed by the running ones start only the new pod's work.
    mutating func killIncarnation(_ i: Int, _ epoch: UInt32) {
        for pass in 0..<2 {
            for a in attempts.indices where attempts[a].phase != .free && Int(attempts[a].instance) == i
                && attempts[a].dispatched && !attempts[a].carriesAnswer && attempts[a].epoch == epoch {
                switch attempts[a].phase {
                case .appQueue where pass == 0:
                    failAttempt(a, .reset)
                case .appService where pass == 1, .calling where pass == 1:
                    failAttempt(a, .reset)
                default:
                    break
                }
            }
        }
    }

    /// Starts the graceful termination of instance `i`; its replacement starts `start` later
    /// (nil: none, a scale-in). Returns when the replacement is listed (`unknown` while the
    /// control plane is down; `.max` without one).
    @discardableResult
    mutating func terminate(_ i: Int, replacementStartsAfter start: SimTime?) -> SimTime {
        let now = engine.now
        let svc = model.instances[i].service
        let grace = scenario.services[svc].terminationGrace
        let preStop = min(scenario.services[svc].preStop, grace)
        settleListing(i)
        instances[i].life &+= 1
        let gen = instances[i].life
        instances[i].dyingEpoch = instances[i].epoch
        // The endpoint leaves at once; callers learn it after the propagation delay.
        scheduleRemoval(i, after: 0, detected: false)
        let removed = instances[i].listedUntil == .max ? now : instances[i].listedUntil
        if preStop > 0 {
            engine.schedule(at: now + preStop, kind: EK.lifecycle, target: Int32(i), data: Self.lifeData(.stopListening, gen))
        } else if instances[i].up {
            instances[i].up = false
            instances[i].draining = true
        }
        engine.schedule(at: now + grace, kind: EK.lifecycle, target: Int32(i), data: Self.lifeData(.kill, gen))
        guard let start else { return .max }
        // The replacement: running after `start`, listed once that has propagated.
        let add = propagationDelay()
        let listed = add == Self.unknown || removed == Self.unknown
            ? Self.unknown : max(now + start + add, removed, now + preStop)
        instances[i].relistedAt = listed
        if listed != Self.unknown {
            engine.schedule(at: listed, kind: EK.lifecycle, target: Int32(i), data: Self.lifeData(.listen, gen))
        }
        return listed
    }

    /// A new pod in slot `i` (a scale back out): it runs now, is ready one readiness period
    /// later (as a rollout's new pods), and is listed once that has propagated, never before
    /// the old pod's removal has reached every caller.
    mutating func startPod(_ i: Int) {
        let now = engine.now
        settleListing(i)
        let add = propagationDelay()
        let ready = now + scenario.services[model.instances[i].service].readiness.period
        let removed = instances[i].listedUntil == .max ? now : instances[i].listedUntil
        let listed = add == Self.unknown || removed == Self.unknown ? Self.unknown : max(ready + add, removed)
        instances[i].relistedAt = listed
        if listed != Self.unknown {
            engine.schedule(at: listed, kind: EK.lifecycle, target: Int32(i), data: Self.lifeData(.listen, instances[i].life))
        }
    }

    /// Kubernetes' defaults for a Deployment's rolling update: maxUnavailable 25 % rounded
    /// down, maxSurge 25 % rounded up
    /// (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment).
    func rolloutLimits(_ f: Fault, replicas n: Int) -> (unavailable: Int, surge: Int) {
        let unavailable = f.maxUnavailable ?? n / 4
        var surge = f.maxSurge ?? (n + 3) / 4
        if unavailable == 0 && surge == 0 { surge = 1 }
        return (unavailable, surge)
    }

    /// A rollout replaces `unavailable + surge` pods at a time. With a surge, each batch's new
    /// pods are created first and the old ones terminate once those are ready; without one, the
    /// old pods terminate first and their replacements start then. A new pod is ready one
    /// readiness period after it starts (assumption: its first successful probe; startup
    /// itself is taken as instant), and the next batch starts when the batch's new pods are
    /// ready, as the Deployment controller waits for available pods.
    mutating func startRollout(_ k: Int) {
        let f = scenario.faults[k]
        guard case .service(let s) = f.target else { return }
        let period = scenario.services[s].readiness.period
        let (_, surge) = rolloutLimits(f, replicas: scenario.services[s].replicas)
        if surge > 0 {
            // The first surge pods start now; the first old pods go once they are ready.
            engine.schedule(at: engine.now + period, kind: EK.lifecycle, target: Int32(k), data: Self.lifeData(.rolloutBatch, 0))
        } else {
            rolloutBatch(k, 0)
        }
    }

    mutating func rolloutBatch(_ k: Int, _ b: Int) {
        let f = scenario.faults[k]
        guard case .service(let s) = f.target else { return }
        let first = model.serviceFirstInstance[s], n = model.serviceFirstInstance[s + 1] - first
        let (unavailable, surge) = rolloutLimits(f, replicas: n)
        let size = max(1, unavailable + surge)
        let lo = b * size
        guard lo < n else { return }
        let period = scenario.services[s].readiness.period
        for i in (first + lo)..<(first + min(n, lo + size)) {
            terminate(i, replacementStartsAfter: surge > 0 ? 0 : period)
        }
        if lo + size < n {
            engine.schedule(at: engine.now + period, kind: EK.lifecycle, target: Int32(k), data: Self.lifeData(.rolloutBatch, UInt32(b + 1)))
        }
    }
}
