import Foundation
import Kube
import YAML

/// Server-side `meta.k8s.io/v1 Table`s, with the real server's column definitions (recorded)
/// and cells computed as its printers compute them.
enum TablePrinter {
    static func table(for objects: [JSONValue], resource: ServedResource, catalog: ResourceCatalog,
                      listMetadata: JSONValue, includeObject: String, now: Date) throws -> JSONValue {
        let columns = catalog.tableColumns[resource.plural].flatMap { resource.isCustom ? nil : $0 } ?? fallbackColumns(resource)
        let rows: [JSONValue] = objects.map { object in
            var row = JSONObject()
            row["cells"] = .array(cells(object, resource: resource, now: now))
            switch includeObject {
            case "None": row["object"] = .null
            case "Object": row["object"] = object
            default:
                var metadata = object["metadata"] ?? .object(JSONObject())
                metadata["selfLink"] = nil
                row["object"] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata]
            }
            return .object(row)
        }
        return ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": listMetadata,
                "columnDefinitions": columns, "rows": .array(rows)]
    }

    static let nameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
    static let ageDescription = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"

    static func column(_ name: String, type: String = "string", format: String = "", _ description: String, priority: Int64 = 0) -> JSONValue {
        ["name": .string(name), "type": .string(type), "format": .string(format), "description": .string(description), "priority": .int(priority)]
    }

    /// Columns for kinds without a recorded Table: namespaces and services from the built-in
    /// printers; everything else (custom resources) as the real server's default, Name and Created At.
    static func fallbackColumns(_ resource: ServedResource) -> JSONValue {
        let name = column("Name", format: "name", nameDescription)
        switch (resource.group, resource.plural) {
        case ("", "namespaces"):
            return [name, column("Status", "The status of the namespace"), column("Age", ageDescription)]
        case ("", "services"):
            return [name, column("Type", "The type of the service"), column("Cluster-IP", "The IP address of the service"),
                    column("External-IP", "The external IP address of the service"),
                    column("Port(s)", "The ports that the service exposes"), column("Age", ageDescription),
                    column("Selector", "The label selector of the service", priority: 1)]
        default:
            return [name, column("Created At", type: "date", ageDescription)]
        }
    }

    static func cells(_ o: JSONValue, resource: ServedResource, now: Date) -> [JSONValue] {
        let name = JSONValue.string(o["metadata"]?["name"]?.stringValue ?? "")
        let created = o["metadata"]?["creationTimestamp"]?.stringValue
        let age = JSONValue.string(HumanDuration.age(of: created, now: now))
        func str(_ v: JSONValue?) -> String { v?.stringValue ?? "" }
        func int(_ v: JSONValue?) -> JSONValue { .int(v?.intValue ?? 0) }
        func orNone(_ s: String) -> JSONValue { .string(s.isEmpty ? "<none>" : s) }
        let templateContainers = o["spec"]?["template"]?["spec"]?["containers"]?.arrayValue ?? []
        let containerNames = JSONValue.string(templateContainers.map { str($0["name"]) }.joined(separator: ","))
        let images = JSONValue.string(templateContainers.map { str($0["image"]) }.joined(separator: ","))
        let selector = JSONValue.string(LabelSelectorText.render(o["spec"]?["selector"]))
        if resource.isCustom { return [name, .string(created ?? "")] }
        switch (resource.group, resource.plural) {
        case ("", "pods"):
            guard let pod = try? JSONValueDecoder().decode(Pod.self, from: o) else { return [name, "", "", "0", age, "<none>", "<none>", "<none>", "<none>"] }
            let status = pod.kubectlStatus
            let gates = o["spec"]?["readinessGates"]?.arrayValue ?? []
            let readyGates = gates.filter { gate in
                (o["status"]?["conditions"]?.arrayValue ?? []).contains {
                    $0["type"] == gate["conditionType"] && $0["status"]?.stringValue == "True"
                }
            }.count
            return [name, .string("\(status.readyContainers)/\(status.totalContainers)"), .string(status.reason),
                    .string(String(status.restarts)), age,
                    orNone(str(o["status"]?["podIP"])), orNone(str(o["spec"]?["nodeName"])),
                    orNone(str(o["status"]?["nominatedNodeName"])),
                    gates.isEmpty ? "<none>" : .string("\(readyGates)/\(gates.count)")]
        case ("apps", "deployments"):
            let replicas = o["spec"]?["replicas"]?.intValue ?? 0
            return [name, .string("\(o["status"]?["readyReplicas"]?.intValue ?? 0)/\(replicas)"),
                    int(o["status"]?["updatedReplicas"]), int(o["status"]?["availableReplicas"]), age,
                    containerNames, images, selector]
        case ("apps", "replicasets"):
            return [name, int(o["spec"]?["replicas"]), int(o["status"]?["replicas"]), int(o["status"]?["readyReplicas"]), age,
                    containerNames, images, selector]
        case ("apps", "statefulsets"):
            return [name, .string("\(o["status"]?["readyReplicas"]?.intValue ?? 0)/\(o["spec"]?["replicas"]?.intValue ?? 0)"), age,
                    containerNames, images]
        case ("", "nodes"):
            let conditions = o["status"]?["conditions"]?.arrayValue ?? []
            let ready = conditions.first { $0["type"]?.stringValue == "Ready" }
            var status = ready?["status"]?.stringValue == "True" ? "Ready" : (ready == nil ? "Unknown" : "NotReady")
            if o["spec"]?["unschedulable"]?.boolValue == true { status += ",SchedulingDisabled" }
            let roles = (o["metadata"]?["labels"]?.objectValue?.keys ?? [])
                .filter { $0.hasPrefix("node-role.kubernetes.io/") }
                .map { String($0.dropFirst("node-role.kubernetes.io/".count)) }.sorted()
            let addresses = o["status"]?["addresses"]?.arrayValue ?? []
            func address(_ type: String) -> JSONValue { orNone(addresses.first { $0["type"]?.stringValue == type }.map { str($0["address"]) } ?? "") }
            let info = o["status"]?["nodeInfo"]
            return [name, .string(status), orNone(roles.joined(separator: ",")), age, .string(str(info?["kubeletVersion"])),
                    address("InternalIP"), address("ExternalIP"), orNone(str(info?["osImage"])),
                    orNone(info.map { "\(str($0["kernelVersion"])) (\(str($0["architecture"])))" } ?? ""),
                    orNone(str(info?["containerRuntimeVersion"]))]
        case ("", "events"):
            let last = str(o["lastTimestamp"]).isEmpty ? str(o["eventTime"]) : str(o["lastTimestamp"])
            let first = str(o["firstTimestamp"]).isEmpty ? str(o["eventTime"]) : str(o["firstTimestamp"])
            let involved = o["involvedObject"]
            let source = [str(o["source"]?["component"]).isEmpty ? str(o["reportingComponent"]) : str(o["source"]?["component"]),
                          str(o["source"]?["host"]).isEmpty ? str(o["reportingInstance"]) : str(o["source"]?["host"])]
                .filter { !$0.isEmpty }.joined(separator: ", ")
            return [.string(HumanDuration.age(of: last, now: now)), .string(str(o["type"])), .string(str(o["reason"])),
                    .string("\(str(involved?["kind"]).lowercased())/\(str(involved?["name"]))"),
                    .string(str(involved?["fieldPath"])), .string(source), .string(str(o["message"])),
                    .string(HumanDuration.age(of: first, now: now)), .int(o["count"]?.intValue ?? 1), name]
        case ("", "namespaces"):
            return [name, .string(str(o["status"]?["phase"])), age]
        case ("", "persistentvolumeclaims"):
            // printPersistentVolumeClaim: capacity and access modes once a volume is bound.
            let spec = o["spec"], status = o["status"]
            let phase = o.isDeleting ? "Terminating" : str(status?["phase"])
            let volume = str(spec?["volumeName"])
            let modes = (status?["accessModes"]?.arrayValue ?? []).compactMap(\.stringValue)
            let short = [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")]
                .filter { modes.contains($0.0) }.map(\.1).joined(separator: ",")
            let storageClass = o["metadata"]?["annotations"]?["volume.beta.kubernetes.io/storage-class"]?.stringValue
                ?? str(spec?["storageClassName"])
            let attributesClass = str(spec?["volumeAttributesClassName"])
            return [name, .string(phase), .string(volume), .string(volume.isEmpty ? "" : str(status?["capacity"]?["storage"])),
                    .string(volume.isEmpty ? "" : short), .string(storageClass),
                    .string(attributesClass.isEmpty ? "<unset>" : attributesClass), age,
                    .string(str(spec?["volumeMode"]).isEmpty ? "<unset>" : str(spec?["volumeMode"]))]
        case ("networking.k8s.io", "networkpolicies"):
            let podSelector = LabelSelectorText.render(o["spec"]?["podSelector"])
            return [name, .string(podSelector.isEmpty ? "<none>" : podSelector), age]
        case ("policy", "poddisruptionbudgets"):
            func bound(_ v: JSONValue?) -> JSONValue {
                guard let v, !v.isNull else { return "N/A" }
                return .string(v.intValue.map(String.init) ?? str(v))
            }
            return [name, bound(o["spec"]?["minAvailable"]), bound(o["spec"]?["maxUnavailable"]),
                    int(o["status"]?["disruptionsAllowed"]), age]
        case ("", "services"):
            let spec = o["spec"]
            let ports = (spec?["ports"]?.arrayValue ?? []).map { p -> String in
                let base = "\(p["port"]?.intValue ?? 0)"
                let node = p["nodePort"]?.intValue.map { ":\($0)" } ?? ""
                return "\(base)\(node)/\(str(p["protocol"]).isEmpty ? "TCP" : str(p["protocol"]))"
            }.joined(separator: ",")
            let external = (o["status"]?["loadBalancer"]?["ingress"]?.arrayValue ?? []).map { str($0["ip"]).isEmpty ? str($0["hostname"]) : str($0["ip"]) }
            let externalCell: String = !external.isEmpty ? external.joined(separator: ",")
                : (str(spec?["type"]) == "LoadBalancer" ? "<pending>" : "<none>")
            let sel = (spec?["selector"]?.objectValue?.entries ?? []).sorted { $0.key < $1.key }.map { "\($0.key)=\(str($0.value))" }.joined(separator: ",")
            return [name, .string(str(spec?["type"]).isEmpty ? "ClusterIP" : str(spec?["type"])), orNone(str(spec?["clusterIP"])),
                    .string(externalCell), orNone(ports), age, orNone(sel)]
        default:
            return [name, .string(created ?? "")]
        }
    }
}
