import CKVDeckCUDA
import Foundation
import KvdeckTestSupport
import XCTest
@testable import Engine

/// The CUDA backend's loader on this machine (no GPU): each way of missing the GPU falls back to
/// the CPU with the reason a person needs, and KVDECK_BACKEND=cuda turns it into an error. On a
/// machine with a GPU the same tests assert the CUDA backend is chosen instead.
final class CUDABackendTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    private func backend(_ env: [String: String]) throws -> EngineBackend {
        let model = try GGUFModel(path: TestModel.defaultGGUFPath)
        return try EngineBackend(weights: model, environment: env, probe: {
            CUDAProbe.probe(environment: env, executableDirectory: nil, workingDirectory: "/nonexistent")
        })
    }

    func testMissingLibraryFallsBackToTheCPUSayingWhereItLooked() throws {
        let b = try backend(["KVDECK_CUDA_LIB": "/nonexistent/libkvdeck_cuda.so"])
        XCTAssertEqual(b.kind, .cpu)
        XCTAssertTrue(b.description.hasPrefix("CPU (CUDA unavailable: no libkvdeck_cuda.so"), b.description)
        XCTAssertTrue(b.description.contains("/nonexistent/libkvdeck_cuda.so"), b.description)
        XCTAssertTrue(b.description.contains("scripts/build-cuda"), b.description)
        let runner = try b.makeRunner(blockSize: 16, kvCacheBytes: 16 << 20)
        XCTAssertTrue(runner is CPUModelRunner)
    }

    func testTheDefaultSearchLooksBesideTheExecutableAndInTheBuildTree() {
        let paths = CUDAProbe.candidatePaths(environment: [:], executableDirectory: "/p/.build/x86_64-unknown-linux-gnu/debug",
                                             workingDirectory: "/w")
        XCTAssertEqual(paths, ["/p/.build/x86_64-unknown-linux-gnu/debug/libkvdeck_cuda.so",
                               "/p/.build/x86_64-unknown-linux-gnu/cuda/libkvdeck_cuda.so",
                               "/p/.build/cuda/libkvdeck_cuda.so", "/w/.build/cuda/libkvdeck_cuda.so"])
        XCTAssertEqual(CUDAProbe.candidatePaths(environment: ["KVDECK_CUDA_LIB": "/x/l.so"], executableDirectory: "/e",
                                                workingDirectory: "/w"), ["/x/l.so"])
    }

    func testAFileThatIsNotTheLibraryIsRefusedWithTheLoadersWords() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-library-\(UUID().uuidString).so")
        try Data("not an ELF file".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let b = try backend(["KVDECK_CUDA_LIB": file.path])
        XCTAssertEqual(b.kind, .cpu)
        XCTAssertTrue(b.description.contains("\(file.path) cannot be loaded"), b.description)
    }

    func testForcingCUDAWithoutItIsAnErrorNotAFallback() throws {
        XCTAssertThrowsError(try backend(["KVDECK_BACKEND": "cuda", "KVDECK_CUDA_LIB": "/nonexistent/l.so"])) {
            XCTAssertTrue(($0 as? CUDAUnavailable)?.reason.contains("no libkvdeck_cuda.so") == true, "\($0)")
        }
        XCTAssertThrowsError(try backend(["KVDECK_BACKEND": "gpu"])) {
            XCTAssertEqual($0 as? EngineError, .invalidConfiguration("KVDECK_BACKEND=gpu is not auto, cpu or cuda"))
        }
        XCTAssertEqual(try backend(["KVDECK_BACKEND": "cpu"]).description, "CPU (KVDECK_BACKEND=cpu)")
    }

    /// The real library (built here by scripts/build-cuda when nvcc is available): it loads
    /// without a driver, and the probe then names the missing driver or device. Where a GPU is
    /// present, the CUDA backend must be the one chosen.
    func testTheBuiltLibraryLoadsAndTheProbeNamesWhatIsMissing() throws {
        let lib = Self.packageRoot.appendingPathComponent(".build/cuda/libkvdeck_cuda.so").path
        if !FileManager.default.fileExists(atPath: lib) {
            let venvNvcc = try? FileManager.default.contentsOfDirectory(atPath: Self.packageRoot.appendingPathComponent(".build/cuda-venv/lib").path)
            guard CommandRun.which("nvcc") != nil || FileManager.default.fileExists(atPath: "/usr/local/cuda/bin/nvcc") || venvNvcc != nil else {
                // No compiler: the library cannot exist, and the fallback must say so.
                let b = try backend(["KVDECK_CUDA_LIB": lib])
                XCTAssertTrue(b.description.contains("no libkvdeck_cuda.so"), b.description)
                return
            }
            let build = try CommandRun.run(Self.packageRoot.appendingPathComponent("scripts/build-cuda").path, ["--arch", "90"],
                                           environment: ProcessInfo.processInfo.environment.merging(["KVDECK_CUDA_NO_INSTALL": "1"]) { $1 },
                                           directory: Self.packageRoot)
            XCTAssertEqual(build.status, 0, build.stderr)
        }
        let b = try backend(["KVDECK_CUDA_LIB": lib])
        if dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL) == nil {
            XCTAssertEqual(b.kind, .cpu)
            XCTAssertTrue(b.description.hasPrefix("CPU (CUDA unavailable: no NVIDIA driver on this machine (libcuda.so.1"), b.description)
        } else if case .failure(let why) = CUDAProbe.probe(environment: ["KVDECK_CUDA_LIB": lib]) {
            XCTAssertEqual(b.kind, .cpu)
            XCTAssertTrue(b.description.contains(why.reason), b.description)
        } else {
            XCTAssertEqual(b.kind, .cuda, b.description)
        }
    }

    /// The structures as Swift imports kvdeck_cuda.h against the layout gcc (nvcc's host compiler,
    /// so the library's own) gives them: cuda/check/abi_layout.c prints sizes and offsets.
    func testSwiftSeesTheHeadersStructuresAsTheLibraryDoes() throws {
        guard let cc = CommandRun.which("gcc") ?? CommandRun.which("cc") else { return XCTFail("no C compiler on PATH") }
        let exe = FileManager.default.temporaryDirectory.appendingPathComponent("kvd-abi-layout-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: exe) }
        let root = Self.packageRoot.path
        let build = try CommandRun.run(cc, ["-I", root + "/cuda/include", root + "/cuda/check/abi_layout.c", "-o", exe])
        XCTAssertEqual(build.status, 0, build.stderr)
        let run = try CommandRun.run(exe, [])
        var c: [String: [String: Int]] = [:]
        for line in run.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ")
            var fields = ["size": Int(parts[1])!]
            for p in parts.dropFirst(2) {
                let kv = p.split(separator: "=")
                fields[String(kv[0])] = Int(kv[1])!
            }
            c[String(parts[0])] = fields
        }
        func check<T>(_ name: String, _ type: T.Type, _ fields: [(String, PartialKeyPath<T>)]) {
            guard let expected = c[name] else { return XCTFail("abi_layout printed no \(name)") }
            XCTAssertEqual(MemoryLayout<T>.size, expected["size"], "\(name) size")
            XCTAssertEqual(fields.count + 1, expected.count, "\(name): fields checked here vs printed by C")
            for (f, path) in fields {
                XCTAssertEqual(MemoryLayout<T>.offset(of: path), expected[f], "\(name).\(f)")
            }
        }
        check("kvd_cuda_error", kvd_cuda_error.self, [("code", \.code), ("message", \.message)])
        check("kvd_cuda_device_info", kvd_cuda_device_info.self, [
            ("name", \.name), ("free_bytes", \.free_bytes), ("total_bytes", \.total_bytes), ("major", \.major), ("minor", \.minor),
            ("multiprocessors", \.multiprocessors), ("driver_version", \.driver_version), ("runtime_version", \.runtime_version),
            ("memory_bus_bits", \.memory_bus_bits), ("memory_clock_khz", \.memory_clock_khz)])
        check("kvd_cuda_model_config", kvd_cuda_model_config.self, [
            ("vocab_size", \.vocab_size), ("hidden_size", \.hidden_size), ("intermediate_size", \.intermediate_size),
            ("layer_count", \.layer_count), ("head_count", \.head_count), ("kv_head_count", \.kv_head_count),
            ("head_dim", \.head_dim), ("rope_layout", \.rope_layout), ("rope_theta", \.rope_theta),
            ("rms_norm_eps", \.rms_norm_eps), ("tied_embeddings", \.tied_embeddings), ("attention_bias", \.attention_bias),
            ("qk_norm", \.qk_norm)])
        check("kvd_cuda_tensor", kvd_cuda_tensor.self, [
            ("name", \.name), ("type", \.type), ("dim_count", \.dim_count), ("dims", \.dims), ("data", \.data), ("bytes", \.bytes)])
        check("kvd_cuda_runner_options", kvd_cuda_runner_options.self, [
            ("block_size", \.block_size), ("max_batch_tokens", \.max_batch_tokens), ("max_logit_rows", \.max_logit_rows),
            ("gpu_memory_utilization", \.gpu_memory_utilization), ("kv_cache_bytes", \.kv_cache_bytes)])
        check("kvd_cuda_runner_info", kvd_cuda_runner_info.self, [
            ("block_count", \.block_count), ("block_size", \.block_size), ("kv_cache_bytes", \.kv_cache_bytes),
            ("scratch_bytes", \.scratch_bytes), ("weight_bytes", \.weight_bytes), ("device_free_bytes", \.device_free_bytes),
            ("device_total_bytes", \.device_total_bytes)])
        check("kvd_cuda_batch", kvd_cuda_batch.self, [
            ("num_tokens", \.num_tokens), ("tokens", \.tokens), ("positions", \.positions), ("slot_mapping", \.slot_mapping),
            ("num_slices", \.num_slices), ("token_start", \.token_start), ("token_count", \.token_count),
            ("context_len", \.context_len), ("table_start", \.table_start), ("table_len", \.table_len),
            ("table_entries", \.table_entries), ("block_tables", \.block_tables), ("wants_logits", \.wants_logits)])
        check("kvd_cuda_sampling", kvd_cuda_sampling.self, [("temperature", \.temperature), ("top_p", \.top_p), ("uniforms", \.uniforms)])
        check("kvd_cuda_attn_shape", kvd_cuda_attn_shape.self, [
            ("num_heads", \.num_heads), ("num_kv_heads", \.num_kv_heads), ("head_dim", \.head_dim), ("block_size", \.block_size),
            ("num_blocks", \.num_blocks), ("dtype", \.dtype), ("scale", \.scale)])
    }
}
