// swift-tools-version: 6.1
// Tandem's package-benchmark suite, kept as its own package so that the main package's build
// and `make test` never compile the benchmark tooling. Run it with `make bench`.
import PackageDescription

let package = Package(
    name: "TandemBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // By name: a path dependency's identity is its folder's name, which differs between clones.
        .package(name: "Tandem", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The plugin runs executable targets whose folder sits directly in a folder named
        // `Benchmarks`: this package's root.
        .executableTarget(
            name: "TandemBenchmarks",
            dependencies: [
                .product(name: "TandemCRDT", package: "Tandem"),
                .product(name: "TandemTraces", package: "Tandem"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "TandemBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
