/// autoscaling/v2 HorizontalPodAutoscaler, a read view. vLLM autoscalers usually scale on a pods
/// or external metric (queue length, KV-cache usage), so metric names are typed.
public struct HorizontalPodAutoscaler: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers",
        kind: "HorizontalPodAutoscaler", namespaced: true)

    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    public struct Spec: Codable, Sendable, Hashable {
        public var scaleTargetRef: CrossVersionObjectReference?
        /// The API defaults a missing value to 1.
        public var minReplicas: Int?
        public var maxReplicas: Int?
        public var metrics: [MetricSpec]?
        /// Only in autoscaling/v1 objects (v2 expresses it as a Resource metric); kept so an
        /// object read through v1 still shows its target.
        public var targetCPUUtilizationPercentage: Int?
    }

    public struct Status: Codable, Sendable, Hashable {
        public var observedGeneration: Int64?
        public var lastScaleTime: String?
        public var currentReplicas: Int?
        public var desiredReplicas: Int?
        public var currentMetrics: [MetricStatus]?
        public var conditions: [Condition]?
    }

    /// The names of the metrics it scales on ("cpu", "vllm:num_requests_waiting", ...).
    public var metricNames: [String] { (spec?.metrics ?? []).compactMap(\.name) }
}

/// The Deployment or StatefulSet an autoscaler scales.
public struct CrossVersionObjectReference: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String
    public var name: String
}

/// One metric of an autoscaler: exactly one of the sources is set, as `type` says.
public struct MetricSpec: Codable, Sendable, Hashable {
    /// "Resource", "ContainerResource", "Pods", "Object" or "External".
    public var type: String
    public var resource: ResourceMetricSource?
    public var containerResource: ResourceMetricSource?
    public var pods: MetricSource?
    public var object: MetricSource?
    public var external: MetricSource?

    /// The resource or metric name, whichever source is set.
    public var name: String? {
        resource?.name ?? containerResource?.name ?? pods?.metric?.name ?? object?.metric?.name
            ?? external?.metric?.name
    }
}

/// A Resource or ContainerResource metric (cpu, memory).
public struct ResourceMetricSource: Codable, Sendable, Hashable {
    public var name: String
    /// ContainerResource only.
    public var container: String?
    public var target: MetricTarget?
}

/// A Pods, Object or External metric.
public struct MetricSource: Codable, Sendable, Hashable {
    public var metric: MetricIdentifier?
    public var target: MetricTarget?
    /// Object metrics only: what the metric describes.
    public var describedObject: CrossVersionObjectReference?
}

public struct MetricIdentifier: Codable, Sendable, Hashable {
    public var name: String
    public var selector: LabelSelector?
}

public struct MetricTarget: Codable, Sendable, Hashable {
    /// "Utilization", "Value" or "AverageValue".
    public var type: String?
    public var value: Quantity?
    public var averageValue: Quantity?
    public var averageUtilization: Int?
}

/// The observed value of one metric.
public struct MetricStatus: Codable, Sendable, Hashable {
    public var type: String
    public var resource: ResourceMetricStatus?
    public var containerResource: ResourceMetricStatus?
    public var pods: MetricValueStatus?
    public var object: MetricValueStatus?
    public var external: MetricValueStatus?

    public struct ResourceMetricStatus: Codable, Sendable, Hashable {
        public var name: String
        public var container: String?
        public var current: MetricValue?
    }

    public struct MetricValueStatus: Codable, Sendable, Hashable {
        public var metric: MetricIdentifier?
        public var current: MetricValue?
        public var describedObject: CrossVersionObjectReference?
    }

    public struct MetricValue: Codable, Sendable, Hashable {
        public var value: Quantity?
        public var averageValue: Quantity?
        public var averageUtilization: Int?
    }
}
