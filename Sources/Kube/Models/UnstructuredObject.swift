import Foundation
import YAML

/// An object of any kind, kept whole as a JSON tree with its metadata read out: what an informer
/// caches for custom resources (HTTPRoutes, VirtualServices, InferenceServices, Rollouts) whose
/// fields the caller reads by path.
public struct UnstructuredObject: KubeObject, Equatable {
    public var metadata: ObjectMeta
    /// The whole object, metadata included.
    public var object: JSONValue

    public init(_ object: JSONValue) throws {
        self.object = object
        metadata = try JSONValueDecoder().decode(ObjectMeta.self, from: object["metadata"] ?? .object([:]))
    }

    public init(from decoder: any Decoder) throws {
        try self.init(JSONValue(from: decoder))
    }
}
