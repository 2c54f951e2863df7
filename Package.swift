// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-n2n",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "edge", targets: ["Edge"]),
        .executable(name: "supernode", targets: ["Supernode"]),
        .executable(name: "n2n-keygen", targets: ["Keygen"]),
        .library(name: "N2NWire", targets: ["N2NWire"]),
        .library(name: "PacketCore", targets: ["PacketCore"]),
        .library(name: "TapDevice", targets: ["TapDevice"]),
        .library(name: "LinuxSystem", targets: ["LinuxSystem"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
    ],
    targets: [
        // System libraries (Debian: libssl-dev, liblzo2-dev, libzstd-dev).
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLZO", pkgConfig: "lzo2", providers: [.apt(["liblzo2-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // Linux syscalls and constants that Glibc does not import (epoll, mmsghdr, if_tun.h, netlink).
        .target(name: "CN2NLinux"),

        // The Linux system layer: errno, descriptors, epoll, the event loop and its clock, UDP
        // sockets and packet batches. A leaf over the C shim; everything else builds on it.
        .target(name: "LinuxSystem", dependencies: ["CN2NLinux"]),

        .target(name: "N2NWire", dependencies: ["COpenSSL", "CLZO", "CZstd"]),
        .target(name: "TapDevice", dependencies: ["LinuxSystem", "CN2NLinux"]),
        // The engines: pure logic over N2NWire, driven through sinks and a clock.
        .target(
            name: "PacketCore",
            dependencies: [
                "N2NWire", "TapDevice", "LinuxSystem",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // What only the executables need: command line, config files, daemon, privileges, logs.
        .target(
            name: "ProgramSupport",
            dependencies: [
                "PacketCore", "N2NWire", "LinuxSystem",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The opt-in Prometheus endpoint and status page: its own thread, SwiftNIO's HTTP/1 codec,
        // serving what the engine thread last published. Never on the data path.
        .target(
            name: "Metrics",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "Supernode",
            dependencies: [
                "ProgramSupport", "PacketCore", "N2NWire", "LinuxSystem", "Metrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "Edge",
            dependencies: [
                "ProgramSupport", "PacketCore", "TapDevice", "N2NWire", "LinuxSystem", "Metrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // n2n-keygen: keys for n2n 3.x user/password authentication.
        .executableTarget(name: "Keygen", dependencies: ["ProgramSupport"]),

        // For tests only: the one allocation probe (a counter over the runtime's allocation hook and
        // the runner that measures in a child copy of the test binary).
        .target(name: "AllocationProbe"),
        // Fakes for tests and fuzzers: clocks, deterministic random, recording sinks, an in-memory
        // network with NAT, and real engines wired to it.
        .target(
            name: "TestSupport",
            dependencies: [
                "PacketCore", "N2NWire", "LinuxSystem",
                .product(name: "Logging", package: "swift-log"),
            ]),

        .testTarget(name: "N2NWireTests", dependencies: ["N2NWire"]),
        .testTarget(name: "TapDeviceTests", dependencies: ["TapDevice", "LinuxSystem"]),
        .testTarget(name: "LinuxSystemTests", dependencies: ["LinuxSystem", "AllocationProbe"]),
        .testTarget(name: "PacketCoreTests", dependencies: ["PacketCore", "N2NWire", "LinuxSystem", "TestSupport", "AllocationProbe"]),
        .testTarget(name: "ProgramSupportTests", dependencies: ["ProgramSupport", "PacketCore", "N2NWire", "LinuxSystem"]),
        .testTarget(name: "SupernodeTests", dependencies: ["Supernode", "ProgramSupport", "PacketCore", "N2NWire", "LinuxSystem", "TestSupport"]),
        .testTarget(name: "EdgeTests", dependencies: ["Edge", "ProgramSupport", "PacketCore", "N2NWire", "LinuxSystem"]),
    ],
    swiftLanguageModes: [.v6]
)
