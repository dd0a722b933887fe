/// Query options of a pod log request (core/v1 PodLogOptions).
public struct LogOptions: Sendable, Equatable {
    /// Required when the pod has more than one container.
    public var container: String?
    public var follow: Bool
    /// The last terminated instance (what you want after a crash loop).
    public var previous: Bool
    /// Mutually exclusive with `sinceTime`.
    public var sinceSeconds: Int?
    /// RFC 3339 time; mutually exclusive with `sinceSeconds`.
    public var sinceTime: String?
    /// Prefix each line with an RFC 3339 (nano) timestamp.
    public var timestamps: Bool
    public var tailLines: Int?
    public var limitBytes: Int?

    public init(container: String? = nil, follow: Bool = false, previous: Bool = false, sinceSeconds: Int? = nil,
                sinceTime: String? = nil, timestamps: Bool = false, tailLines: Int? = nil, limitBytes: Int? = nil) {
        self.container = container
        self.follow = follow
        self.previous = previous
        self.sinceSeconds = sinceSeconds
        self.sinceTime = sinceTime
        self.timestamps = timestamps
        self.tailLines = tailLines
        self.limitBytes = limitBytes
    }

    /// Checks what the server would refuse anyway, with a clearer message and without a round trip.
    func validated() throws -> [(name: String, value: String)] {
        if sinceSeconds != nil && sinceTime != nil {
            throw KubeClientError.invalidArgument("logs: sinceSeconds and sinceTime cannot both be set")
        }
        if let s = sinceSeconds, s < 1 { throw KubeClientError.invalidArgument("logs: sinceSeconds must be at least 1") }
        if let t = tailLines, t < 0 { throw KubeClientError.invalidArgument("logs: tailLines must not be negative") }
        if let l = limitBytes, l < 1 { throw KubeClientError.invalidArgument("logs: limitBytes must be at least 1") }
        if let t = sinceTime, !Self.looksLikeRFC3339(t) {
            throw KubeClientError.invalidArgument("logs: sinceTime \"\(t)\" is not an RFC 3339 time like 2026-11-21T10:19:38Z")
        }
        var items: [(name: String, value: String)] = []
        if let container, !container.isEmpty { items.append(("container", container)) }
        if follow { items.append(("follow", "true")) }
        if previous { items.append(("previous", "true")) }
        if let sinceSeconds { items.append(("sinceSeconds", String(sinceSeconds))) }
        if let sinceTime { items.append(("sinceTime", sinceTime)) }
        if timestamps { items.append(("timestamps", "true")) }
        if let tailLines { items.append(("tailLines", String(tailLines))) }
        if let limitBytes { items.append(("limitBytes", String(limitBytes))) }
        return items
    }

    /// YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM), as Go's time.RFC3339 parser reads it: the models'
    /// RFC 3339 reader decides.
    static func looksLikeRFC3339(_ s: String) -> Bool { KubeTime.date(from: s) != nil }
}
