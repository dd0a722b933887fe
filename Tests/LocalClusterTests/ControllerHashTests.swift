import LocalCluster
import XCTest
import YAML

final class ControllerHashTests: XCTestCase {
    func testPodTemplateHashIsStableSafeAndIgnoresKeyOrderAndItsOwnLabel() {
        let a: JSONValue = ["metadata": ["labels": ["app": "vllm", "tier": "gpu"]], "spec": ["containers": [["name": "vllm", "image": "v1"]]]]
        let b: JSONValue = ["spec": ["containers": [["image": "v1", "name": "vllm"]]], "metadata": ["labels": ["tier": "gpu", "app": "vllm"]]]
        var labelled = a
        labelled["metadata"]?["labels"]?["pod-template-hash"] = "xyz"
        let hash = PodTemplateHash.compute(template: a, collisionCount: nil)
        XCTAssertEqual(hash, PodTemplateHash.compute(template: b, collisionCount: nil))
        XCTAssertEqual(hash, PodTemplateHash.compute(template: labelled, collisionCount: nil))
        // The decimal digits of a uint32 map onto "4-9bcdf", as the real hashes ("7985ffffd9") do.
        XCTAssertTrue(hash.allSatisfy { "456789bcdf".contains($0) }, hash)
        XCTAssertTrue((1...10).contains(hash.count))
        XCTAssertNotEqual(hash, PodTemplateHash.compute(template: a, collisionCount: 1))
        var changed = a
        changed["spec"]?["containers"] = [["name": "vllm", "image": "v2"]]
        XCTAssertNotEqual(hash, PodTemplateHash.compute(template: changed, collisionCount: nil))
    }
}
