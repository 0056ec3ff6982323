import Calibration
import Scenario
import SimCore

// Endpoint membership: which instances callers send to, and which shared replicas the load
// balancer in front of them sends to. Nothing leaves a list the moment it fails; it leaves
// when something notices and the news has travelled:
// - a container that exits is marked not ready at once, and its removal from the Service's
//   EndpointSlice reaches each caller after the propagation delay;
// - a pod whose readiness probe fails (its sidecar is gone: the kubelet's probe, rewritten by
//   Istio to go through the pilot-agent, cannot pass) leaves after period × failure_threshold
//   (Kubernetes defaults 10 s × 3), then propagation;
// - a pod on a node that stopped answering leaves only after the node-monitor grace period
//   (kube-controller-manager `--node-monitor-grace-period`, 40 s by default:
//   https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/),
//   when the node lifecycle controller marks the node NotReady and its pods not ready,
//   then propagation;
// - a terminating pod (restart, rollout) is removed at once, then propagation
//   (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination).
// Propagation is `control_plane.push_delay` for a mesh (istiod's push), and kube-proxy's
// programming delay otherwise (`kubeProxyPropagation`).
// The load balancer in front of gateway (or ingress) replicas keeps sending to a down replica
// until its active health checks fail `unhealthy_threshold` times in a row, one per
// `interval` (AWS NLB/ALB target groups, GCP health checks, Kubernetes Service load balancers
// all work this way); without a `health_check` it runs a cloud load balancer's defaults
// (`defaultLoadBalancerCheck`), and with every replica marked down it fails open.

extension TopologySimulation {
    /// How long kube-proxy takes to program a node after an EndpointSlice changes: 1 s.
    /// assumption: kube-proxy resyncs its rules at most every `--iptables-min-sync-period`
    /// (1 s by default, https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/);
    /// the Kubernetes network-programming SLO only bounds the 99th percentile at 30 s
    /// (kubernetes/community sig-scalability/slos/network_programming_latency.md), so the
    /// typical figure of about one sync period is taken. Used for `none` and `gateway`
    /// topologies, whose callers reach pods through Services.
    static let kubeProxyPropagation: SimTime = Nanos.perSecond

    /// kube-controller-manager's `--node-monitor-grace-period` default (40 s): how long a node
    /// may stop reporting before its pods are marked not ready.
    static let nodeMonitorGrace: SimTime = 40 * Nanos.perSecond

    /// Whether a caller lists instance `i` at `now`: its current listing (from `knownAt`, until
    /// its removal has propagated) or the next one (a replacement or a recovered pod).
    /// A gateway (`gatewayView`: the hub or edge gateway choosing among a service's pods)
    /// balances over its own upstream list (Kong upstream targets, NGINX `upstream` servers):
    /// Kubernetes' failure detection does not reach it, only its own active and passive health
    /// checks do; a terminated pod, replaced by one at a new address, leaves it like any list.
    /// assumption: ingress controllers that sync targets from EndpointSlices would drop a
    /// not-ready pod too; the documented products' own health checking is what is modelled.
    @inline(__always) func endpointListed(instance i: Int, gatewayView: Bool, now: SimTime) -> Bool {
        if instances[i].relistedAt <= now { return true }
        guard instances[i].knownAt <= now else { return false }
        return now < instances[i].listedUntil || (gatewayView && instances[i].removalDetected)
    }

    /// The health checks of the load balancer in front of gateway or ingress replicas when the
    /// topology sets no `health_check`: an AWS Elastic Load Balancing target group's defaults,
    /// `HealthCheckIntervalSeconds` 30 and `UnhealthyThresholdCount` 2 for TCP, HTTP and HTTPS
    /// target groups (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html).
    /// A replica that goes down keeps getting its share for 30–60 s: until the second failed
    /// check, the first falling up to one interval after the failure.
    static let defaultLoadBalancerCheck = HealthCheck(interval: SimTime(Limits.defaultLoadBalancerCheckSeconds) * Nanos.perSecond,
                                                      unhealthyThreshold: 2)

    /// The checks the load balancer in front of shared replicas runs: the topology's
    /// `health_check` (the gateway's, or the scenario's and topology's policies for a mesh's
    /// ingress), or the default. Read once per round of checks, never per request.
    @inline(__always) var loadBalancerCheck: HealthCheck {
        model.healthCheck ?? scenario.policies.overlaid(by: model.spec.policies ?? Policies()).healthCheck
            ?? Self.defaultLoadBalancerCheck
    }

    /// Whether the load balancer in front of shared replicas (gateway, ingress) sends to
    /// replica `p`: until its health checks mark it down. A waypoint has no load balancer in
    /// front: ztunnel reaches it through its Service, which drops a replica that is down.
    @inline(__always) func sharedListed(_ p: Int) -> Bool {
        proxies[p].hop == .waypoint ? proxies[p].up : !proxies[p].lbDown
    }

    /// Whether instance `i`'s app station still holds work (up, or draining after it stopped
    /// listening); a crashed or killed instance's station was emptied.
    @inline(__always) func stationLive(_ i: Int) -> Bool {
        instances[i].up || instances[i].draining
    }

    /// How long an endpoint change takes to reach callers: the mesh control plane's push (never,
    /// while it is down: `unknown`), kube-proxy's programming delay otherwise.
    mutating func propagationDelay() -> SimTime {
        if model.hasMesh {
            return controlPlaneUp > 0 ? model.pushDelay.sample(&controlRng) : Self.unknown
        }
        return Self.kubeProxyPropagation
    }

    /// Folds a next listing that has begun into the current one, so that a new removal can be
    /// recorded.
    mutating func settleListing(_ i: Int) {
        let now = engine.now
        if instances[i].relistedAt <= now {
            instances[i].knownAt = instances[i].relistedAt
            instances[i].listedUntil = .max
            instances[i].relistedAt = .max
            instances[i].removalDetected = false
        }
    }

    /// Something noticed instance `i` is gone after `detection` (`detected`: Kubernetes noticed
    /// a failure; otherwise the pod is terminating); callers drop it once that news has
    /// propagated. An instance no caller lists yet simply is not listed.
    mutating func scheduleRemoval(_ i: Int, after detection: SimTime, detected: Bool = true) {
        settleListing(i)
        let now = engine.now
        guard instances[i].listedUntil == .max else {
            // Already leaving; a termination overrides a detection (the pod itself is going).
            if !detected { instances[i].removalDetected = false }
            return
        }
        instances[i].removalDetected = detected
        if instances[i].knownAt > now {
            // Not listed yet: it never will be (a later recovery lists it again).
            instances[i].knownAt = Self.unknown
            instances[i].listedUntil = now
            return
        }
        let p = propagationDelay()
        instances[i].listedUntil = p == Self.unknown ? Self.unknown : now + detection + p
    }

    /// Instance `i` answers again (a crash or node outage is over, its sidecar is back): if its
    /// removal has not reached callers yet it is cancelled; otherwise callers list it again
    /// once its readiness has propagated.
    mutating func scheduleRelisting(_ i: Int) {
        let now = engine.now
        guard instances[i].listedUntil != .max else { return }
        if instances[i].listedUntil > now && instances[i].listedUntil != Self.unknown {
            instances[i].listedUntil = .max
            instances[i].removalDetected = false
            return
        }
        let p = propagationDelay()
        instances[i].relistedAt = p == Self.unknown ? Self.unknown : max(now + p, instances[i].listedUntil)
    }

    /// One round of the active health checks: instances as seen by a gateway, and the shared
    /// replicas as seen by the load balancer in front of them. A check fails while the target
    /// is down; `unhealthy_threshold` failures in a row mark it down, one success marks it up.
    mutating func lbHealthCheck(_ hc: HealthCheck) {
        checkReplicas(model.gatewayReplicas, hc)
        checkReplicas(model.ingressReplicas, hc)
    }

    /// One round over one load balancer's replicas. With every replica marked down the load
    /// balancer fails open and sends to all of them ("If a target group contains only unhealthy
    /// registered targets, the load balancer routes requests to all those targets": AWS ALB
    /// user guide, "Health checks for your target groups"), so a recovered replica serves at
    /// once rather than after its next check.
    mutating func checkReplicas(_ list: [Int], _ hc: HealthCheck) {
        guard !list.isEmpty else { return }
        for p in list { checkShared(p, hc) }
        if list.allSatisfy({ proxies[$0].lbDown }) {
            for p in list { proxies[p].lbDown = false }
        }
    }

    mutating func checkShared(_ p: Int, _ hc: HealthCheck) {
        if proxies[p].up {
            proxies[p].lbFailures = 0
            proxies[p].lbDown = false
        } else {
            proxies[p].lbFailures += 1
            if proxies[p].lbFailures >= Int32(hc.unhealthyThreshold) { proxies[p].lbDown = true }
        }
    }
}
