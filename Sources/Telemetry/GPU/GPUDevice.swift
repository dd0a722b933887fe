/// One GPU as the DCGM exporter reports it, joined to the pod that holds it (Kubernetes mode adds
/// `pod`/`namespace`/`container` labels; older exporters wrote `pod_name`/`pod_namespace`/`container_name`).
public struct GPUDevice: Sendable, Equatable {
    public var uuid: String?
    /// The `gpu` label: the index on its node.
    public var index: String?
    public var modelName: String?
    public var hostname: String?
    public var device: String?
    public var pod: String?
    public var namespace: String?
    public var container: String?

    /// Framebuffer memory in MiB, as DCGM reports it.
    public var memoryUsedMiB: Double?
    public var memoryFreeMiB: Double?
    public var memoryReservedMiB: Double?
    /// `DCGM_FI_DEV_FB_TOTAL` where present, else used + free + reserved.
    public var memoryTotalMiB: Double? {
        if let reported = reportedMemoryTotalMiB { return reported }
        guard let used = memoryUsedMiB, let free = memoryFreeMiB else { return nil }
        return used + free + (memoryReservedMiB ?? 0)
    }
    public var reportedMemoryTotalMiB: Double?
    /// `DCGM_FI_DEV_GPU_UTIL`, percent 0…100 (time a kernel ran, coarse).
    public var utilizationPercent: Double?
    /// `DCGM_FI_PROF_GR_ENGINE_ACTIVE`, ratio 0…1 (profiling metric; finer than GPU_UTIL).
    public var graphicsEngineActive: Double?
    public var temperatureC: Double?
    public var memoryTemperatureC: Double?
    public var powerW: Double?
    public var powerLimitW: Double?

    /// The key GPUs are told apart by: UUID, else host and index.
    public var key: String { uuid ?? "\(hostname ?? "")/\(index ?? "")" }
    /// `namespace/pod` when the exporter attributed this GPU to a pod.
    public var podKey: String? {
        guard let pod, let namespace else { return nil }
        return namespace + "/" + pod
    }

    /// Reads every `DCGM_FI_*` sample of an exposition into one record per GPU, in order of first
    /// appearance. Samples with neither `UUID` nor `gpu` label cannot be attributed and are left out.
    public static func devices(in exposition: Exposition) -> [GPUDevice] {
        var order: [String] = []
        var byKey: [String: GPUDevice] = [:]
        for family in exposition.families where family.name.hasPrefix("DCGM_FI_") {
            let field = field(of: family.name)  // other fields still attribute the GPU to its pod
            for sample in family.samples where sample.name == family.name {
                let uuid = sample.label("UUID") ?? sample.label("uuid")
                let index = sample.label("gpu")
                guard uuid != nil || index != nil else { continue }
                var device = GPUDevice(uuid: uuid, index: index)
                let key = device.key
                if let existing = byKey[key] { device = existing } else { order.append(key) }
                device.modelName = device.modelName ?? sample.label("modelName")
                device.hostname = device.hostname ?? sample.label("Hostname")
                device.device = device.device ?? sample.label("device")
                device.pod = device.pod ?? sample.label("pod") ?? sample.label("pod_name")
                device.namespace = device.namespace ?? sample.label("namespace") ?? sample.label("pod_namespace")
                device.container = device.container ?? sample.label("container") ?? sample.label("container_name")
                if let field { device[keyPath: field] = sample.value }
                byKey[key] = device
            }
        }
        return order.compactMap { byKey[$0] }
    }

    /// The DCGM fields read, by family name (the same list serves a Prometheus server's queries).
    // Key paths are immutable values; the standard library just does not mark them Sendable.
    nonisolated(unsafe) static let fields: [(String, WritableKeyPath<GPUDevice, Double?>)] = [
        ("DCGM_FI_DEV_FB_USED", \.memoryUsedMiB),
        ("DCGM_FI_DEV_FB_FREE", \.memoryFreeMiB),
        ("DCGM_FI_DEV_FB_RESERVED", \.memoryReservedMiB),
        ("DCGM_FI_DEV_FB_TOTAL", \.reportedMemoryTotalMiB),
        ("DCGM_FI_DEV_GPU_UTIL", \.utilizationPercent),
        ("DCGM_FI_PROF_GR_ENGINE_ACTIVE", \.graphicsEngineActive),
        ("DCGM_FI_DEV_GPU_TEMP", \.temperatureC),
        ("DCGM_FI_DEV_MEMORY_TEMP", \.memoryTemperatureC),
        ("DCGM_FI_DEV_POWER_USAGE", \.powerW),
        ("DCGM_FI_DEV_POWER_MGMT_LIMIT", \.powerLimitW),
    ]

    private static func field(of family: String) -> WritableKeyPath<GPUDevice, Double?>? {
        fields.first { $0.0 == family }?.1
    }

    init(uuid: String?, index: String?) {
        self.uuid = uuid
        self.index = index
    }
}
