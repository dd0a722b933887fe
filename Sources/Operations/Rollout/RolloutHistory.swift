import Foundation
import Kube
import YAML

/// One revision of a workload, with what an operator of vLLM wants to see beside kubectl's
/// REVISION and CHANGE-CAUSE: images, the model and args of the serving container, age, replicas.
public struct RevisionEntry: Sendable, Equatable {
    public var revision: Int64
    /// `kubernetes.io/change-cause`, nil when unset (kubectl shows `<none>`).
    public var changeCause: String?
    /// The ReplicaSet or ControllerRevision holding it.
    public var objectName: String
    public var images: [String]
    /// `--model X` (or `vllm serve X`'s positional model), else `--served-model-name`.
    public var model: String?
    /// The first container's args.
    public var args: [String]
    public var created: Date?
    /// ReplicaSets only: ready and desired replicas of this revision now.
    public var readyReplicas: Int?
    public var replicas: Int?
    /// The pod template, for showing and diffing revisions (hash label included, as stored).
    public var template: JSONValue

    public var json: JSONValue {
        var object: JSONObject = ["revision": .int(revision), "object": .string(objectName)]
        object["changeCause"] = changeCause.map { .string($0) } ?? .null
        object["images"] = .array(images.map { .string($0) })
        object["model"] = model.map { .string($0) } ?? .null
        object["args"] = .array(args.map { .string($0) })
        if let created { object["created"] = .string(AuditLog.timeText(created)) }
        if let replicas { object["replicas"] = .int(Int64(replicas)) }
        if let readyReplicas { object["readyReplicas"] = .int(Int64(readyReplicas)) }
        object["template"] = template
        return .object(object)
    }
}

/// `kubectl rollout history`: Deployments through their ReplicaSets, StatefulSets through their
/// ControllerRevisions, sorted by revision.
public struct RolloutHistory: Sendable {
    let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public static let changeCauseAnnotation = "kubernetes.io/change-cause"

    public func entries(_ ref: WorkloadRef) async throws -> [RevisionEntry] {
        let source = WorkloadHistorySource(client: client)
        let workload = try await source.workload(ref)
        let objects = try await source.revisionObjects(of: workload, ref: ref)
        var byRevision: [Int64: RevisionEntry] = [:]
        for object in objects {
            let revision: Int64
            let template: JSONValue
            switch ref.kind {
            case .deployment:
                guard let r = WorkloadHistorySource.replicaSetRevision(object) else { continue }
                revision = r
                template = object["spec"]?["template"] ?? .null
            case .statefulSet:
                revision = object["revision"]?.intValue ?? 0
                template = object["data"]?["spec"]?["template"] ?? .null
            }
            byRevision[revision] = Self.entry(revision: revision, object: object, template: template, kind: ref.kind)
        }
        return byRevision.values.sorted { $0.revision < $1.revision }
    }

    static func entry(revision: Int64, object: JSONValue, template: JSONValue, kind: WorkloadKind) -> RevisionEntry {
        let containers = template["spec"]?["containers"]?.arrayValue ?? []
        let first = containers.first
        let args = (first?["args"]?.arrayValue ?? []).compactMap(\.stringValue)
        let command = (first?["command"]?.arrayValue ?? []).compactMap(\.stringValue)
        let cause = object["metadata"]?["annotations"]?[changeCauseAnnotation]?.stringValue
        return RevisionEntry(
            revision: revision,
            changeCause: (cause?.isEmpty ?? true) ? nil : cause,
            objectName: object["metadata"]?["name"]?.stringValue ?? "",
            images: containers.compactMap { $0["image"]?.stringValue },
            model: ModelArguments.model(command: command, args: args),
            args: args,
            created: object["metadata"]?["creationTimestamp"]?.stringValue.flatMap(KubeTime.date(from:)),
            readyReplicas: kind == .deployment ? Int(object["status"]?["readyReplicas"]?.intValue ?? 0) : nil,
            replicas: kind == .deployment ? Int(object["spec"]?["replicas"]?.intValue ?? 0) : nil,
            template: template)
    }
}

/// Which model an inference server's container serves, read from its command line: the one
/// reader for the console's MODEL column, rollout history and canary creation.
public enum ModelArguments {
    /// The model, else the `--served-model-name` clients use.
    public static func model(command: [String], args: [String]) -> String? {
        let line = command + args
        return model(in: line) ?? flag("--served-model-name", in: line)
    }

    /// `vllm serve MODEL`, `kvdeck serve MODEL`, `--model MODEL` / `--model=MODEL` (vLLM),
    /// `--model-path` (SGLang), `--model-id` (TGI), `-m` (llama.cpp); also inside one shell string
    /// (`sh -c "vllm serve Qwen/... --port 8000"`).
    public static func model(in line: [String]) -> String? {
        for name in ["--model", "--model-path", "--model-id", "-m"] {
            if let value = flag(name, in: line) { return value }
        }
        if let serve = line.firstIndex(of: "serve"), serve + 1 < line.count, !line[serve + 1].hasPrefix("-") {
            return line[serve + 1]
        }
        for word in line where word.contains("serve ") {
            if let found = model(in: word.split(separator: " ").map(String.init)) { return found }
        }
        return nil
    }

    /// The same command line serving `model` instead, where `model(command:args:)` reads it
    /// (`--model X`, `--model=X`, or the positional after `serve`); nil when it names no model
    /// there (`--served-model-name` is the name clients use, so it is left alone).
    public static func replacing(model: String, command: [String], args: [String]) -> (command: [String], args: [String])? {
        var command = command, args = args
        let isFlag: (String) -> Bool = { $0 == "--model" || $0.hasPrefix("--model=") }
        if let index = args.firstIndex(where: isFlag) {
            replace(&args, at: index, flag: "--model", with: model)
            return (command, args)
        }
        if let index = command.firstIndex(where: isFlag) {
            replace(&command, at: index, flag: "--model", with: model)
            return (command, args)
        }
        // The positional after "serve", which may sit at the end of the command or start the args.
        let line = command + args
        guard let serve = line.firstIndex(of: "serve"), serve + 1 < line.count, !line[serve + 1].hasPrefix("-") else { return nil }
        let position = serve + 1
        if position < command.count { command[position] = model } else { args[position - command.count] = model }
        return (command, args)
    }

    private static func replace(_ words: inout [String], at index: Int, flag: String, with value: String) {
        if words[index] == flag {
            if index + 1 < words.count { words[index + 1] = value } else { words.append(value) }
        } else {
            words[index] = "\(flag)=\(value)"
        }
    }

    /// `--name VALUE` or `--name=VALUE`.
    public static func flag(_ name: String, in line: [String]) -> String? {
        for (index, word) in line.enumerated() {
            if word == name, index + 1 < line.count { return line[index + 1] }
            if word.hasPrefix(name + "=") { return String(word.dropFirst(name.count + 1)) }
        }
        return nil
    }
}
