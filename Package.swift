// swift-tools-version: 6.0
import PackageDescription

// One module per layer: SimCore (engine, no domain words) -> Calibration (presets)
// -> Scenario (files) -> Topology (models) -> Report (outputs) -> Experiments (many runs:
// sweeps, shards, capacity); Dashboard draws a snapshot it is handed; the ncurses
// backend alone imports CNcursesw. TextKit holds the text helpers every layer shares
// (edit distance, tables), with no domain words. Tests share one helper target,
// TestSupport (the topsim binary, goldens).
let package = Package(
    name: "topsim",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "topsim", targets: ["topsim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .target(
            name: "SimCore",
            dependencies: [
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(name: "TextKit"),
        .target(name: "Calibration", dependencies: ["SimCore", "TextKit"]),
        .target(
            name: "Scenario",
            dependencies: ["SimCore", "Calibration", "TextKit", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "Topology",
            dependencies: ["SimCore", "Scenario", "Calibration",
                           .product(name: "DequeModule", package: "swift-collections")]
        ),
        // Scenarios from what users already have: isotope graphs, Kubernetes/Istio/Kong files, traces.
        .target(name: "Importers", dependencies: ["Scenario", .product(name: "Yams", package: "Yams")]),
        .target(name: "Report", dependencies: ["SimCore", "Scenario", "Topology", "TextKit"]),
        // Many runs of one scenario: sweeps over its values, shards and their merge, capacity at an SLO.
        .target(name: "Experiments", dependencies: ["SimCore", "Scenario", "Topology", "Report", "TextKit"]),
        // No pkgConfig: SwiftPM would read `pkg-config --cflags ncursesw`, drop its -D flags
        // and warn "prohibited flag(s)" on every build; shim.h defines what they would, and
        // module.modulemap links ncursesw and tinfo itself (`make deps` installs them).
        .systemLibrary(
            name: "CNcursesw",
            providers: [.apt(["libncursesw5-dev"])]
        ),
        .target(name: "Dashboard", dependencies: ["CNcursesw"]),
        // The topology model seen as dashboard snapshots: the one place both meet.
        .target(name: "LiveModel",
                dependencies: ["SimCore", "Calibration", "Scenario", "Topology", "Report", "Dashboard"]),
        .executableTarget(
            name: "topsim",
            dependencies: [
                "SimCore", "Calibration", "Scenario", "Topology", "Report", "Dashboard", "LiveModel", "Experiments",
                "Importers", "TextKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "topsim-bench",
            dependencies: [
                "SimCore", "Scenario", "Topology", "Dashboard", "LiveModel",
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        // libFuzzer target for the scenario parser (Tests/Fuzz/run.sh; not part of `make test`).
        .executableTarget(name: "scenario-fuzz", dependencies: ["Scenario"], path: "Tests/Fuzz/ScenarioFuzz"),
        // libFuzzer target that validates and then runs what validation accepts (briefly).
        .executableTarget(name: "scenario-run-fuzz", dependencies: ["Scenario", "Topology", "Report"],
                          path: "Tests/Fuzz/RunFuzz"),
        // Helpers shared by the test targets: the topsim binary under test, golden files.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SimCoreTests", dependencies: ["SimCore"]),
        .testTarget(name: "TextKitTests", dependencies: ["TextKit"]),
        .testTarget(name: "CalibrationTests", dependencies: ["Calibration", "SimCore"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "Calibration", "SimCore"],
                    resources: [.copy("Fixtures")]),
        // Cases/ holds the shared failing inputs, read by path (#filePath).
        .testTarget(name: "TopologyTests", dependencies: ["Topology", "Scenario", "SimCore", "Report"],
                    exclude: ["Cases"]),
        // Goldens are read by path (#filePath), not bundled.
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "TestSupport"], exclude: ["Golden"]),
        // Goldens are read by path (#filePath), not bundled.
        .testTarget(name: "ReportTests", dependencies: ["Report", "Topology", "Scenario", "SimCore", "Calibration", "TestSupport"],
                    exclude: ["Goldens"]),
        .testTarget(name: "ExperimentsTests",
                    dependencies: ["Experiments", "Report", "Topology", "Scenario", "SimCore", "TestSupport"]),
        // Fixtures are read by path (#filePath), not bundled.
        .testTarget(name: "ImportersTests",
                    dependencies: ["Importers", "Scenario", "Topology", "Report", "Calibration", "SimCore", "TestSupport"],
                    exclude: ["Fixtures"]),
        // Nothing validate accepts may crash, hang or corrupt output: the extreme corpus and
        // the bound properties run the built binary under a per-file time and memory limit.
        // The command line as users meet it: the man page (topsim.1) and shell completions.
        .testTarget(name: "CLITests", dependencies: ["TestSupport"]),
        .testTarget(name: "RobustnessTests", dependencies: ["Scenario", "Report", "Topology", "SimCore", "TestSupport"],
                    exclude: ["Extreme"]),
    ]
)
