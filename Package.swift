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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Graceful shutdown of the engine server (Hummingbird runs on it; not re-exported).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
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
        // Kube is for pod-proxy scraping; the parser and the vLLM semantics stand alone.
        .target(name: "Telemetry", dependencies: ["Kube"]),
        // Operations: the console's scale/rollout/canary dialogs; Deploy: the deploy screen renders,
        // previews and applies templates as `kvdeck deploy` does.
        .target(name: "Console", dependencies: ["Terminal", "Kube", "Telemetry", "YAML", "Engine", "Operations", "Deploy"]),
        // Scale, rollout and canary operations with kubectl-identical requests, RBAC checks, audit log.
        .target(name: "Operations", dependencies: ["Kube", "YAML"]),
        // The engine's CPU kernels, in C: SIMD paths chosen at run time (kvd_cpu.h). -O3 even in
        // debug builds: SwiftPM puts unsafe flags after its own -O0.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // The CUDA backend's C ABI (cuda/include/kvdeck_cuda.h), imported so the engine calls the
        // dlopen'd libkvdeck_cuda.so through the header's own types; the kernels themselves are
        // built by nvcc (scripts/build-cuda), which SwiftPM cannot run.
        .target(name: "CKVDeckCUDA", path: "cuda", exclude: ["src", "check", "README.md"],
                sources: ["abi/abi_layout.c"], publicHeadersPath: "include"),
        // The inference engine: model files, tokenizer, paged KV cache, scheduler, sampler, backends.
        .target(name: "Engine", dependencies: ["CKernels", "CKVDeckCUDA"]),
        // The OpenAI-compatible HTTP server over the engine: routes, SSE, vLLM's /metrics, drain.
        .target(name: "EngineServer", dependencies: [
            "Engine", "YAML",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The embedded default's semantics: object store, API behaviour, controllers. No HTTP here,
        // so they build and test without NIO.
        .target(name: "LocalCluster", dependencies: [
            "Kube", "YAML",
            .product(name: "Logging", package: "swift-log"),
        ], resources: [
            // The real Kubernetes OpenAPI v3 documents served at /openapi/v3 (README there).
            .copy("API/OpenAPIDocuments"),
        ]),
        // The local cluster's HTTPS front: TLS with a CA made at start, bearer tokens, kubeconfig.
        .target(name: "LocalClusterServer", dependencies: [
            "LocalCluster", "Engine", "EngineServer",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // manifests/: the deployment templates (README there), copied into a resource bundle beside the binary.
        .target(name: "DeployTemplates", path: "manifests", exclude: ["README.md"], resources: [.copy("templates")]),
        // `kvdeck deploy`: templates rendered with checked parameters, the server's dry-run diff,
        // server-side apply and rollout status. A screen uses the same API (DeployPlan).
        .target(name: "Deploy", dependencies: ["DeployTemplates", "Kube", "Operations", "YAML"]),
        .executableTarget(name: "kvdeck", dependencies: [
            "Console", "Terminal", "Kube", "Telemetry", "YAML", "LocalClusterServer", "Engine", "EngineServer", "Deploy", "Operations",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Benchmarks/ListDecode: an informer over a 10,000-pod list through the real client.
        .executableTarget(name: "kvdeck-bench-list", dependencies: ["Kube"], path: "Benchmarks/ListDecode",
                          exclude: ["make_pod_list.py", "run.sh", "README.md"]),

        // Helpers shared by test targets: Python test servers run as child processes, command runs.
        .target(name: "KvdeckTestSupport", dependencies: ["Kube", "YAML"], path: "Tests/Support",
                exclude: ["fixture_apiserver.py", "curl_test_server.py", "metrics_test_server.py", "openai_client_check.py"]),

        // A fake `ModelRunner` over a real paged cache, shared by the engine's and the server's tests.
        .target(name: "EngineTestSupport", dependencies: ["Engine"], path: "Tests/EngineSupport"),
        // A local cluster in process (API, controllers, the recorded GPU nodes) for the tests of
        // every module that drives one.
        .target(name: "LocalClusterTestSupport", dependencies: ["LocalCluster", "Kube", "KvdeckTestSupport"],
                path: "Tests/LocalClusterSupport"),

        .testTarget(name: "EngineTests", dependencies: ["Engine", "CKernels", "CKVDeckCUDA", "EngineTestSupport", "KvdeckTestSupport"]),
        // The server in process over the fake runner and the real tokenizer; the metrics text is
        // read back with the console's own parser.
        .testTarget(name: "EngineServerTests", dependencies: [
            "EngineServer", "Engine", "EngineTestSupport", "Telemetry", "YAML", "KvdeckTestSupport",
        ]),
        .testTarget(name: "YAMLTests", dependencies: ["YAML", "KvdeckTestSupport"]),
        // Every template rendered (defaults and variations) and checked against ../shared/schemas.
        // ... and the built-in kinds applied to the local cluster in process.
        .testTarget(name: "DeployTests", dependencies: ["Deploy", "DeployTemplates", "Operations", "YAML", "KvdeckTestSupport", "Kube", "LocalCluster",
                                                     "LocalClusterTestSupport"]),
        .testTarget(name: "KubeTests", dependencies: ["Kube", "YAML", "KvdeckTestSupport"]),
        .testTarget(name: "TerminalTests", dependencies: ["Terminal"]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry", "Kube", "LocalCluster", "LocalClusterTestSupport", "KvdeckTestSupport"]),
        // Snapshots/ are read from the source tree by path (ConsoleFixtures), not as resources.
        // The local cluster in process: operations from the console, the feed's Events API choice,
        // the deploy screen's apply.
        .testTarget(name: "ConsoleTests", dependencies: ["Console", "Terminal", "Kube", "Telemetry", "Engine", "Operations",
                                                         "Deploy", "LocalCluster", "LocalClusterTestSupport", "YAML", "KvdeckTestSupport"],
                    exclude: ["Snapshots"]),
        // Runs the built `kvdeck` binary against test servers, beside kubectl as the reference client.
        // The chat pane's cluster backend runs against the served demo, so Console and Kube too.
        .testTarget(name: "KvdeckTests", dependencies: ["kvdeck", "KvdeckTestSupport", "Console", "Kube", "Engine"]),
        .testTarget(name: "LocalClusterTests", dependencies: ["LocalCluster", "LocalClusterTestSupport", "Kube", "YAML", "Telemetry", "KvdeckTestSupport"]),
        // Operations against the local cluster in process, beside kubectl 1.32 on the same cluster over HTTPS.
        .testTarget(name: "OperationsTests", dependencies: [
            "Operations", "Kube", "YAML", "LocalCluster", "LocalClusterServer", "LocalClusterTestSupport", "KvdeckTestSupport",
        ]),
        .testTarget(name: "LocalClusterServerTests", dependencies: ["LocalClusterServer", "LocalCluster", "Kube", "KvdeckTestSupport"]),

        // Benchmarks/ScrapeFleet: 500 targets every 5 s through the scheduler and libcurl; CPU per cycle (README there).
        .executableTarget(name: "kvdeck-bench-scrape", dependencies: ["Telemetry", "Kube"], path: "Benchmarks/ScrapeFleet",
                          exclude: ["README.md", "run.sh"]),
        // Benchmarks/EngineDecode: copy bandwidth, then decode and prefill tokens/s of the CPU engine
        // on the default model (README there; the measuring code is Engine.DecodeBenchmark).
        .executableTarget(name: "kvdeck-bench-engine", dependencies: ["Engine"], path: "Benchmarks/EngineDecode",
                          exclude: ["README.md", "multiply_pipes.c"]),
        // Benchmarks/Serve: load.py's streaming clients against `kvdeck serve`, and the same workload
        // straight into InferenceEngine (this target): the server's overhead, one run.sh (README there).
        .executableTarget(name: "kvdeck-bench-serve", dependencies: [
            "Engine", "EngineServer", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Benchmarks/Serve", exclude: ["README.md", "load.py", "run.sh", "summary.py", "profile.sh", "perf_split.py"]),
        // Benchmarks/ConsoleFrame: a 10,000-row pod table's frame time, and the first full frame on a cluster (README there).
        .executableTarget(name: "kvdeck-bench-frame", dependencies: ["Console", "Terminal", "Kube"], path: "Benchmarks/ConsoleFrame",
                          exclude: ["README.md", "run.sh"]),

        // Benchmarks/MetricsParse: parse a 200 KB exposition many times, print the median (README there).
        .executableTarget(name: "kvdeck-bench-metrics", dependencies: ["Telemetry"], path: "Benchmarks/MetricsParse",
                          exclude: ["README.md"]),
        // Benchmarks/Tokenize: encode a ~2,000-token prompt with the default model's tokenizer (README there).
        .executableTarget(name: "kvdeck-bench-tokenize", dependencies: ["Engine"], path: "Benchmarks/Tokenize",
                          exclude: ["README.md"]),
    ]
)
