import Foundation
import TestSupport
import XCTest

/// Issue 22: the layout draws a sidecar only on pods that have one, so an `inject` shows as
/// sidecars appearing pod by pod (drawn from what the model hands the dashboard).
final class AdoptionLayoutTests: XCTestCase {
    /// Headless frames (120x40, ASCII) of `yaml`'s topology `select`, `count` of them spread
    /// over the run.
    static func frames(_ yaml: String, select: String, count: Int) throws -> [String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("adoption-layout-\(getpid())-\(select)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("scenario.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let r = try TopsimBinary.run(["tui", file.path, "--headless", "--frames", "\(count)", "--size", "120x40",
                                      "--ascii", "--select", select])
        XCTAssertEqual(r.status, 0, r.stderr)
        let frames = Array(r.stdout.components(separatedBy: "--- frame ").dropFirst())
        XCTAssertEqual(frames.count, count, r.stdout)
        return frames
    }

    /// api (2 pods) starts outside the mesh; front is meshed. `inject` at 10 s with
    /// max_surge 1: api's pods are replaced at 20 s and 30 s (one readiness period, 10 s,
    /// per batch; each new pod is listed one push, 1 s by default, later). Frames at 12, 24 and 36 s
    /// (duration × i / 3 for a 36 s run, i = 1, 2, 3) show 1 (front's), 2 and 3 sidecars
    /// drawn (`sco`: sidecar up) among the 3 pods.
    func testSidecarsAppearAsAnInjectReplacesEachPod() throws {
        let frames = try Self.frames("""
        scenario: inject-layout
        duration: 36s
        cluster: { nodes: 2 }
        services:
          front: { service_time: exp(1ms), calls: [api] }
          api: { replicas: 2, service_time: exp(1ms), mesh: false }
        traffic:
          - { name: t, from: external, to: front, rate: 20/s }
        topologies:
          - { name: mesh, kind: sidecar }
        faults:
          - { at: 10s, kind: inject, target: api, max_unavailable: 0, max_surge: 1 }

        """, select: "mesh", count: 3)
        let sidecars = frames.map { $0.components(separatedBy: "sco").count - 1 }
        XCTAssertEqual(sidecars, [1, 2, 3], frames.joined())
    }
}

extension AdoptionLayoutTests {
    /// Ambient enrols without a restart: api's 2 pods are drawn `plain` (not enrolled) until
    /// the `inject` at 18 s, none after. Frames at 12 s and 24 s (duration × i / 2 of 24 s).
    func testAmbientPodsAreMarkedPlainUntilEnrolled() throws {
        let frames = try Self.frames("""
        scenario: enrol-layout
        duration: 24s
        cluster: { nodes: 2 }
        services:
          front: { service_time: exp(1ms), calls: [api] }
          api: { replicas: 2, service_time: exp(1ms), mesh: false }
        traffic:
          - { name: t, from: external, to: front, rate: 20/s }
        topologies:
          - { name: ambient, kind: sidecarless }
        faults:
          - { at: 18s, kind: inject, target: api }

        """, select: "ambient", count: 2)
        XCTAssertEqual(frames.map { $0.components(separatedBy: " plain").count - 1 }, [2, 0], frames.joined())
    }
}
