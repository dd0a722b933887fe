import Foundation
import XCTest
@testable import Engine

final class GGUFFileTests: XCTestCase {
    /// The facts ../shared/models/README.md states about the default model's file.
    func testReadsTheDefaultModelsHeader() throws {
        let g = try TestModel.defaultGGUF()
        XCTAssertEqual(g.version, 3)
        XCTAssertEqual(try g.string("general.architecture"), "llama")
        XCTAssertEqual(try g.int("llama.block_count"), 30)
        XCTAssertEqual(try g.int("llama.embedding_length"), 576)
        XCTAssertEqual(try g.int("llama.attention.head_count"), 9)
        XCTAssertEqual(try g.int("llama.attention.head_count_kv"), 3)
        XCTAssertEqual(try g.int("llama.feed_forward_length"), 1536)
        XCTAssertEqual(try g.double("llama.rope.freq_base"), 100000)
        XCTAssertEqual(try g.double("llama.attention.layer_norm_rms_epsilon"), 1e-5, accuracy: 1e-9)
        XCTAssertEqual(try g.string("tokenizer.ggml.model"), "gpt2")
        XCTAssertEqual(try g.string("tokenizer.ggml.pre"), "smollm")
        XCTAssertEqual(try g.strings("tokenizer.ggml.tokens").count, 49152)
        XCTAssertEqual(try g.strings("tokenizer.ggml.merges").count, 48900)

        var byType: [GGMLType: Int] = [:]
        for t in g.tensors { byType[t.type, default: 0] += 1 }
        XCTAssertEqual(byType, [.q4_1: 210, .f32: 61, .q8_0: 1])
        let embed = try XCTUnwrap(g.tensor(named: "token_embd.weight"))
        XCTAssertEqual(embed.dimensions, [576, 49152])
        XCTAssertEqual(embed.type, .q8_0)
        XCTAssertEqual(embed.byteCount, 576 * 49152 / 32 * 34)
        // The data section follows the directory, aligned, and the last tensor ends inside the file.
        for t in g.tensors { XCTAssertEqual(t.fileOffset % 32, 0, t.name) }
        XCTAssertLessThanOrEqual(g.tensors.map { $0.fileOffset + $0.byteCount }.max()!, g.file.count)
    }

    func testTruncatedFileIsAClearError() throws {
        let source = try Data(contentsOf: URL(fileURLWithPath: TestModel.defaultGGUFPath))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        // Cut inside the tensor data: the header parses, a tensor runs past the end.
        let cutData = dir.appendingPathComponent("cut-data.gguf")
        try source.prefix(source.count - 1000).write(to: cutData)
        XCTAssertThrowsError(try GGUFFile(path: cutData.path)) { error in
            XCTAssertTrue("\(error)".contains("truncated: tensor"), "\(error)")
        }
        // Cut inside the metadata.
        let cutHeader = dir.appendingPathComponent("cut-header.gguf")
        try source.prefix(500_000).write(to: cutHeader)
        XCTAssertThrowsError(try GGUFFile(path: cutHeader.path)) { error in
            XCTAssertTrue("\(error)".contains("truncated: the header ends"), "\(error)")
        }
        let notGGUF = dir.appendingPathComponent("config.json")
        try Data("{\"architectures\": []}".utf8).write(to: notGGUF)
        XCTAssertThrowsError(try GGUFFile(path: notGGUF.path)) { error in
            XCTAssertEqual(error as? ModelLoadError, ModelLoadError(path: notGGUF.path, "not a GGUF file (bad magic)"))
        }
        XCTAssertThrowsError(try GGUFFile(path: dir.appendingPathComponent("absent.gguf").path)) { error in
            XCTAssertTrue("\(error)".contains("cannot open: No such file"), "\(error)")
        }
    }

    /// A corrupt length field must be refused before anything is allocated or read.
    func testCorruptCountsAreRefused() throws {
        var bytes = Data("GGUF".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        u32(3); u64(0); u64(1)
        u64(UInt64.max)  // key length
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID().uuidString).gguf")
        try bytes.write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        XCTAssertThrowsError(try GGUFFile(path: path.path)) { error in
            XCTAssertTrue("\(error)".contains("truncated or corrupt: string length is 18446744073709551615"), "\(error)")
        }
    }
}
