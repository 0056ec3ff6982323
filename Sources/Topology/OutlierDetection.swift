import Calibration
import Scenario
import SimCore

// Passive health as each proxy keeps it, per calling proxy and host: what one
// sidecar or gateway replica saw is its own; another caller of the same host keeps
// sending to it until it sees the errors itself.
//
// Envoy outlier detection (config/cluster/v3/outlier_detection.proto and the outlier
// detection architecture overview): `consecutive_5xx` errors (5xx from the host, or a
// locally originated connect failure, reset or timeout mapped to one) eject the host
// at once, unless `max_ejection_percent` of the upstream's hosts are already out; an
// ejected host stays out for base_ejection_time × its multiplier (times ejected, capped
// at max_ejection_time) and returns at the first interval sweep after that; every sweep
// that finds it healthy decrements the multiplier. A local overflow never counts.
//
// NGINX passive health (ngx_http_upstream_module `server max_fails= fail_timeout=`;
// ngx_http_proxy_module `proxy_next_upstream`): `max_fails` unsuccessful attempts within
// `fail_timeout` make the server unavailable for a flat `fail_timeout` from the last one;
// only errors and timeouts count unless http_5xx classes are listed; a group of one
// server is never marked unavailable.

extension TopologySimulation {
    /// The enforcer of try `a` learns how its host answered.
    @inline(__always) mutating func observeOutcome(_ a: Int, _ f: Failure) {
        let u = Int(attempts[a].upstream), i = Int(attempts[a].instance)
        guard u >= 0, i >= 0, f != .overflow else { return }
        let pi = Int(attempts[a].policy)
        guard policies[pi].observesHosts else { return }
        observeHost(a, u, i, pi, f)
    }

    @inline(never) mutating func observeHost(_ a: Int, _ u: Int, _ i: Int, _ pi: Int, _ f: Failure) {
        let h = hostView(u, instance: i)
        if let od = policies[pi].outlier { outlierObserve(u, h, f, od) }
        if let ph = policies[pi].passive { passiveObserve(u, h, f, ph) }
    }

    // MARK: - Envoy outlier detection

    /// The first sweep of upstream `u` at or after `t`.
    mutating func sweep(atOrAfter t: SimTime, _ u: Int, _ od: OutlierDetection) -> SimTime {
        let phase = upstreams[u].sweepPhase
        let k = (t - phase + od.interval - 1) / od.interval
        return phase + max(0, k) * od.interval
    }

    mutating func outlierObserve(_ u: Int, _ h: Int, _ f: Failure, _ od: OutlierDetection) {
        if !f.isServerError {
            if f == .none { hostViews[h].consecutiveErrors = 0 }
            return
        }
        hostViews[h].consecutiveErrors += 1
        guard hostViews[h].consecutiveErrors >= od.consecutiveErrors else { return }
        let now = engine.now
        guard hostViews[h].ejectedUntil <= now else { return }
        // Hosts this proxy has out now; Envoy ejects while that share stays under the maximum.
        let first = Int(upstreams[u].firstHost), n = Int(upstreams[u].hosts)
        var ejected = 0
        for j in first..<(first + n) where hostViews[j].ejectedUntil > now { ejected += 1 }
        guard Double(ejected) < od.maxEjectionPercent * Double(n) else { return }
        decayMultiplier(u, h, od, now: now)
        hostViews[h].multiplier += 1
        let duration = min(od.ejection.multipliedReportingOverflow(by: SimTime(hostViews[h].multiplier)).partialValue,
                           od.maxEjectionTime)
        hostViews[h].ejectedUntil = sweep(atOrAfter: now + duration, u, od)
        hostViews[h].multiplierAt = hostViews[h].ejectedUntil
        hostViews[h].consecutiveErrors = 0
        if now >= measureStart {
            metrics.ejections += 1
            let role = Int(upstreams[u].role)
            if role >= 0 { metrics.roles[role].ejections += 1 }
        }
    }

    /// Sweeps since the host came back found it healthy: one step of the multiplier each.
    mutating func decayMultiplier(_ u: Int, _ h: Int, _ od: OutlierDetection, now: SimTime) {
        let since = hostViews[h].multiplierAt
        guard hostViews[h].multiplier > 0, now > since else { return }
        let sweeps = (now - since) / od.interval
        hostViews[h].multiplier = Int32(max(0, Int64(hostViews[h].multiplier) - Int64(sweeps)))
        hostViews[h].multiplierAt = since + sweeps * od.interval
    }

    // MARK: - NGINX passive health

    mutating func passiveObserve(_ u: Int, _ h: Int, _ f: Failure, _ ph: CompiledPassiveHealth) {
        let now = engine.now
        if f == .none {
            hostViews[h].fails = 0
            return
        }
        let counted: Bool
        switch f {
        case .connectFailure, .reset, .tls: counted = ph.counts(.error)
        case .timeout: counted = ph.counts(.timeout)
        case .appError, .queueFull: counted = ph.counts(.http503)
        default: counted = false
        }
        guard counted else { return }
        // A failure after the last window has run out starts a new count.
        if now - hostViews[h].checked > ph.failTimeout { hostViews[h].fails = 0 }
        hostViews[h].fails += 1
        hostViews[h].checked = now
        if ph.maxFails > 0, Int(hostViews[h].fails) == ph.maxFails, upstreams[u].hosts > 1, now >= measureStart {
            metrics.ejections += 1
            let role = Int(upstreams[u].role)
            if role >= 0 { metrics.roles[role].ejections += 1 }
        }
    }

    /// NGINX: the server is unavailable to this caller.
    @inline(__always) func passivelyDown(_ h: Int, _ ph: CompiledPassiveHealth, hosts: Int32, now: SimTime) -> Bool {
        ph.maxFails > 0 && hosts > 1 && Int(hostViews[h].fails) >= ph.maxFails && now - hostViews[h].checked <= ph.failTimeout
    }
}
