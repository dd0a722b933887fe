import Foundation
import Kube
import YAML

/// Time as the controllers see it: tests inject a clock and a sleep so that delays (the kubelet
/// stand-in's start-up, progress deadlines, requeues) need not be waited out on the wall clock.
public struct ControllerClock: Sendable {
    public var now: @Sendable () -> Date
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(now: @escaping @Sendable () -> Date = { Date() },
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        self.now = now
        self.sleep = sleep
    }
}

/// One reconciling loop: a full pass over what it owns, read fresh from the API. Returns how
/// soon it wants another pass even if nothing changes (a pending delay), or nil.
protocol Reconciler: Sendable {
    var name: String { get }
    func reconcile() async throws -> Duration?
}

/// The API types the controllers read and write, unstructured so no field is dropped on a write.
enum APITypes {
    static let deployments = Deployment.resourceType
    static let replicaSets = ReplicaSet.resourceType
    static let pods = Pod.resourceType
    static let nodes = Node.resourceType
    static let events = Event.resourceType
    static let statefulSets = StatefulSet.resourceType
    static let controllerRevisions = ControllerRevision.resourceType
}

extension JSONValue {
    var name: String { self["metadata"]?["name"]?.stringValue ?? "" }
    var namespace: String { self["metadata"]?["namespace"]?.stringValue ?? "" }
    var uid: String { self["metadata"]?["uid"]?.stringValue ?? "" }
    var generation: Int64 { self["metadata"]?["generation"]?.intValue ?? 0 }
    var isDeleting: Bool { !(self["metadata"]?["deletionTimestamp"]?.isNull ?? true) }
    var labels: [String: String] { Self.stringMap(self["metadata"]?["labels"]) }
    var annotations: [String: String] { Self.stringMap(self["metadata"]?["annotations"]) }
    var creationTimestamp: String { self["metadata"]?["creationTimestamp"]?.stringValue ?? "" }

    /// The uid of the owner with `controller: true`, if any.
    var controllerUID: String? {
        self["metadata"]?["ownerReferences"]?.arrayValue?.first { $0["controller"]?.boolValue == true }?["uid"]?.stringValue
    }

    static func stringMap(_ value: JSONValue?) -> [String: String] {
        guard let object = value?.objectValue else { return [:] }
        var map: [String: String] = [:]
        for (k, v) in object.entries { if let s = v.stringValue { map[k] = s } }
        return map
    }

    static func fromMap(_ map: [String: String]) -> JSONValue {
        .object(JSONObject(map.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
    }

    /// An ownerReference naming this object as the controller of another.
    func controllerReference(apiVersion: String, kind: String) -> JSONValue {
        ["apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name), "uid": .string(uid),
         "controller": true, "blockOwnerDeletion": true]
    }

    /// Compact JSON with object keys sorted, so equal trees give equal bytes (for hashing).
    func canonicalJSON() -> String {
        switch self {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .double(d): return String(d)
        case let .string(s): return String(decoding: JSONValue.string(s).jsonData(), as: UTF8.self)
        case let .array(a): return "[" + a.map { $0.canonicalJSON() }.joined(separator: ",") + "]"
        case let .object(o):
            let parts = o.entries.sorted { $0.key < $1.key }.map {
                String(decoding: JSONValue.string($0.key).jsonData(), as: UTF8.self) + ":" + $0.value.canonicalJSON()
            }
            return "{" + parts.joined(separator: ",") + "}"
        }
    }

    /// Decodes into a typed read view.
    func decoded<T: Decodable>(_ type: T.Type) throws -> T { try JSONValueDecoder().decode(type, from: self) }
}

/// Label selectors of workload specs (`matchLabels` and `matchExpressions`) applied to labels.
enum SelectorMatch {
    static func matches(_ selector: JSONValue?, labels: [String: String]) -> Bool {
        guard let selector else { return false }
        for (k, v) in JSONValue.stringMap(selector["matchLabels"]) where labels[k] != v { return false }
        for expression in selector["matchExpressions"]?.arrayValue ?? [] {
            let key = expression["key"]?.stringValue ?? ""
            let values = (expression["values"]?.arrayValue ?? []).compactMap(\.stringValue)
            switch expression["operator"]?.stringValue ?? "" {
            case "In": if !(labels[key].map(values.contains) ?? false) { return false }
            case "NotIn": if labels[key].map(values.contains) ?? false { return false }
            case "Exists": if labels[key] == nil { return false }
            case "DoesNotExist": if labels[key] != nil { return false }
            default: return false
            }
        }
        return true
    }
}

/// The pod-template-hash, computed as the real controller does in shape: FNV-32a over the
/// template (here its canonical JSON; the real one hashes Go's printed struct, so values differ)
/// plus the collision count, then the decimal number's bytes mapped onto the "safe" alphabet
/// (k8s.io/apimachinery rand.SafeEncodeString).
public enum PodTemplateHash {
    public static let label = "pod-template-hash"
    static let safeAlphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    public static func compute(template: JSONValue, collisionCount: Int64?) -> String {
        var template = template
        template["metadata"]?["labels"]?[label] = nil
        var hash: UInt32 = 2_166_136_261
        func feed(_ bytes: some Sequence<UInt8>) {
            for byte in bytes { hash ^= UInt32(byte); hash = hash &* 16_777_619 }
        }
        feed(Array(template.canonicalJSON().utf8))
        if let collisionCount {
            // binary.LittleEndian.PutUint32 into an 8-byte buffer, as the real controller writes it.
            let c = UInt32(truncatingIfNeeded: collisionCount)
            feed([UInt8(c & 0xff), UInt8((c >> 8) & 0xff), UInt8((c >> 16) & 0xff), UInt8(c >> 24), 0, 0, 0, 0])
        }
        return safeEncode(String(hash))
    }

    static func safeEncode(_ text: String) -> String {
        String(text.utf8.map { safeAlphabet[Int($0) % safeAlphabet.count] })
    }

    /// Five random characters of the safe alphabet: the suffix of generated pod names.
    static func randomSuffix() -> String {
        String((0..<5).map { _ in safeAlphabet.randomElement()! })
    }

    /// A template without the hash label (and without an emptied label map), for the
    /// equality the controller and kubectl use to match a ReplicaSet to a Deployment.
    static func withoutHash(_ template: JSONValue?) -> JSONValue {
        var t = template ?? .null
        t["metadata"]?["labels"]?[label] = nil
        if t["metadata"]?["labels"]?.objectValue?.isEmpty == true { t["metadata"]?["labels"] = nil }
        if t["metadata"]?.objectValue?.isEmpty == true { t["metadata"] = nil }
        return t
    }

    static func equalIgnoringHash(_ a: JSONValue?, _ b: JSONValue?) -> Bool { withoutHash(a) == withoutHash(b) }
}

/// RFC 3339 times as the API writes them (seconds, and microseconds for MicroTime).
enum APITime {
    static func seconds(_ date: Date) -> String { ObjectStore.timestamp(date) }

    static func micro(_ date: Date) -> String {
        let whole = floor(date.timeIntervalSince1970)
        let micros = Int((date.timeIntervalSince1970 - whole) * 1_000_000)
        let base = seconds(Date(timeIntervalSince1970: whole))
        return String(base.dropLast()) + "." + String(format: "%06d", micros) + "Z"
    }

    static func parse(_ text: String?) -> Date? { text.flatMap(KubeTime.date(from:)) }
}

/// Writes core/v1 Events as the real components do: the controller-manager's recorder (source
/// and reportingComponent set, count and first/last timestamps) or the scheduler's events.k8s.io
/// recorder as the server shows it in core/v1 (eventTime, action, reportingInstance, empty source).
struct EventRecorder: Sendable {
    let client: KubeClient
    let component: String
    /// Set for events.k8s.io-style reporters (the scheduler): "default-scheduler-<host>".
    let reportingInstance: String?
    let clock: ControllerClock

    func record(_ object: JSONValue, kind: String, apiVersion: String, type: String = "Normal",
                reason: String, message: String, action: String? = nil) async {
        let now = clock.now()
        let nanos = UInt64(max(0, now.timeIntervalSince1970 * 1e9))
        var event: JSONValue = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string("\(object.name).\(String(nanos, radix: 16))"), "namespace": .string(object.namespace)],
            "involvedObject": ["kind": .string(kind), "namespace": .string(object.namespace), "name": .string(object.name),
                               "uid": .string(object.uid), "apiVersion": .string(apiVersion),
                               "resourceVersion": object["metadata"]?["resourceVersion"] ?? ""],
            "reason": .string(reason), "message": .string(message), "type": .string(type),
            "reportingComponent": .string(component),
        ]
        if let reportingInstance {
            event["source"] = .object(JSONObject())
            event["reportingInstance"] = .string(reportingInstance)
            event["eventTime"] = .string(APITime.micro(now))
            event["action"] = action.map(JSONValue.string) ?? .null
        } else {
            event["source"] = ["component": .string(component)]
            event["reportingInstance"] = ""
            event["count"] = 1
            event["firstTimestamp"] = .string(APITime.seconds(now))
            event["lastTimestamp"] = .string(APITime.seconds(now))
        }
        // Events are best effort, as in client-go's broadcaster: a failure never fails a sync.
        _ = try? await client.create(APITypes.events, namespace: object.namespace, body: event)
    }
}
