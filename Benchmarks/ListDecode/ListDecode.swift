// List-decode benchmark: decode a PodList into typed `Pod`s and keep them in a store keyed by
// namespace/name, as an informer does. Built by run.sh with swiftc against Sources/Kube/Models
// (no Package.swift target yet). Modes:
//   whole FILE       one JSONDecoder pass over the whole body (what decoding a KubeList<Pod> costs)
//   items FILE       split the body's "items" array by bytes and decode each pod on its own
//   pages FILE...    decode several list bodies one after another (limit=500 paging)
import Foundation
import Kube

struct PodListBody: Decodable { let items: [Pod] }

func residentKB() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
}

/// Byte ranges of the elements of the top-level "items" array. Strings (and escapes in them) are
/// skipped, so braces inside annotations do not confuse the depth count.
func itemRanges(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
    let key = Array(#""items""#.utf8)
    var ranges: [Range<Int>] = []
    var i = 0, depth = 0, inString = false, inItems = false, start = -1
    while i < bytes.count {
        let c = bytes[i]
        if inString {
            if c == UInt8(ascii: "\\") { i += 2; continue }
            if c == UInt8(ascii: "\"") { inString = false }
            i += 1
            continue
        }
        switch c {
        case UInt8(ascii: "\""):
            if depth == 1, !inItems, i + key.count <= bytes.count, bytes[i..<(i + key.count)].elementsEqual(key) {
                i += key.count
                while i < bytes.count, bytes[i] != UInt8(ascii: "[") { i += 1 }
                inItems = true
                depth += 1
                i += 1
                continue
            }
            inString = true
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            if inItems, depth == 2, start < 0 { start = i }
            depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            depth -= 1
            if inItems, depth == 2, start >= 0 { ranges.append(start..<(i + 1)); start = -1 }
            if inItems, depth == 1 { inItems = false }
        default:
            break
        }
        i += 1
    }
    return ranges
}

let arguments = CommandLine.arguments
guard arguments.count >= 3, ["whole", "items", "pages"].contains(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: listdecode whole|items FILE | pages FILE...\n".utf8))
    exit(2)
}
let mode = arguments[1]
let decoder = JSONDecoder()
var store: [String: Pod] = [:]
var bytesRead = 0
let start = Date()
switch mode {
case "whole":
    let data = try Data(contentsOf: URL(fileURLWithPath: arguments[2]))
    bytesRead = data.count
    for pod in try decoder.decode(PodListBody.self, from: data).items { store[pod.metadata.key] = pod }
case "items":
    let data = try Data(contentsOf: URL(fileURLWithPath: arguments[2]))
    bytesRead = data.count
    try data.withUnsafeBytes { raw in
        let bytes = raw.bindMemory(to: UInt8.self)
        let ranges = itemRanges(bytes)
        store.reserveCapacity(ranges.count)
        for range in ranges {
            let pod = try decoder.decode(Pod.self, from: Data(UnsafeBufferPointer(rebasing: bytes[range])))
            store[pod.metadata.key] = pod
        }
    }
default:
    for path in arguments.dropFirst(2).sorted() {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        bytesRead += data.count
        for pod in try decoder.decode(PodListBody.self, from: data).items { store[pod.metadata.key] = pod }
    }
}
let elapsed = Date().timeIntervalSince(start)
// Touch what the console reads, so the work cannot be optimised away and the decode is checked.
let gpus = store.values.reduce(0) { $0 + $1.gpuRequest }
let running = store.values.filter { $0.displayStatus == "Running" }.count
print(String(format: "%@: %d pods (%d GPUs, %d Running) from %.1f MB in %.3f s; resident after: %d MB",
             mode, store.count, gpus, running, Double(bytesRead) / 1e6, elapsed, residentKB() / 1024))
