import Foundation
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
// - random: uniform (kube-proxy's iptables mode picks a rule at random);
// - ewma: Linkerd's peak-EWMA with power of two choices (LoadBalancing.ewma has the rule
//   and its sources): cost = latency estimate × (this proxy's outstanding requests + 1).
// L4 hops (kube-proxy, a node proxy without waypoint) choose per connection instead
// (Connections.swift).
// Locality (`locality: prefer-zone`, Istio locality load balancing): Envoy priority levels,
// the caller's zone first. The zone's hosts take min(100%, 1.4 × their healthy share) of the
// requests (overprovisioning factor 1.4), the rest go to other zones; with every host of the
// zone unhealthy in this proxy's view, all do.
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
        let c = Int(attempts[a].call)
        if balancesPerConnection(c) { return pickOverConnection(s, a) }
        // Fields, not the whole policy: copying it retains its sets and distributions.
        let pi = Int(attempts[a].policy)
        let lb = policies[pi].loadBalancing
        let preferZone = policies[pi].preferZone
        let route = calls[c].route
        // Gateways (and their load balancers) run active health checks.
        let gatewayView = route == .hub || route == .edge
        // Fast path: a caller keeping no health view and no active health checks, taking
        // the next known host round robin (a client library, or a proxy without ejection).
        if lb == .roundRobin && !gatewayView && !policies[pi].observesHosts && u >= 0 && avoid < 0 && !preferZone {
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
        // Locality: this request stays in the caller's zone (1), leaves it (2), or either (0).
        var zoneRule = 0
        let zone = preferZone ? enforcerZone(Int(attempts[a].enforcer)) : -1
        if zone >= 0 {
            var local = 0, localHealthy = 0, remoteHealthy = 0
            for i in first..<end where known(i) {
                let inZone = zoneOfNode[model.instances[i].node] == zone
                if inZone { local += 1 }
                if eligible(i) { if inZone { localHealthy += 1 } else { remoteHealthy += 1 } }
            }
            if localHealthy > 0 {
                let p0 = min(1.0, 1.4 * Double(localHealthy) / Double(local))
                zoneRule = remoteHealthy == 0 || p0 >= 1 || lbRng.uniform() < p0 ? 1 : 2
            } else if remoteHealthy > 0 {
                zoneRule = 2
            }
        }
        func ok(_ i: Int) -> Bool {
            if avoidable && i == avoid { return false }
            if zoneRule != 0 && (zoneOfNode[model.instances[i].node] == zone) != (zoneRule == 1) { return false }
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
        case .ewma:
            guard firstHost >= 0 else { return (first..<end).first(where: ok) }
            // tower's p2c samples two *distinct* endpoints (sample_floyd2), unlike Envoy's
            // least request, which draws with replacement.
            var best = -1, bestCost = 0.0
            let firstPick = lbRng.below(n)
            for pick in 0..<2 {
                if pick == 1 && n < 2 { break }
                var i = first + (pick == 0 ? firstPick : (firstPick + 1 + lbRng.below(n - 1)) % n)
                var tries = 0
                while !ok(i) && tries < n { i = first + (i - first + 1) % n; tries += 1 }
                guard ok(i) else { continue }
                if i == best { continue }
                let h = firstHost + (i - first)
                let cost = ewmaEstimate(h, now: now) * Double(hostViews[h].active + 1)
                if best < 0 || cost < bestCost { best = i; bestCost = cost }
            }
            return best >= 0 ? best : nil
        }
    }

    /// The zone of the node an enforcer runs on (-1: outside the cluster, no locality).
    mutating func enforcerZone(_ e: Int) -> Int {
        let node: Int
        if e < 0 {
            return -1
        } else if e < model.proxies.count {
            node = model.proxies[e].node
        } else if e < model.proxies.count + model.instances.count {
            node = model.instances[e - model.proxies.count].node
        } else {
            node = model.clientNode[e - model.proxies.count - model.instances.count]
        }
        return node >= 0 ? zoneOfNode[node] : -1
    }

    // MARK: - Peak EWMA (Linkerd)

    /// Linkerd's constants (linkerd2-proxy linkerd/app/outbound/src/lib.rs).
    static let ewmaDefaultRTT = 30e6
    static let ewmaDecay = 10e9

    /// The host's latency estimate now, decayed towards zero for the time without a response
    /// (tower PeakEwma: reading the cost updates it as a zero-latency observation).
    mutating func ewmaEstimate(_ h: Int, now: SimTime) -> Double {
        if hostViews[h].ewma < 0 { hostViews[h].ewma = Self.ewmaDefaultRTT; hostViews[h].ewmaAt = now }
        let elapsed = Double(now - hostViews[h].ewmaAt)
        if elapsed > 0 {
            hostViews[h].ewma *= exp(-elapsed / Self.ewmaDecay)
            hostViews[h].ewmaAt = now
        }
        return hostViews[h].ewma
    }

    /// A response (or a cancelled request) took `rtt` ns: a slower one is taken at once (the
    /// peak), a faster one blended in with weight 1 − e^(−elapsed/10 s).
    mutating func observeLatency(_ h: Int, _ rtt: Double) {
        let now = engine.now
        if hostViews[h].ewma < 0 { hostViews[h].ewma = Self.ewmaDefaultRTT; hostViews[h].ewmaAt = now }
        if hostViews[h].ewma < rtt {
            hostViews[h].ewma = rtt
        } else {
            let w = exp(-Double(now - hostViews[h].ewmaAt) / Self.ewmaDecay)
            hostViews[h].ewma = hostViews[h].ewma * w + rtt * (1 - w)
        }
        hostViews[h].ewmaAt = now
    }
}
