import XCTest
import YAML

/// The validator finds what the API server would reject, so a clean run of the template test means something.
final class SchemaValidatorTests: XCTestCase {
    func testBuiltInKindProblemsAreFound() throws {
        let broken = try YAML.parse("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: x, labelz: {}}
        spec:
          replicas: "2"
          selector: {matchLabels: {app: x}}
          template:
            metadata: {labels: {app: x}}
            spec:
              containers:
              - image: vllm
                resources: {limits: {nvidia.com/gpu: [1]}}
                ports: [{containerPort: 8000}, {containerPort: 8000}]
        """)
        let errors = try SchemaCatalog.shared.validate(broken)
        for expected in [".metadata: unknown field \"labelz\"", ".spec.replicas: must be integer, got string \"2\"",
                         ".spec.template.spec.containers[0]: missing required field \"name\"",
                         ".spec.template.spec.containers[0].resources.limits.nvidia.com/gpu: matches 0 of oneOf, not exactly one",
                         ".spec.template.spec.containers[0].ports: duplicate entries for keys [\"containerPort\", \"protocol\"]"] {
            XCTAssertTrue(errors.contains(expected), "\(expected) in \(errors)")
        }
    }

    func testCustomKindProblemsAreFound() throws {
        let route = try YAML.parse("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r}
        spec:
          rules:
          - matches: [{path: {type: Prefix, value: /v1}}]
            backendRefs: [{name: a, port: 8000, weight: -1, wieght: 2}]
            timeouts: {request: ten minutes}
        """)
        let errors = try SchemaCatalog.shared.validate(route)
        XCTAssertTrue(errors.contains { $0.hasSuffix(".spec.rules[0].backendRefs[0]: unknown field \"wieght\"") }, "\(errors)")
        XCTAssertTrue(errors.contains { $0.contains(".spec.rules[0].backendRefs[0].weight: -1.0 is below the minimum 0.0") }, "\(errors)")
        XCTAssertTrue(errors.contains { $0.contains(".spec.rules[0].timeouts.request: \"ten minutes\" does not match") }, "\(errors)")
        XCTAssertTrue(errors.contains { $0.contains(".spec.rules[0].matches[0].path.type: \"Prefix\" is not one of") }, "\(errors)")

        let keda = try YAML.parse("""
        apiVersion: keda.sh/v1alpha1
        kind: ScaledObject
        metadata: {name: s}
        spec:
          scaleTargetRef: {name: d}
          triggers: [{type: prometheus, metadata: {threshold: 5}}]
        """)
        XCTAssertTrue(try SchemaCatalog.shared.validate(keda).contains { $0.contains("threshold: must be string") },
                      "KEDA trigger metadata is map[string]string")
    }
}
