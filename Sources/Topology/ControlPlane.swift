import Calibration
import Scenario
import SimCore

// The control plane: endpoint discovery (config push delay), workload certificates
// (TTL, rotation at a share of the lifetime, nothing rotates while the control plane
// is down), and the active health checks of gateways' load balancers.

extension TopologySimulation {
    mutating func scheduleRotation(_ i: Int, _ cert: CertificatePolicy) {
        let jitter = 0.95 + 0.1 * controlRng.uniform()
        let at = instances[i].certIssued + SimTime(Double(cert.ttl) * cert.rotateAt * jitter)
        engine.schedule(at: max(at, engine.now), kind: EK.certRotate, target: Int32(i))
    }

    mutating func certRotate(_ i: Int) {
        guard let cert = model.certificates else { return }
        if controlPlaneUp > 0 {
            instances[i].certIssued = engine.now
            instances[i].certExpires = engine.now + cert.ttl
            instances[i].rotationPending = false
            scheduleRotation(i, cert)
        } else {
            // Nothing rotates while the control plane is down; retried when it is back.
            instances[i].rotationPending = true
        }
    }

    /// Pending rotations happen once the control plane is back (after the push delay).
    mutating func controlPlaneRecovered() {
        let now = engine.now
        for i in instances.indices where instances[i].knownAt == Self.unknown {
            instances[i].knownAt = now + model.pushDelay.sample(&controlRng)
        }
        // Endpoint changes held back while it was down go out now (Endpoints.swift).
        for i in instances.indices where instances[i].listedUntil == Self.unknown || instances[i].relistedAt == Self.unknown {
            let at = now + model.pushDelay.sample(&controlRng)
            if instances[i].listedUntil == Self.unknown { instances[i].listedUntil = at }
            if instances[i].relistedAt == Self.unknown {
                instances[i].relistedAt = at
                engine.schedule(at: at, kind: EK.lifecycle, target: Int32(i),
                                data: Self.lifeData(.listen, instances[i].life))
            }
        }
        guard let cert = model.certificates else { return }
        for i in instances.indices where instances[i].rotationPending {
            let at = now + model.pushDelay.sample(&controlRng)
            instances[i].certIssued = at
            instances[i].certExpires = at + cert.ttl
            instances[i].rotationPending = false
            scheduleRotation(i, cert)
        }
    }

    /// One round of active health checks: a gateway's of its upstream pods (with a
    /// `health_check` policy), and the load balancer's of the shared replicas (Endpoints.swift).
    mutating func healthCheck() {
        let lb = loadBalancerCheck
        defer {
            lbHealthCheck(lb)
            engine.schedule(after: lb.interval, kind: EK.healthCheck)
        }
        guard let hc = model.healthCheck else { return }
        for i in instances.indices {
            // A hung instance times its checks out like every other request.
            if instances[i].up && !instances[i].hung {
                instances[i].hcFailures = 0
                instances[i].hcDown = false
            } else {
                instances[i].hcFailures += 1
                if instances[i].hcFailures >= Int32(hc.unhealthyThreshold) { instances[i].hcDown = true }
            }
        }
    }
}
