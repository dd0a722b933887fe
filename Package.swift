// swift-tools-version: 6.0
// kvdeck: a terminal console for vLLM on Kubernetes, and the engine behind its chat pane.
// The module map and who may import whom: ../shared/DESIGN.md (mirrored in README.md).
import PackageDescription

let package = Package(
    name: "kvdeck",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kvdeck", targets: ["kvdeck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System libraries, each with the smallest shim Swift needs (see the shim headers).
        .systemLibrary(name: "CYAML", path: "Sources/CYAML"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses"),

        .target(name: "YAML", dependencies: ["CYAML"]),
        .target(name: "Terminal", dependencies: ["CNcurses", "YAML"]),
        .target(name: "Kube", dependencies: [
            "YAML", "CCurl",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Console", dependencies: ["Terminal", "Kube"]),
        .executableTarget(name: "kvdeck", dependencies: [
            "Console", "Terminal", "Kube", "YAML",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Benchmarks/ListDecode: an informer over a 10,000-pod list through the real client.
        .executableTarget(name: "kvdeck-bench-list", dependencies: ["Kube"], path: "Benchmarks/ListDecode",
                          exclude: ["make_pod_list.py", "run.sh", "README.md"]),

        // Helpers shared by test targets: Python test servers run as child processes, command runs.
        .target(name: "KvdeckTestSupport", path: "Tests/Support", exclude: ["fixture_apiserver.py"]),

        .testTarget(name: "YAMLTests", dependencies: ["YAML", "KvdeckTestSupport"]),
        .testTarget(name: "KubeTests", dependencies: ["Kube", "YAML", "KvdeckTestSupport"]),
        .testTarget(name: "TerminalTests", dependencies: ["Terminal"]),
        .testTarget(name: "ConsoleTests", dependencies: ["Console", "Terminal", "Kube", "KvdeckTestSupport"]),
        // Runs the built `kvdeck` binary against test servers, beside kubectl as the reference client.
        .testTarget(name: "KvdeckTests", dependencies: ["kvdeck", "KvdeckTestSupport"]),
    ]
)
