import Scenario
import Topology

// The checklist's "strict mTLS inside" for a partial mesh (issue 22): what counts is the mode
// and the membership once the scenario's timeline (`inject`, `mtls-mode`) is over, and a
// strict service that a pod outside the mesh still calls is the classic migration mistake.

extension TopologyCheck {
    /// The strict-mTLS item when the scenario migrates (a service with `mesh: false`, or an
    /// `inject` or `mtls-mode` fault); nil otherwise (the topology's own `mtls` decides).
    /// - fail: a meshed service is still permissive (or off) at the end;
    /// - warn: strict, but plain callers of strict services remain (named: each of their calls
    ///   fails its handshake, `errors.tls`), or plain services remain outside the mesh;
    /// - pass: every service is injected and strict.
    func partialMeshMTLS() -> (Checklist.Status, String)? {
        let migrates = scenario.services.contains { !$0.mesh }
            || scenario.faults.contains { $0.kind == .inject || $0.kind == .mtlsMode }
        guard isMesh, migrates else { return nil }
        let all = Array(scenario.services.indices)
        func names(_ xs: [Int]) -> String { xs.map { scenario.services[$0].name }.joined(separator: ", ") }
        let plain = all.filter { !scenario.meshedAtEnd($0) }
        let notStrict = all.filter { scenario.meshedAtEnd($0) && scenario.mtlsModeAtEnd($0, initial: model.mtls) != .strict }
        let broken = scenario.plainCallersOfStrictServices(initial: model.mtls)
        let pairs = broken.map { "\(scenario.services[$0.caller].name) calls \(scenario.services[$0.callee].name)" }
            .joined(separator: ", ")
        if !notStrict.isEmpty {
            return (.fail, "still permissive at the end of the timeline for \(names(notStrict)): plaintext is accepted"
                + (broken.isEmpty ? "" : "; and plain callers of strict services remain (\(pairs))")
                + " (an mtls-mode fault with mode: strict, once every caller is injected)")
        }
        if !broken.isEmpty {
            return (.warn, "strict, but plain callers of strict services remain: \(pairs); every such call fails its"
                + " mTLS handshake (errors.tls): inject the callers first (kind: inject) or keep their callees permissive")
        }
        if !plain.isEmpty {
            return (.warn, "strict for every meshed service, but \(names(plain)) \(plain.count == 1 ? "stays" : "stay") outside the mesh:"
                + " their own traffic is plaintext and unauthenticated")
        }
        return (.pass, "strict at the end of the timeline, every service injected: every internal call is mutually authenticated")
    }
}
