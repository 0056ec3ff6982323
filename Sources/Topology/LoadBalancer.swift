import Calibration
import Scenario
import SimCore

// Host selection by the enforcing proxy, from its own view of the upstream: the hosts
// it knows (discovery), minus those its outlier detection ejected or NGINX's passive
// health marked down, minus those the gateway's active health checks failed.
// - round-robin: a cursor per proxy and upstream (Envoy ROUND_ROBIN, NGINX default);
// - least-request: Envoy's power of two random choices, fewer active requests *from this
//   proxy* wins (envoy.extensions.load_balancing_policies.least_request; "P2C" for equal
//   weights);
// - random: uniform (kube-proxy's iptables mode picks a rule at random).
// Healthy panic (Envoy `healthy_panic_threshold`, default 50%; Istio `minHealthPercent`,
// default 0%): below that share of healthy hosts the proxy balances over all it knows.
// Retries prefer a host other than the previous try's when there is one (Istio's default
// retry host predicate, previous_hosts; NGINX's proxy_next_upstream moves to the next
// server); client libraries retry the same target.

extension TopologySimulation {
    mutating func pickInstance(_ s: Int, _ a: Int, avoid: Int = -1) -> Int? {
        let first = model.serviceFirstInstance[s], end = model.serviceFirstInstance[s + 1]
        let n = end - first
        guard n > 0 else { return nil }
        let now = engine.now
        let u = Int(attempts[a].upstream)
        // Fields, not the whole policy: copying it retains its sets and distributions.
        let pi = Int(attempts[a].policy)
        let lb = policies[pi].loadBalancing
        let route = calls[Int(attempts[a].call)].route
        // Gateways (and their load balancers) run active health checks.
        let gatewayView = route == .hub || route == .edge
        // Fast path: a caller keeping no health view and no active health checks, taking
        // the next known host round robin (a client library, or a proxy without ejection).
        if lb == .roundRobin && !gatewayView && !policies[pi].observesHosts && u >= 0 && avoid < 0 {
            let start = Int(upstreams[u].rr)
            for k in 0..<n {
                let i = first + (start + k) % n
                if endpointListed(instance: i, gatewayView: false, now: now) {
                    upstreams[u].rr = Int32((start + k + 1) % n)
                    return i
                }
            }
            return nil
        }
        let panicThreshold = policies[pi].panicThreshold
        let passive = policies[pi].passive
        let firstHost = u >= 0 ? Int(upstreams[u].firstHost) : -1
        let hosts = u >= 0 ? upstreams[u].hosts : Int32(n)
        @inline(__always) func known(_ i: Int) -> Bool { endpointListed(instance: i, gatewayView: gatewayView, now: now) }
        @inline(__always) func eligible(_ i: Int) -> Bool {
            if !known(i) { return false }
            if gatewayView && instances[i].hcDown { return false }
            if firstHost >= 0 {
                let h = firstHost + (i - first)
                if hostViews[h].ejectedUntil > now { return false }
                if let ph = passive, passivelyDown(h, ph, hosts: hosts, now: now) { return false }
            }
            return true
        }
        var healthy = 0
        for i in first..<end where eligible(i) { healthy += 1 }
        let panic = panicThreshold > 0 && Double(healthy) < panicThreshold * Double(n)
        if healthy == 0 && !panic { return nil }
        let avoidable = avoid >= first && avoid < end && healthy > (eligible(avoid) ? 1 : 0)
        func ok(_ i: Int) -> Bool {
            if avoidable && i == avoid { return false }
            return panic ? known(i) : eligible(i)
        }
        switch lb {
        case .roundRobin:
            let start = u >= 0 ? Int(upstreams[u].rr) : 0
            for k in 0..<n {
                let i = first + (start + k) % n
                if ok(i) {
                    if u >= 0 { upstreams[u].rr = Int32((start + k + 1) % n) }
                    return i
                }
            }
            return nil
        case .random:
            for _ in 0..<(2 * n) {
                let i = first + lbRng.below(n)
                if ok(i) { return i }
            }
            return (first..<end).first(where: ok)
        case .leastRequest, .powerOfTwo:
            var best = -1
            for _ in 0..<2 {
                var i = first + lbRng.below(n)
                var tries = 0
                while !ok(i) && tries < n { i = first + (i - first + 1) % n; tries += 1 }
                guard ok(i) else { continue }
                if best < 0 { best = i; continue }
                let active = firstHost >= 0 ? hostViews[firstHost + (i - first)].active : 0
                let bestActive = firstHost >= 0 ? hostViews[firstHost + (best - first)].active : 0
                if active < bestActive { best = i }
            }
            return best >= 0 ? best : nil
        }
    }
}
