import Calibration
import Scenario
import SimCore

// The connections a mesh's proxies keep to each other, where mTLS lives (docs/model.md,
// "Connections and handshakes"). Each calling proxy keeps a pool per upstream host, in its
// `HostView` (state where the real proxy keeps it: Envoy's connection pool is per host of
// a cluster in each proxy; ztunnel pools per destination; linkerd2-proxy per endpoint):
// - HTTP/1.1 pools (Istio sidecars by default): a request takes an idle connection, or
//   opens one; the connection goes back to the pool when its answer is in;
// - multiplexed (Linkerd between proxies, ambient's HBONE, gRPC and HTTP/2 services): one
//   connection per host carries every request;
// - a connection idle for the preset's idle timeout is closed (lazily: at the next use);
//   a per-try or route timeout resets an HTTP/1.1 connection (Envoy cannot cancel an
//   HTTP/1.1 request otherwise), a reset or refused connection closes it; a crashed or
//   replaced pod takes its connections with it.
// A new connection costs a TCP round trip and, under mTLS, a TLS 1.3 round trip plus the
// handshake's CPU at both ends (Calibration/MeshConnections.swift); the certificates are
// checked there and only there, so connections opened before an expiry live on
// (istio/istio#7630) while new ones fail (`errors.tls`).

extension TopologySimulation {
    /// Whether try `a` travels on a mesh proxy's pooled connection: a call between meshed
    /// services (or from the mesh's ingress) whose enforcer is a proxy of a preset that
    /// documents its proxy-to-proxy connections.
    @inline(__always) mutating func usesMeshConnection(_ a: Int) -> Bool {
        guard model.meshConnections != nil else { return false }
        let c = Int(attempts[a].call)
        guard calls[c].route == .mesh || calls[c].route == .ingress else { return false }
        let u = Int(attempts[a].upstream), i = Int(attempts[a].instance)
        // A pod outside the mesh has no proxy to hold the other end (Adoption.swift).
        return u >= 0 && upstreams[u].role >= 0 && i >= 0 && adoption.meshed[i]
    }

    /// Takes a pooled connection from the try's enforcer to `inst`. True: an open one is
    /// reused; false: a new one is opened (the caller pays the handshake).
    mutating func takeMeshConnection(_ a: Int, host inst: Int) -> Bool {
        guard let mc = model.meshConnections else { return true }
        let h = hostView(Int(attempts[a].upstream), instance: inst)
        let now = engine.now
        attempts[a].meshConn = true
        if hostViews[h].connGen != instances[inst].connGen {
            // The pod crashed or was replaced since: its connections are gone.
            hostViews[h].connGen = instances[inst].connGen
            hostViews[h].connsOpen = 0
            hostViews[h].connsIdle = 0
        }
        if hostViews[h].connsIdle > 0 && now - hostViews[h].connIdleSince >= mc.idleTimeout {
            // Every idle connection has been idle at least since the last one came back.
            hostViews[h].connsOpen -= hostViews[h].connsIdle
            hostViews[h].connsIdle = 0
        }
        if upstreams[Int(attempts[a].upstream)].multiplexed {
            hostViews[h].connsIdle = 0
            hostViews[h].connStreams += 1
            if hostViews[h].connsOpen > 0 { return true }
            hostViews[h].connsOpen = 1
            return false
        }
        hostViews[h].connStreams += 1
        if hostViews[h].connsIdle > 0 {
            hostViews[h].connsIdle -= 1
            return true
        }
        hostViews[h].connsOpen += 1
        return false
    }

    /// The try no longer uses its pooled connection: it goes back to the pool idle, or is
    /// closed (`closing`: a reset, a refused or timed-out connection, an expired handshake).
    mutating func releaseMeshConnection(_ a: Int, closing: Bool) {
        attempts[a].meshConn = false
        let inst = Int(attempts[a].instance), u = Int(attempts[a].upstream)
        guard inst >= 0, u >= 0 else { return }
        let h = hostView(u, instance: inst)
        guard hostViews[h].connGen == instances[inst].connGen else { return } // a dead pod's
        hostViews[h].connStreams = max(0, hostViews[h].connStreams - 1)
        if upstreams[u].multiplexed {
            if closing {
                hostViews[h].connsOpen = 0
                hostViews[h].connsIdle = 0
            } else if hostViews[h].connStreams == 0 && hostViews[h].connsOpen > 0 {
                hostViews[h].connsIdle = 1
                hostViews[h].connIdleSince = engine.now
            }
        } else if closing {
            hostViews[h].connsOpen = max(0, hostViews[h].connsOpen - 1)
        } else {
            hostViews[h].connsIdle += 1
            hostViews[h].connIdleSince = engine.now
        }
    }

    /// Try `a` opens a new connection to `inst`: TCP's round trip, then under mTLS the TLS
    /// 1.3 round trip and the handshake's CPU at both ends; `handshakeDone` goes on.
    mutating func startHandshake(_ a: Int, host inst: Int) {
        let c = Int(attempts[a].call)
        let from = calls[c].shared >= 0 ? model.proxies[Int(calls[c].shared)].node : Int(calls[c].callerNode)
        let cls = wireClass(from: from, to: model.instances[inst].node)
        let tls = model.mtls != .off
        var d: SimTime = 0
        if !zeroWire[cls] {
            // Each round trip: one way out, one way back.
            for _ in 0..<(tls ? 4 : 2) { d += wireDist[cls].sample(&wireRng) }
        }
        if tls {
            d += SimTime(2 * MeshConnections.handshakeCPUSeconds * 1e9)
        }
        if engine.now >= measureStart {
            metrics.handshakes += 1
            if tls { metrics.proxyCPUSeconds += 2 * MeshConnections.handshakeCPUSeconds }
        }
        attempts[a].segStart = engine.now
        engine.schedule(after: d, kind: EK.handshakeDone, target: Int32(a), data: Int64(attempts[a].gen))
    }

    /// The handshake is over: the certificates are checked now (strict mTLS: an expired one
    /// on either side fails the connection), then the try goes on its way.
    mutating func handshakeDone(_ a: Int, _ gen: UInt32) {
        guard attempts[a].gen == gen, attempts[a].phase == .forward else { return }
        cpAdd(a, .wire)
        let inst = Int(attempts[a].instance)
        if handshakeCertificateFails(a, instance: inst) {
            releaseMeshConnection(a, closing: true)
            failAttempt(a, .tls)
            return
        }
        advance(a)
    }

    /// Whether try `a`'s mTLS handshake with instance `i` fails on a certificate: the callee
    /// is in the mesh and its service's mode is strict (Adoption.swift), and the callee's or
    /// the caller's certificate has expired (a pod outside the mesh has none to expire).
    @inline(__always) mutating func handshakeCertificateFails(_ a: Int, instance i: Int) -> Bool {
        guard model.hasMesh, adoption.meshed[i], adoption.strict[model.instances[i].service] else { return false }
        return instances[i].certExpires <= engine.now || callerCertExpired(a)
    }

    /// The wire class between two nodes, as `wireDist` indexes it: same node 0, same zone 1,
    /// another zone 2, outside 3, another cluster 4.
    @inline(__always) func wireClass(from: Int, to: Int) -> Int {
        if from < 0 || to < 0 { return 3 }
        if from == to { return 0 }
        if clusterOfNode[from] != clusterOfNode[to] { return 4 }
        return zoneOfNode[from] == zoneOfNode[to] ? 1 : 2
    }
}

extension TopologySimulation {
    /// The enforcer gave up on try `a` (a timeout) and resets its request: an HTTP/1.1
    /// connection cannot carry anything else until the answer comes, so Envoy closes it;
    /// an HTTP/2 stream reset leaves the connection open.
    mutating func resetMeshStream(_ a: Int) {
        releaseMeshConnection(a, closing: !upstreams[Int(attempts[a].upstream)].multiplexed)
    }
}

extension TopologySimulation {
    /// Proxy `p` died: the connections it had open to its upstream hosts are gone (its
    /// replacement opens new ones, with the certificate it has then).
    mutating func dropMeshConnections(enforcer p: Int) {
        guard model.meshConnections != nil else { return }
        let services = scenario.services.count
        for s in 0..<services {
            let u = Int(upstreamSlot[p * services + s])
            guard u >= 0 else { continue }
            let first = Int(upstreams[u].firstHost)
            for h in first..<(first + Int(upstreams[u].hosts)) {
                hostViews[h].connsOpen = 0
                hostViews[h].connsIdle = 0
                hostViews[h].connStreams = 0
            }
        }
    }
}
