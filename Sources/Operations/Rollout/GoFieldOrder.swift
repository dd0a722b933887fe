import YAML

/// The field order of k8s.io/api's Go structs for a pod template, which is the order kubectl
/// writes a template it decoded. Servers written in Go answer in this order too, but not every
/// server does (the local cluster keeps its own order), so a rollback patch built from the
/// server's JSON is put into Go order to be byte for byte kubectl's. Maps (labels, resources)
/// are sorted, as Go marshals maps; fields this table does not know keep their place after the
/// known ones.
enum GoFieldOrder {
    /// A struct: its JSON field names in Go order, and the struct type of each nested field.
    struct Shape {
        var fields: [String]
        var children: [String: Kind]
    }

    indirect enum Kind {
        case object(String)
        case list(String)
        /// map[string]X: keys sorted.
        case map
    }

    static func ordered(_ value: JSONValue, as type: String) -> JSONValue {
        guard case .object(let object) = value, let shape = shapes[type] else { return value }
        var out = JSONObject()
        for field in shape.fields {
            if let child = object[field] { out[field] = ordered(child, kind: shape.children[field]) }
        }
        for (key, child) in object.entries where out[key] == nil { out[key] = child }
        return .object(out)
    }

    static func ordered(_ value: JSONValue, kind: Kind?) -> JSONValue {
        switch (kind, value) {
        case (.object(let type)?, _): return ordered(value, as: type)
        case (.list(let type)?, .array(let items)): return .array(items.map { ordered($0, as: type) })
        case (.map?, .object(let object)): return .object(JSONObject(object.entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        default: return value
        }
    }

    static let probeHandler = ["exec", "httpGet", "tcpSocket", "grpc"]
    static let probeHandlerKinds: [String: Kind] = [
        "exec": .object("ExecAction"), "httpGet": .object("HTTPGetAction"), "tcpSocket": .object("TCPSocketAction"),
        "grpc": .object("GRPCAction"),
    ]

    static let shapes: [String: Shape] = [
        "PodTemplateSpec": Shape(fields: ["metadata", "spec"], children: ["metadata": .object("ObjectMeta"), "spec": .object("PodSpec")]),
        "ObjectMeta": Shape(fields: ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
                                     "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
                                     "annotations", "ownerReferences", "finalizers", "managedFields"],
                            children: ["labels": .map, "annotations": .map]),
        "PodSpec": Shape(fields: ["volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
                                  "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
                                  "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName",
                                  "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "securityContext",
                                  "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "tolerations",
                                  "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates",
                                  "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead",
                                  "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates",
                                  "resourceClaims", "resources"],
                         children: ["volumes": .list("Volume"), "initContainers": .list("Container"),
                                    "containers": .list("Container"), "nodeSelector": .map,
                                    "securityContext": .object("PodSecurityContext"), "tolerations": .list("Toleration"),
                                    "overhead": .map, "resources": .object("ResourceRequirements")]),
        "Container": Shape(fields: ["name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
                                    "resizePolicy", "restartPolicy", "volumeMounts", "volumeDevices", "livenessProbe",
                                    "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath",
                                    "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty"],
                           children: ["ports": .list("ContainerPort"), "envFrom": .list("EnvFromSource"), "env": .list("EnvVar"),
                                      "resources": .object("ResourceRequirements"), "volumeMounts": .list("VolumeMount"),
                                      "livenessProbe": .object("Probe"), "readinessProbe": .object("Probe"),
                                      "startupProbe": .object("Probe"), "lifecycle": .object("Lifecycle"),
                                      "securityContext": .object("SecurityContext")]),
        "ContainerPort": Shape(fields: ["name", "hostPort", "containerPort", "protocol", "hostIP"], children: [:]),
        "ResourceRequirements": Shape(fields: ["limits", "requests", "claims"], children: ["limits": .map, "requests": .map]),
        "Probe": Shape(fields: probeHandler + ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                                               "failureThreshold", "terminationGracePeriodSeconds"],
                       children: probeHandlerKinds),
        "ExecAction": Shape(fields: ["command"], children: [:]),
        "HTTPGetAction": Shape(fields: ["path", "port", "host", "scheme", "httpHeaders"], children: [:]),
        "TCPSocketAction": Shape(fields: ["port", "host"], children: [:]),
        "GRPCAction": Shape(fields: ["port", "service"], children: [:]),
        "Lifecycle": Shape(fields: ["postStart", "preStop", "stopSignal"],
                           children: ["postStart": .object("LifecycleHandler"), "preStop": .object("LifecycleHandler")]),
        "LifecycleHandler": Shape(fields: ["exec", "httpGet", "tcpSocket", "sleep"], children: probeHandlerKinds),
        "EnvVar": Shape(fields: ["name", "value", "valueFrom"], children: ["valueFrom": .object("EnvVarSource")]),
        "EnvVarSource": Shape(fields: ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef"],
                              children: ["fieldRef": .object("ObjectFieldSelector"), "resourceFieldRef": .object("ResourceFieldSelector"),
                                         "configMapKeyRef": .object("KeySelector"), "secretKeyRef": .object("KeySelector")]),
        "ObjectFieldSelector": Shape(fields: ["apiVersion", "fieldPath"], children: [:]),
        "ResourceFieldSelector": Shape(fields: ["containerName", "resource", "divisor"], children: [:]),
        "KeySelector": Shape(fields: ["name", "key", "optional"], children: [:]),
        "EnvFromSource": Shape(fields: ["prefix", "configMapRef", "secretRef"], children: [:]),
        "VolumeMount": Shape(fields: ["name", "readOnly", "recursiveReadOnly", "mountPath", "subPath", "mountPropagation",
                                      "subPathExpr"], children: [:]),
        "Volume": Shape(fields: ["name", "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
                                 "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs",
                                 "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte",
                                 "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos",
                                 "csi", "ephemeral", "image"],
                        children: ["hostPath": .object("HostPathVolumeSource"), "emptyDir": .object("EmptyDirVolumeSource"),
                                   "secret": .object("SecretVolumeSource"), "configMap": .object("ConfigMapVolumeSource"),
                                   "persistentVolumeClaim": .object("PVCVolumeSource")]),
        "HostPathVolumeSource": Shape(fields: ["path", "type"], children: [:]),
        "EmptyDirVolumeSource": Shape(fields: ["medium", "sizeLimit"], children: [:]),
        "SecretVolumeSource": Shape(fields: ["secretName", "items", "defaultMode", "optional"], children: ["items": .list("KeyToPath")]),
        "ConfigMapVolumeSource": Shape(fields: ["name", "items", "defaultMode", "optional"], children: ["items": .list("KeyToPath")]),
        "PVCVolumeSource": Shape(fields: ["claimName", "readOnly"], children: [:]),
        "KeyToPath": Shape(fields: ["key", "path", "mode"], children: [:]),
        "Toleration": Shape(fields: ["key", "operator", "value", "effect", "tolerationSeconds"], children: [:]),
        "SecurityContext": Shape(fields: ["capabilities", "privileged", "seLinuxOptions", "windowsOptions", "runAsUser",
                                          "runAsGroup", "runAsNonRoot", "readOnlyRootFilesystem", "allowPrivilegeEscalation",
                                          "procMount", "seccompProfile", "appArmorProfile"],
                                 children: ["capabilities": .object("Capabilities"), "seccompProfile": .object("SeccompProfile")]),
        "PodSecurityContext": Shape(fields: ["seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot",
                                             "supplementalGroups", "supplementalGroupsPolicy", "fsGroup", "sysctls",
                                             "fsGroupChangePolicy", "seccompProfile", "appArmorProfile", "seLinuxChangePolicy"],
                                    children: ["seccompProfile": .object("SeccompProfile")]),
        "Capabilities": Shape(fields: ["add", "drop"], children: [:]),
        "SeccompProfile": Shape(fields: ["type", "localhostProfile"], children: [:]),
    ]
}
