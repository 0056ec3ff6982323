import Scenario
import XCTest

/// `validate` notes for rate limits that cannot behave as written (RateLimitNotes.swift).
final class RateLimitNotesTests: XCTestCase {
    /// One gateway topology of `preset` with `rate_limit: RATELIMIT` in the scenario's
    /// policies (line 8); the topology is on line 10.
    static func scenario(_ rateLimit: String, preset: String = "kong") throws -> Scenario {
        try ScenarioLoader.parse(text: """
            scenario: rl
            duration: 10s
            services:
              api: { service_time: const(1ms) }
            traffic:
              - { to: api, rate: 10/s }
            policies:
              rate_limit: \(rateLimit)
            topologies:
              - { name: gw, kind: gateway, preset: \(preset) }
            """, fileName: "rl.yaml")
    }

    func notes(_ rateLimit: String) throws -> [KeyNote] { try Self.scenario(rateLimit).parseNotes }

    /// 10/s over 150 ms windows: 1.5 requests a window, of which a window counts whole ones:
    /// 1 per 150 ms = 6.667/s. 0.5/s over 1 s windows: 0.5 < 1, yet a window admits 1: 1/s,
    /// twice the rate; a window of 1 / 0.5 = 2 s would hold it. 10/s over 1 s: exactly 10.
    func testWindowsThatCannotHoldTheRate() throws {
        let fractional = try notes("{ per_consumer: 10/s, algorithm: fixed-window, window: 150ms }")
        XCTAssertEqual(fractional.count, 1)
        XCTAssertEqual(fractional.first?.line, 8)
        XCTAssertTrue(fractional[0].text.contains("1.5 requests") && fractional[0].text.contains("6.667/s instead of 10/s"),
                      fractional[0].text)
        let under = try notes("{ per_consumer: 0.5/s, algorithm: sliding-window, window: 1s }")
        XCTAssertTrue(under[0].text.contains("1/s instead of 0.5/s") && under[0].text.contains("at least 2s"), under[0].text)
        XCTAssertEqual(try notes("{ per_consumer: 10/s, algorithm: fixed-window, window: 1s }"), [])
    }

    func testKeysThatDoNothing() throws {
        let bucket = try notes("{ per_consumer: 10/s, algorithm: token-bucket, window: 1m }")
        XCTAssertTrue(bucket[0].text.contains("'window' does nothing for a token bucket"), bucket[0].text)
        let local = try notes("{ per_consumer: 10/s, policy: local, fail_open: false }")
        XCTAssertTrue(local[0].text.contains("'fail_open' does nothing with 'policy: local'"), local[0].text)
        XCTAssertEqual(try notes("{ per_consumer: 10/s, policy: cluster, fail_open: false }"), [])
        // No algorithm: the preset's decides (Kong counts fixed windows), known per topology only.
        XCTAssertEqual(try notes("{ per_consumer: 10/s, window: 150ms }"), [])
    }
}

extension RateLimitNotesTests {
    /// Left to the preset: Envoy's gateway counts with a token bucket, so a `window` is never
    /// read (a note at the topology); Kong counts fixed windows (no note). `policy` left out
    /// is `local`: `fail_open` does nothing there either.
    func testDefaultsTheNotesKnow() throws {
        let limit = "{ per_consumer: 5/s, window: 2s, fail_open: false }"
        func scenario(_ preset: String) throws -> Scenario { try Self.scenario(limit, preset: preset) }
        let envoy = try scenario("envoy-gateway")
        XCTAssertEqual(envoy.connectionNotes.map(\.line), [10])
        XCTAssertTrue(envoy.connectionNotes[0].text.contains("its preset (envoy-gateway) counts with a token bucket"))
        XCTAssertEqual(try scenario("kong").connectionNotes, [])
        XCTAssertTrue(envoy.parseNotes.contains { $0.text.contains("'fail_open' does nothing") }, "\(envoy.parseNotes)")
    }
}
