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
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TandemCRDT", targets: ["TandemCRDT"]),
        .library(name: "TandemTraces", targets: ["TandemTraces"]),
        .library(name: "TandemSync", targets: ["TandemSync"]),
        .library(name: "TandemStore", targets: ["TandemStore"]),
        .library(name: "TandemClient", targets: ["TandemClient"]),
        .library(name: "TandemRelay", targets: ["TandemRelay"]),
        .executable(name: "tandem", targets: ["TandemCLI"]),
        .executable(name: "tandem-dev", targets: ["TandemDev"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // Traits off: the relay needs neither swift-configuration nor full Foundation, and each
        // costs build time on every clean build.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // The relay reports through swift-metrics (CoreMetrics: no Foundation); the server exports
        // them with swift-prometheus at /metrics.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Already in the graph through Hummingbird; declared for its event loops, which run the
        // relay's and the client's blocking SQLite work off the cooperative thread pool.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        // SHA-256 change digests and Ed25519 authorship signatures (BoringSSL underneath).
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
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
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "TandemCRDT",
            dependencies: ["CZstd", "CZlib", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: engine,
            // Foundation-free code calling rounding functions needs libm spelled out on Linux.
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]
        ),
        .target(
            name: "TandemTraces",
            dependencies: ["TandemCRDT"],
            swiftSettings: strict
        ),
        .target(
            name: "TandemStore",
            dependencies: ["TandemCRDT", "CSQLite"],
            swiftSettings: strict
        ),
        .target(
            name: "TandemSync",
            dependencies: ["TandemCRDT"],
            swiftSettings: strict
        ),
        .target(
            name: "TandemClient",
            dependencies: [
                "TandemCRDT", "TandemSync", "TandemStore",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TandemRelay",
            dependencies: [
                "TandemCRDT", "TandemSync", "TandemStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // What both executables need (failures and exit statuses, --store, temporary folders,
        // loopback HTTP); not a product.
        .target(
            name: "TandemCommandSupport",
            dependencies: ["TandemCRDT", "TandemStore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        // What every test target shares, and tandem-dev's harnesses with them: temporary folders,
        // child processes, the built executables, the relay launcher, HTTP probes, bounded waits.
        .target(
            name: "TandemTestSupport",
            dependencies: ["TandemCommandSupport", "TandemCRDT"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "TandemCLI",
            dependencies: [
                "TandemCommandSupport",
                "TandemCRDT",
                "TandemStore",
                "TandemSync", "TandemClient", "TandemRelay",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // `tandem-dev`: benchmarks and test harnesses (replay, peer-bench, store-bench,
        // store-soak, relay-soak), kept out of the product.
        .executableTarget(
            name: "TandemDev",
            dependencies: [
                "TandemCommandSupport", "TandemTestSupport", "TandemCRDT", "TandemTraces", "TandemStore", "TandemClient", "TandemRelay",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemCRDTTests",
            dependencies: [
                "TandemTestSupport",
                "TandemCRDT",
                "TandemTraces",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemTracesTests",
            dependencies: ["TandemTestSupport", "TandemTraces"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemStoreTests",
            dependencies: ["TandemTestSupport", "TandemStore", "TandemCRDT", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .target(
            name: "TandemWireHarness",
            dependencies: ["TandemSync", "TandemCRDT"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemSyncTests",
            dependencies: ["TandemTestSupport", "TandemSync", "TandemCRDT", "TandemWireHarness"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemClientTests",
            dependencies: [
                "TandemTestSupport", "TandemClient", "TandemSync", "TandemStore", "TandemCRDT",
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemRelayTests",
            dependencies: [
                "TandemTestSupport",
                "TandemRelay", "TandemClient", "TandemSync", "TandemStore", "TandemCRDT",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer target over the wire (frame codec, payload decoders, both session machines):
// only with TANDEM_FUZZ=1, so normal builds and `make test` never see it. `make fuzz-wire`
// (scripts/fuzz-wire.sh) builds it with -sanitize=fuzzer into .build-fuzz; libFuzzer supplies
// main, hence -parse-as-library.
if Context.environment["TANDEM_FUZZ"] == "1" {
    package.targets.append(
        .executableTarget(
            name: "TandemWireFuzz",
            dependencies: ["TandemSync", "TandemCRDT", "TandemWireHarness"],
            swiftSettings: strict + [.unsafeFlags(["-parse-as-library"])]
        )
    )
}
