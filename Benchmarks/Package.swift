// swift-tools-version: 6.1
// Microbenchmarks of N2NWire's data path (ordo-one/benchmark). A package of its own so that the
// benchmark dependency never reaches the root package: run with `swift package --disable-sandbox benchmark`
// in this directory, or Benchmarks/run.sh for the summary table.
import PackageDescription

/// A path dependency's identity is its directory's name (the repository checkout's, not "swift-n2n").
let rootPackage = Context.packageDirectory.split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "swift-n2n"

let package = Package(
    name: "swift-n2n-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "N2NWireBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "N2NWire", package: rootPackage),
            ],
            path: "Benchmarks/N2NWireBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "OffloadBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TapDevice", package: rootPackage),
                .product(name: "LinuxSystem", package: rootPackage),
            ],
            path: "Benchmarks/OffloadBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
