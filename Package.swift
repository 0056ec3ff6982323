// swift-tools-version: 6.0
import PackageDescription

// One module per layer: SimCore (engine, no domain words) -> Calibration (presets)
// -> Scenario (files) -> Topology (models) -> Report (outputs); Dashboard draws a
// snapshot it is handed; the ncurses backend alone imports CNcursesw.
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
        .target(name: "Calibration", dependencies: ["SimCore"]),
        .target(
            name: "Scenario",
            dependencies: ["SimCore", "Calibration", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "Topology",
            dependencies: ["SimCore", "Scenario", "Calibration",
                           .product(name: "DequeModule", package: "swift-collections")]
        ),
        .target(name: "Report", dependencies: ["SimCore", "Scenario", "Topology"]),
        .systemLibrary(
            name: "CNcursesw",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncursesw5-dev"])]
        ),
        .target(name: "Dashboard", dependencies: ["CNcursesw"]),
        // The topology model seen as dashboard snapshots: the one place both meet.
        .target(name: "LiveModel",
                dependencies: ["SimCore", "Calibration", "Scenario", "Topology", "Report", "Dashboard"]),
        .executableTarget(
            name: "topsim",
            dependencies: [
                "SimCore", "Calibration", "Scenario", "Topology", "Report", "Dashboard", "LiveModel",
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
        .testTarget(name: "SimCoreTests", dependencies: ["SimCore"]),
        .testTarget(name: "CalibrationTests", dependencies: ["Calibration", "SimCore"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "Calibration", "SimCore"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TopologyTests", dependencies: ["Topology", "Scenario", "SimCore", "Report"]),
        // Goldens are read by path (#filePath), not bundled.
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard"], exclude: ["Golden"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Topology", "Scenario", "SimCore"]),
        // Nothing validate accepts may crash, hang or corrupt output: the extreme corpus and
        // the bound properties run the built binary under a per-file time and memory limit.
        .testTarget(name: "RobustnessTests", dependencies: ["Scenario", "Report", "Topology", "SimCore"],
                    exclude: ["Extreme"]),
    ]
)
