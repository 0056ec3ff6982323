import Calibration
import Scenario
import SimCore

// State kept per calling proxy and upstream service, as Envoy keeps it per
// cluster in each proxy (and NGINX per upstream block in each worker group, and
// a client library per target in each app): circuit-breaker counters, retries in
// progress, the round-robin cursor, and each host as that proxy sees it
// (requests it has outstanding there, consecutive errors, ejection). Two callers
// of the same service share none of it.

/// One (enforcer, upstream service) pair.
struct UpstreamState {
    /// Requests sent to the upstream and not answered yet (Envoy `upstream_rq_active`).
    var active: Int32 = 0
    /// Requests waiting for a slot (Envoy `upstream_rq_pending_active`), a FIFO linked through attempts.
    var pending: Int32 = 0
    var pendingHead: Int32 = -1
    var pendingTail: Int32 = -1
    /// Retries scheduled or in flight (Envoy's `retries` resource of the cluster).
    var retries: Int32 = 0
    var rr: Int32 = 0
    var service: Int32 = 0
    /// First of this upstream's entries in `hostViews` (one per instance of the service).
    var firstHost: Int32 = 0
    var hosts: Int32 = 0
    /// First `BudgetBucket` of a Linkerd-style budget, or -1.
    var firstBucket: Int32 = -1
    /// The outlier-detection sweep phase: sweeps happen at phase + k × interval.
    var sweepPhase: SimTime = 0
    /// The role of the enforcing proxy, for per-role reports (-1: a client library).
    var role: Int8 = -1
    /// An L4 client's pooled connections (Connections.swift): the first in `connections`,
    /// how many (0: a new connection per request), and the next one to use (HTTP/2).
    var firstConn: Int32 = 0
    var conns: Int32 = 0
    var connCursor: Int32 = 0
    /// Requests to this upstream share connections (HTTP/2, gRPC, a mesh that upgrades):
    /// max_connections does not bound requests in flight, max_requests does.
    var multiplexed = false
}

/// One host of an upstream as one caller sees it.
struct HostView {
    /// This caller's requests outstanding at the host (least-request reads this, not a global count).
    var active: Int32 = 0
    var consecutiveErrors: Int32 = 0
    /// Outlier detection: out of the balancing set until then.
    var ejectedUntil: SimTime = 0
    /// Envoy's ejection multiplier (times ejected, decayed by healthy sweeps).
    var multiplier: Int32 = 0
    /// When the multiplier was last brought up to date.
    var multiplierAt: SimTime = 0
    /// NGINX passive health: failures counted since `checked`, the last failure.
    var fails: Int32 = 0
    var checked: SimTime = 0
    /// Peak-EWMA latency estimate of this host as this caller measured it (ns; < 0: no
    /// response yet, so Linkerd's default RTT), and when it was last brought up to date.
    var ewma: Double = -1
    var ewmaAt: SimTime = 0
    /// This caller's pooled mesh connections to the host (MeshConnections.swift): open ones,
    /// idle ones, requests on them, when the last one became idle, and the pod's connection
    /// generation they belong to.
    var connsOpen: Int32 = 0
    var connsIdle: Int32 = 0
    var connStreams: Int32 = 0
    var connIdleSince: SimTime = 0
    var connGen: UInt32 = 0
}

/// Ten buckets of a Linkerd-style retry budget's window: requests and retries seen.
struct BudgetBucket {
    var epoch: Int64 = -1
    var requests: Int32 = 0
    var retries: Int32 = 0
}

extension TopologySimulation {
    static let budgetBuckets = 10

    /// The state of (enforcer, service), created on first use; -1 when the enforcing
    /// policy keeps none (a client library without breakers, budgets or ejection still
    /// balances, so every enforcer gets one).
    @inline(__always) mutating func upstreamSlot(enforcer e: Int, service s: Int, policy: Int) -> Int32 {
        guard e >= 0 else { return -1 }
        let k = e * serviceCount + s
        let u = upstreamSlot[k]
        return u >= 0 ? u : makeUpstream(k, enforcer: e, service: s, policy: policy)
    }

    /// The first call from enforcer `e` to service `s`: its state, sized for the service's hosts.
    @inline(never) mutating func makeUpstream(_ k: Int, enforcer e: Int, service s: Int, policy: Int) -> Int32 {
        var u = UpstreamState()
        let first = model.serviceFirstInstance[s], end = model.serviceFirstInstance[s + 1]
        u.service = Int32(s)
        u.firstHost = Int32(hostViews.count)
        u.hosts = Int32(end - first)
        hostViews.append(contentsOf: repeatElement(HostView(), count: end - first))
        if case .ratio = policies[policy].budget {
            u.firstBucket = Int32(budgetBuckets.count)
            budgetBuckets.append(contentsOf: repeatElement(BudgetBucket(), count: Self.budgetBuckets))
        }
        // Each proxy started at its own time: its sweeps are not aligned with anyone's.
        if let od = policies[policy].outlier {
            u.sweepPhase = SimTime(SplitMix64.mix(UInt64(k) &+ seed) % UInt64(max(1, od.interval)))
        }
        u.role = e < model.proxies.count ? Int8(model.proxies[e].hop.rawValue) : -1
        let meshHop = e < model.proxies.count && model.proxies[e].hop != .gateway
        u.multiplexed = scenario.services[s].protocol.multiplexed
            || (meshHop && model.meshConnections?.multiplexed == true)
        let pool = connectionPoolSize(enforcer: e, service: s)
        if pool > 0 {
            u.firstConn = Int32(connections.count)
            u.conns = Int32(pool)
            connections.append(contentsOf: repeatElement(ClientConnection(), count: pool))
        }
        upstreams.append(u)
        upstreamSlot[k] = Int32(upstreams.count - 1)
        return upstreamSlot[k]
    }

    /// Requests in flight the circuit breakers allow on upstream `u` under policy `pi`:
    /// HTTP/1.1 carries one request per connection, so both max_connections and
    /// max_requests bound them; a multiplexed upstream only max_requests (Envoy docs,
    /// arch_overview/upstream/circuit_breaking: maximum connections is "only applicable to
    /// TCP proxy and HTTP/1.1 connections as HTTP/2 uses a single connection to each host";
    /// maximum requests "is applicable to HTTP/2 clusters").
    @inline(__always) func activeLimit(_ u: Int, _ pi: Int) -> Int {
        upstreams[u].multiplexed ? policies[pi].maxRequests : policies[pi].maxActive
    }

    @inline(__always) func hostView(_ u: Int, instance i: Int) -> Int {
        let s = model.instances[i].service
        return Int(upstreams[u].firstHost) + (i - model.serviceFirstInstance[s])
    }

    // MARK: - Circuit breakers

    enum Admission { case go, wait, overflow }

    /// Envoy's connection-pool circuit breakers for one request leaving the enforcer:
    /// under max(active) it goes, else it waits while the pending queue has room, else
    /// it overflows (503 UO at once).
    // The common answer (no upstream state, or room under the limits) inline in the
    // lifecycle; queueing and overflow out of line.
    @inline(__always) mutating func admitUpstream(_ a: Int) -> Admission {
        let u = Int(attempts[a].upstream)
        guard u >= 0 else { return .go }
        let pi = Int(attempts[a].policy)
        if Int(upstreams[u].active) < activeLimit(u, pi) && upstreams[u].pending == 0 { return .go }
        return admitUpstreamFull(a, u, pi)
    }

    @inline(never) mutating func admitUpstreamFull(_ a: Int, _ u: Int, _ pi: Int) -> Admission {
        if Int(upstreams[u].pending) < policies[pi].maxPending {
            // FIFO through `nextPending`.
            attempts[a].nextPending = -1
            if upstreams[u].pendingTail >= 0 {
                attempts[Int(upstreams[u].pendingTail)].nextPending = Int32(a)
            } else {
                upstreams[u].pendingHead = Int32(a)
            }
            upstreams[u].pendingTail = Int32(a)
            upstreams[u].pending += 1
            return .wait
        }
        return .overflow
    }

    /// Takes an active-request slot at the upstream and on the chosen host. Client libraries
    /// whose policy reads no such count (no breakers, no Envoy budget, not least request)
    /// skip it: proxies always count, for their connections figure.
    @inline(__always) mutating func holdSlot(_ a: Int, host inst: Int) {
        let u = Int(attempts[a].upstream)
        guard u >= 0, upstreams[u].role >= 0 || policies[Int(attempts[a].policy)].countsActive else { return }
        takeSlot(a, u, host: inst)
    }

    @inline(never) mutating func takeSlot(_ a: Int, _ u: Int, host inst: Int) {
        upstreams[u].active += 1
        hostViews[hostView(u, instance: inst)].active += 1
        let e = Int(attempts[a].enforcer)
        if e >= 0 {
            enforcerActive[e] += 1
            let role = Int(upstreams[u].role)
            if role >= 0 && engine.now >= measureStart {
                metrics.roles[role].connectionsMax = max(metrics.roles[role].connectionsMax, Int(enforcerActive[e]))
            }
        }
        attempts[a].slotHeld = true
        attempts[a].sentAt = engine.now
    }

    /// Gives the slot back (the answer came, or the try was cancelled) and lets the
    /// first pending request go.
    @inline(__always) mutating func releaseSlot(_ a: Int) {
        guard attempts[a].slotHeld else { return }
        giveBackSlot(a)
    }

    @inline(never) mutating func giveBackSlot(_ a: Int) {
        attempts[a].slotHeld = false
        let u = Int(attempts[a].upstream)
        upstreams[u].active -= 1
        let i = Int(attempts[a].instance)
        if i >= 0 {
            let h = hostView(u, instance: i)
            hostViews[h].active -= 1
            // Linkerd measures every response (and every cancelled request) on the way back.
            if policies[Int(attempts[a].policy)].loadBalancing == .ewma {
                observeLatency(h, Double(engine.now - attempts[a].sentAt))
            }
        }
        let e = Int(attempts[a].enforcer)
        if e >= 0 { enforcerActive[e] -= 1 }
        guard upstreams[u].pending > 0 else { return }
        let maxActive = activeLimit(u, Int(attempts[a].policy))
        while upstreams[u].pending > 0 && Int(upstreams[u].active) < maxActive {
            let next = Int(upstreams[u].pendingHead)
            unlinkPending(next)
            dispatchPending(next)
        }
    }

    /// Removes a waiting request from its upstream's pending queue.
    mutating func unlinkPending(_ a: Int) {
        let u = Int(attempts[a].upstream)
        var prev: Int32 = -1
        var cur = upstreams[u].pendingHead
        while cur >= 0 && Int(cur) != a {
            prev = cur
            cur = attempts[Int(cur)].nextPending
        }
        guard cur >= 0 else { return }
        let next = attempts[a].nextPending
        if prev >= 0 { attempts[Int(prev)].nextPending = next } else { upstreams[u].pendingHead = next }
        if upstreams[u].pendingTail == Int32(a) { upstreams[u].pendingTail = prev }
        upstreams[u].pending -= 1
        attempts[a].nextPending = -1
    }
}
