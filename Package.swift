// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Release builds of the engine skip dynamic exclusivity checks: they cost a quarter of the
/// time on hot edit paths (measured with perf on trace replay); debug builds and tests keep them.
let engine = strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "TandemCRDT", targets: ["TandemCRDT"]),
        .library(name: "TandemTraces", targets: ["TandemTraces"]),
        .executable(name: "tandem", targets: ["TandemCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "TandemCRDT",
            dependencies: ["CZstd", "CZlib"],
            swiftSettings: engine
        ),
        .target(
            name: "TandemTraces",
            dependencies: ["TandemCRDT", "CZlib"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "TandemCLI",
            dependencies: [
                "TandemCRDT",
                "TandemTraces",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemCRDTTests",
            dependencies: [
                "TandemCRDT",
                "TandemTraces",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemTracesTests",
            dependencies: ["TandemTraces"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
