@testable import Deploy
import DeployTemplates
import Foundation
import XCTest
import YAML

/// The placeholder scheme, parameter checking and rules, on small templates written here and on
/// the real ones.
final class ManifestRendererTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private func write(_ name: String, values: String, files: [String: String]) throws -> ManifestTemplate {
        let folder = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try values.write(to: folder.appendingPathComponent("values.yaml"), atomically: true, encoding: .utf8)
        for (file, text) in files { try text.write(to: folder.appendingPathComponent(file), atomically: true, encoding: .utf8) }
        return try TemplateLibrary(directory: directory).template(named: name)
    }

    private var small: ManifestTemplate {
        get throws {
            try write("small", values: """
            description: a test template
            parameters:
              name: {type: name, default: demo}
              gpus: {type: int, default: 1, minimum: 1}
              tp: {type: int, default: 1}
              size: {type: quantity, default: 4}
              flags: {type: args, default: ""}
              klass: {optional: true, default: null}
              on: {type: bool, default: false}
              token: {secret: true, default: "", allowed: ["", ok-token]}
            rules:
            - require: tp == gpus
              message: tp must equal gpus
            """, files: ["a.yaml": """
            kind: Deployment
            apiVersion: apps/v1
            metadata: {name: ((name))}
            spec:
              replicas: ((gpus))
              label: ((name))-((gpus))
              size: ((size))
              storageClassName: ((klass))
              args: [serve, ((flags)), --tp=((tp))]
              extra:
                kvdeck/when: "on"
                present: true
              items:
              - kvdeck/when: "!on"
                name: off-item
              - name: always
              onlyIfOff:
              - kvdeck/when: "!on"
                name: x
            ---
            kvdeck/when: token
            kind: Secret
            apiVersion: v1
            metadata: {name: s}
            ---
            kind: Service
            apiVersion: v1
            metadata: {name: ((name)), labels: {ns: ((namespace))}}
            """])
        }
    }

    func testPlaceholdersKeepTheirTypesAndOptionalPartsDisappear() throws {
        let rendered = try ManifestRenderer.render(try small, settings: ["flags=--a  --b=1"], namespace: "team")
        XCTAssertEqual(rendered.objects.map { $0["kind"]?.stringValue }, ["Service", "Deployment"], "apply order, the Secret left out")
        let deployment = rendered.objects[1]
        XCTAssertEqual(deployment["metadata"], ["name": "demo", "namespace": "team"])
        XCTAssertEqual(deployment["spec"]?["replicas"], .int(1))
        XCTAssertEqual(deployment["spec"]?["label"], "demo-1")
        XCTAssertEqual(deployment["spec"]?["size"], "4", "a quantity stays a string whatever it looks like")
        XCTAssertNil(deployment["spec"]?["storageClassName"], "unset optional: the key goes")
        XCTAssertEqual(deployment["spec"]?["args"], ["serve", "--a", "--b=1", "--tp=1"], "args spliced")
        XCTAssertNil(deployment["spec"]?["extra"])
        XCTAssertEqual(deployment["spec"]?["items"], [["name": "off-item"], ["name": "always"]])
        XCTAssertEqual(rendered.objects[0]["metadata"]?["labels"]?["ns"], "team")

        let on = try ManifestRenderer.render(try small, settings: ["on=true", "klass=fast", "token=ok-token"], namespace: "team")
        XCTAssertEqual(on.objects.map { $0["kind"]?.stringValue }, ["Secret", "Service", "Deployment"])
        XCTAssertEqual(on.objects[2]["spec"]?["extra"], ["present": true])
        XCTAssertEqual(on.objects[2]["spec"]?["items"], [["name": "always"]])
        XCTAssertNil(on.objects[2]["spec"]?["onlyIfOff"], "a list left empty goes with its key")
        XCTAssertEqual(on.objects[2]["spec"]?["storageClassName"], "fast")
    }

    func testValuesCannotChangeTheStructure() throws {
        let rendered = try ManifestRenderer.render(try small, settings: ["flags=x: {y: 1}"], namespace: "n")
        XCTAssertEqual(rendered.objects[1]["spec"]?["args"], ["serve", "x:", "{y:", "1}", "--tp=1"])
    }

    func testYAMLOutputParsesBackToTheObjects() throws {
        let library = TemplateLibrary(directory: DeployTemplatesBundle.sourceDirectory)
        for name in library.names {
            let rendered = try ManifestRenderer.render(try library.template(named: name), namespace: "llm-prod")
            XCTAssertEqual(try YAML.parseDocuments(rendered.yaml), rendered.objects, name)
        }
    }

    func testParameterErrorsSayWhatIsWrong() throws {
        let t = try small
        func error(_ settings: [String]) -> String {
            do {
                _ = try ManifestRenderer.render(t, settings: settings, namespace: "n")
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(error(["gpu=2"]), "template small has no parameter \"gpu\"; its parameters: name, gpus, tp, size, flags, klass, on, token")
        XCTAssertEqual(error(["gpus"]), "--set expects key=value, got \"gpus\"")
        XCTAssertEqual(error(["gpus=two"]), "invalid value for gpus: \"two\" is not an integer")
        XCTAssertEqual(error(["gpus=0", "tp=0"]), "invalid value for gpus: 0 is below the minimum 1")
        XCTAssertEqual(error(["gpus=2"]), "small: tp must equal gpus; now tp=1, gpus=2 (rule: tp == gpus)")
        XCTAssertEqual(error(["name=Bad_Name"]),
                       "invalid value for name: \"Bad_Name\" must be lower-case letters, digits and '-', start with a letter and end with a letter or digit")
        XCTAssertEqual(error(["size=lots"]), "invalid value for size: \"lots\" is not a quantity such as 100Gi, 500m or 4")
        XCTAssertEqual(error(["on=maybe"]), "invalid value for on: \"maybe\" is not true or false")
        XCTAssertEqual(error(["token=hf_secret"]), "invalid value for token: \"<redacted>\" is not one of , ok-token",
                       "a secret's value is never echoed")
    }

    func testRealTemplateRulesGuardParallelism() throws {
        let library = TemplateLibrary(directory: DeployTemplatesBundle.sourceDirectory)
        XCTAssertThrowsError(try ManifestRenderer.render(try library.template(named: "single-gpu"), settings: ["gpus=2"], namespace: "n")) {
            XCTAssertEqual("\($0)", "single-gpu: tensorParallel × pipelineParallel must equal the GPUs of the pod; now tensorParallel=1, pipelineParallel=1, gpus=2 (rule: tensorParallel * pipelineParallel == gpus)")
        }
        XCTAssertThrowsError(try ManifestRenderer.render(try library.template(named: "multi-node-lws"), settings: ["nodes=3"], namespace: "n"))
        XCTAssertThrowsError(try ManifestRenderer.render(try library.template(named: "multi-node-ray"), settings: ["workers=2"], namespace: "n"))
        XCTAssertNoThrow(try ManifestRenderer.render(try library.template(named: "multi-node-ray"), settings: ["workers=3", "pipelineParallel=4"], namespace: "n"))
        XCTAssertThrowsError(try ManifestRenderer.render(try library.template(named: "autoscaling-hpa"), settings: ["minReplicas=5"], namespace: "n"))
        XCTAssertThrowsError(try ManifestRenderer.render(try library.template(named: "gateway-canary"), settings: ["stableWeight=0", "canaryWeight=0"], namespace: "n"))
        XCTAssertThrowsError(try library.template(named: "no-such")) {
            XCTAssertTrue("\($0)".hasPrefix("unknown template \"no-such\"; templates: autoscaling-hpa, "), "\($0)")
        }
    }

    func testExtendingTemplateInheritsFilesAndChangesDefaults() throws {
        let library = TemplateLibrary(directory: DeployTemplatesBundle.sourceDirectory)
        let tp = try library.template(named: "tensor-parallel")
        XCTAssertEqual(tp.parameter("gpus")?.defaultValue, 4)
        XCTAssertEqual(tp.parameter("gpus")?.minimum, 1, "what the base said stays")
        let rendered = try ManifestRenderer.render(tp, namespace: "n")
        let deployment = try XCTUnwrap(rendered.objects.first { $0["kind"] == "Deployment" })
        let container = try XCTUnwrap(deployment.value(at: "spec", "template", "spec", "containers", "0"))
        XCTAssertTrue(container["args"]?.arrayValue?.contains("--tensor-parallel-size=4") == true)
        XCTAssertEqual(container.value(at: "resources", "limits", "nvidia.com/gpu"), 4)
        let shm = deployment.value(at: "spec", "template", "spec", "volumes")?.arrayValue?.first { $0["name"] == "shm" }
        XCTAssertEqual(shm?["emptyDir"], ["medium": "Memory", "sizeLimit": "16Gi"])
    }

    func testBrokenTemplatesAreReportedAsSuch() throws {
        let t = try write("broken", values: "parameters: {a: {default: x}}", files: ["a.yaml": "kind: ConfigMap\ndata: {k: ((b))}\n"])
        XCTAssertThrowsError(try ManifestRenderer.render(t, namespace: "n")) {
            XCTAssertEqual("\($0)", "template broken is broken: a.yaml: unknown parameter ((b))")
        }
        XCTAssertThrowsError(try write("bad-default", values: "parameters: {n: {type: int, default: x}}", files: ["a.yaml": "kind: X\n"])) {
            XCTAssertEqual("\($0)", "template bad-default is broken: default of n: invalid value for n: the default \"x\" is not a int")
        }
    }
}
