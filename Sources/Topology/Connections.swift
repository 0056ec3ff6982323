import Calibration
import Scenario
import SimCore

// Client connections on L4 paths, where the backend is chosen per *connection*, not per
// request (docs/model.md, "L4 and L7 hops"):
// - kube-proxy (`none`, and a gateway topology's direct internal calls): the client
//   connects to the Service's virtual IP and kube-proxy's iptables rules pick a backend at
//   random for the connection (kubernetes.io "Virtual IPs and Service Proxies": "In iptables
//   mode ... kube-proxy ... selects a backend at random"); every later request on that
//   connection goes to the same pod;
// - a node proxy without a waypoint (Istio ambient's ztunnel, Cilium's eBPF path): L4 only
//   (istio.io ambient "Layer 4 ... ztunnel", docs: L7 load balancing needs a waypoint), so
//   the same per-connection choice; random, as the presets say.
// L7 proxies (sidecars, gateways, waypoints) choose per request (LoadBalancer.swift).
//
// Pools, per client (enforcer) and upstream service:
// - HTTP/2 and gRPC multiplex every request over the pool's connections (a gRPC channel keeps
//   one connection per resolved address, and a Service resolves to one virtual IP): requests
//   take the pool's connections in turn;
// - HTTP/1.1 carries one request at a time per connection: a request takes an idle pooled
//   connection, or opens one for itself alone when all are busy;
// - no pool (HTTP/1.1 without `connections:`): a new connection per request.
// A pooled connection opens again (a new backend choice) when its pod is gone or a try on it
// failed at the connection level (reset, refused, timed out): clients drop such connections.

/// One pooled client connection of an L4 path.
struct ClientConnection {
    /// The backend it was given when it opened (-1: closed, opens on next use).
    var instance: Int32 = -1
    /// Requests it carries now (HTTP/1.1: 0 or 1).
    var busy: Int32 = 0
}

extension TopologySimulation {
    /// Whether the call's upstream hop balances per connection (L4) rather than per request.
    @inline(__always) func balancesPerConnection(_ c: Int) -> Bool {
        switch calls[c].route {
        case .direct: return true
        case .mesh: return model.kind == .sidecarless && calls[c].shared < 0
        default: return false
        }
    }

    /// How many connections a client keeps open to service `s` on an L4 path (0: a new one
    /// per request). Traffic sources: `connections:`, else one per client over HTTP/2 and
    /// gRPC; an app's client library: one over HTTP/2 and gRPC (assumption: one channel or
    /// client per target service, as gRPC and HTTP/2 client libraries keep by default).
    func connectionPoolSize(enforcer e: Int, service s: Int) -> Int {
        let proto = scenario.services[s].protocol
        let libraries = model.proxies.count + model.instances.count
        if e >= libraries {
            let t = scenario.traffic[e - libraries]
            if let n = t.connections { return n }
            return proto.multiplexed ? (t.clients ?? 1) : 0
        }
        if e >= model.proxies.count { return proto.multiplexed ? 1 : 0 }
        return 0
    }

    /// The backend for try `a` to service `s` over an L4 path: its connection's, opening
    /// one where needed. Nil when kube-proxy (or the node proxy) knows no endpoint.
    mutating func pickOverConnection(_ s: Int, _ a: Int) -> Int? {
        let u = Int(attempts[a].upstream)
        guard u >= 0, upstreams[u].conns > 0 else { return pickL4Endpoint(s) }
        let first = Int(upstreams[u].firstConn), n = Int(upstreams[u].conns)
        var k = -1
        if scenario.services[s].protocol.multiplexed {
            k = first + Int(upstreams[u].connCursor)
            upstreams[u].connCursor = Int32((Int(upstreams[u].connCursor) + 1) % n)
        } else {
            for j in 0..<n where connections[first + j].busy == 0 { k = first + j; break }
            // Every pooled connection is busy: this request opens its own.
            if k < 0 { return pickL4Endpoint(s) }
        }
        let cur = Int(connections[k].instance)
        if cur < 0 || !instances[cur].up {
            guard let i = pickL4Endpoint(s) else { return nil }
            connections[k].instance = Int32(i)
            if engine.now >= measureStart { metrics.connectionsOpened += 1 }
        }
        connections[k].busy += 1
        attempts[a].connection = Int32(k)
        return Int(connections[k].instance)
    }

    /// kube-proxy's (or the node proxy's) choice for a new connection: a random endpoint it
    /// knows, whatever its health (it keeps no health view: readiness removes endpoints).
    mutating func pickL4Endpoint(_ s: Int) -> Int? {
        let first = model.serviceFirstInstance[s], end = model.serviceFirstInstance[s + 1]
        let n = end - first
        guard n > 0 else { return nil }
        let now = engine.now
        for _ in 0..<(2 * n) {
            let i = first + lbRng.below(n)
            if endpointListed(instance: i, gatewayView: false, now: now) { return i }
        }
        return (first..<end).first { endpointListed(instance: $0, gatewayView: false, now: now) }
    }

    /// The try is over: its HTTP/1.1 connection is idle again; a connection-level failure
    /// closes the connection (the next request opens a new one, to a new backend choice).
    @inline(__always) mutating func releaseConnection(_ a: Int, closing: Bool) {
        if attempts[a].meshConn { releaseMeshConnection(a, closing: closing) }
        let k = Int(attempts[a].connection)
        guard k >= 0 else { return }
        attempts[a].connection = -1
        connections[k].busy -= 1
        if closing { connections[k].instance = -1 }
    }
}
