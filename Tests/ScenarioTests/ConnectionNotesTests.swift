import Scenario
import XCTest

/// `validate` notes for balancing and connection keys that cannot act (ConnectionNotes.swift).
final class ConnectionNotesTests: XCTestCase {
    func notes(zones: String, connections: String, topologies: String) throws -> [KeyNote] {
        let yaml = """
        scenario: notes
        duration: 10s
        cluster: { nodes: 3, zones: \(zones) }
        services:
          api: { replicas: 2, service_time: const(1ms), protocol: grpc }
        traffic:
          - { name: client, from: internal, to: api, rate: 10/s\(connections) }
        policies:
          locality: prefer-zone
        topologies:
        \(topologies)
        """
        return try ScenarioLoader.parse(text: yaml, fileName: "notes.yaml").connectionNotes
    }

    func testPreferZoneInOneZoneIsNotedAtEachTopology() throws {
        let one = try notes(zones: "[a]", connections: "", topologies: """
              - { name: mesh, kind: sidecar, preset: istio-envoy }
              - { name: direct, kind: none }
            """)
        XCTAssertEqual(one.map(\.line), [11, 12])
        XCTAssertTrue(one[0].text.contains("prefer-zone does nothing in topology 'mesh'"), one[0].text)
        let three = try notes(zones: "[a, b, c]", connections: "", topologies: """
              - { name: mesh, kind: sidecar, preset: istio-envoy }
            """)
        XCTAssertEqual(three, [])
    }

    /// `connections:` pins calls only behind an L4 hop: kube-proxy (`none`), a gateway's
    /// direct internal calls, ztunnel without a waypoint. With only L7 topologies it is noted
    /// at the traffic source (line 7); one L4 topology is enough to silence it.
    func testConnectionsWithoutAnyL4HopIsNoted() throws {
        let l7 = try notes(zones: "[a, b]", connections: ", connections: 2", topologies: """
              - { name: mesh, kind: sidecar, preset: istio-envoy }
              - { name: waypoint, kind: sidecarless, preset: istio-ambient, waypoint: true }
              - { name: gw, kind: gateway, preset: kong, internal: via-gateway }
            """)
        XCTAssertEqual(l7.map(\.line), [7])
        XCTAssertTrue(l7[0].text.contains("connections does nothing for traffic 'client'"), l7[0].text)
        for l4 in ["{ name: direct, kind: none }", "{ name: ambient, kind: sidecarless, preset: istio-ambient }",
                   "{ name: gw, kind: gateway, preset: kong }"] {
            let n = try notes(zones: "[a, b]", connections: ", connections: 2", topologies: """
                  - { name: mesh, kind: sidecar, preset: istio-envoy }
                  - \(l4)
                """)
            XCTAssertEqual(n.filter { $0.text.contains("connections") }, [], l4)
        }
    }
}

extension ConnectionNotesTests {
    /// Three zones: prefer-zone acts in a sidecar mesh (no note); `none` never applies it
    /// (kube-proxy picks at random per connection); ambient without a waypoint applies it only
    /// at the ingress.
    func testPreferZoneWhereNoProxyAppliesIt() throws {
        let n = try notes(zones: "[a, b, c]", connections: "", topologies: """
              - { name: mesh, kind: sidecar, preset: istio-envoy }
              - { name: direct, kind: none }
              - { name: ambient, kind: sidecarless, preset: istio-ambient }
              - { name: waypoint, kind: sidecarless, preset: istio-ambient, waypoint: true }
            """)
        XCTAssertEqual(n.map(\.line), [12, 13])
        XCTAssertTrue(n[0].text.contains("does nothing in topology 'direct': kube-proxy"), n[0].text)
        XCTAssertTrue(n[1].text.contains("acts only at the ingress in topology 'ambient'"), n[1].text)
    }
}
