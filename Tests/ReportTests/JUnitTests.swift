import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Report
import Scenario
import XCTest

/// Reads JUnit XML back with Foundation's parser: elements and their attributes, in order.
final class XMLCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var text: [String: String] = [:]
    private var current = ""

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append((elementName, attributeDict))
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?) {
        if elementName == "failure" { text["failure\(elements.count)"] = current }
    }

    static func parse(_ xml: String) -> XMLCollector? {
        let c = XMLCollector()
        let p = XMLParser(data: Data(xml.utf8))
        p.delegate = c
        return p.parse() ? c : nil
    }

    func all(_ name: String) -> [[String: String]] { elements.filter { $0.name == name }.map(\.attributes) }
}

final class JUnitTests: XCTestCase {
    func testStructureCountsAndEscaping() throws {
        let nasty = "a.p99 < b.p99 & \"quoted\" 'single' <tag>\nnext\u{1}"
        let checks = [
            ScenarioCheck(file: "scenarios/one & two.yaml", scenario: "one<two>", replications: 1, seed: 1, wallSeconds: 0.5,
                          cases: [
                              CheckCase(kind: .expectation, name: "direct.p50 < 10ms", status: .pass, detail: "9.99 ms"),
                              CheckCase(kind: .expectation, name: nasty, status: .fail, detail: "x",
                                        message: "measured 3 ms, expected < \"2 ms\"", line: 20, column: 5),
                              CheckCase(kind: .fingerprint, name: "fingerprint direct", status: .new, detail: "abc"),
                          ]),
            ScenarioCheck(file: "b.yaml", scenario: "b", replications: 5, seed: 2, wallSeconds: 1,
                          cases: [CheckCase(kind: .baseline, name: "baseline direct.p99_ms", status: .fail, detail: "d",
                                            message: "moved")]),
            ScenarioCheck(file: "c.yaml", scenario: "c", replications: 1, seed: 1, wallSeconds: 0, cases: []),
        ]
        let xml = JUnit.xml(checks)
        let doc = try XCTUnwrap(XMLCollector.parse(xml), xml)
        XCTAssertEqual(doc.elements.first?.name, "testsuites")
        XCTAssertEqual(doc.elements.first?.attributes["tests"], "4")
        XCTAssertEqual(doc.elements.first?.attributes["failures"], "2")
        let suites = doc.all("testsuite")
        XCTAssertEqual(suites.map { $0["name"] }, ["one<two>", "b", "c"])
        XCTAssertEqual(suites.map { $0["tests"] }, ["3", "1", "0"])
        XCTAssertEqual(suites.map { $0["failures"] }, ["1", "1", "0"])
        let cases = doc.all("testcase")
        XCTAssertEqual(cases.count, 4)
        XCTAssertEqual(cases[0]["classname"], "scenarios/one & two.yaml")
        XCTAssertEqual(cases[0]["name"], "direct.p50 < 10ms")
        // Escaped and read back intact; the forbidden control character is replaced.
        XCTAssertEqual(cases[1]["name"], nasty.replacingOccurrences(of: "\u{1}", with: "\u{FFFD}"))
        XCTAssertEqual(cases[1]["line"], "20")
        let failures = doc.all("failure")
        XCTAssertEqual(failures.count, 2)
        XCTAssertEqual(failures[0]["message"], "measured 3 ms, expected < \"2 ms\"")
        XCTAssertEqual(failures[0]["type"], "expectation")
        XCTAssertEqual(failures[1]["type"], "baseline")
        XCTAssertTrue(doc.text.values.contains { $0.hasPrefix("scenarios/one & two.yaml:20:5: ") })
    }

    /// From a real run: one testsuite, one testcase per expanded expectation, failures counted.
    func testRealRunCountsRight() throws {
        let r = try Support.run(Support.twoTopologies(expect: ["*.success_rate >= 99%", "direct.p50 > 11ms", "direct.p50 < mesh.p50"]))
        let check = ScenarioCheck(file: "tiny.yaml", scenario: r.scenario.name, replications: 1, seed: r.seed,
                                  wallSeconds: r.wallSeconds, cases: CheckCase.expectations(r))
        let doc = try XCTUnwrap(XMLCollector.parse(JUnit.xml([check])))
        XCTAssertEqual(doc.all("testsuite").first?["tests"], "4")
        XCTAssertEqual(doc.all("testsuite").first?["failures"], "1")
        XCTAssertEqual(doc.all("testcase").map { $0["name"] ?? "" },
                       ["direct.success_rate >= 99%", "mesh.success_rate >= 99%", "direct.p50 > 11ms", "direct.p50 < mesh.p50"])
        XCTAssertEqual(doc.all("failure").count, 1)
        XCTAssertTrue(doc.all("failure")[0]["message"]!.hasPrefix("measured "), "\(doc.all("failure"))")
        XCTAssertTrue(doc.all("failure")[0]["message"]!.contains("expected > 11.00 ms"))
        XCTAssertEqual(CheckText.summaryLine([check]), "3 passed, 1 failed")
        let text = CheckText.scenario(check)
        XCTAssertTrue(text.contains("  mesh.success_rate >= 99%: 100.00%"), text)
        XCTAssertTrue(text.contains("tiny.yaml:"), text)
    }
}
