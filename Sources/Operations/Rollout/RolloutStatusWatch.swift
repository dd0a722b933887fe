import Foundation
import Kube
import YAML

/// `kubectl rollout status`: a GET, then a LIST and WATCH of the one object
/// (`fieldSelector=metadata.name=NAME`) until the rollout is done, fails, or time runs out.
/// Each distinct "Waiting ..." line is reported as it comes, as kubectl prints them.
public struct RolloutStatusWatch: Sendable {
    let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    /// - Parameters:
    ///   - watch: false checks once (kubectl's `--watch=false`).
    ///   - timeout: nil waits forever (kubectl's `--timeout=0`).
    ///   - onReport: hears every report, the last one included.
    /// - Returns: the final report (done, or the last seen when `watch` is false).
    @discardableResult
    public func run(_ ref: WorkloadRef, revision: Int64 = 0, watch: Bool = true, timeout: Duration? = nil,
                    onReport: @escaping @Sendable (RolloutStatusReport) -> Void) async throws -> RolloutStatusReport {
        let type = ref.kind.resourceType
        // The first GET is kubectl's resource builder; it fails fast on a missing object.
        _ = try await client.get(type, name: ref.name, namespace: ref.namespace)
        let work: @Sendable () async throws -> RolloutStatusReport = {
            let field = "metadata.name=\(ref.name)"
            let list = try await client.list(type, namespace: ref.namespace,
                                             options: ListOptions(fieldSelector: field, limit: 500, resourceVersion: "0"))
            var last: RolloutStatusReport?
            var resourceVersion = list.metadata.resourceVersion
            if let object = list.items.first {
                let report = try RolloutStatusCheck.check(ref.kind, object, revision: revision)
                onReport(report)
                last = report
                if report.done || !watch { return report }
            }
            // Watches end at the server's timeout; start again from the last version seen.
            while true {
                let events = client.watch(type, namespace: ref.namespace, options: WatchOptions(
                    fieldSelector: field, resourceVersion: resourceVersion, allowBookmarks: true))
                for try await event in events {
                    switch event {
                    case .added(let object), .modified(let object):
                        if let rv = object["metadata"]?["resourceVersion"]?.stringValue { resourceVersion = rv }
                        let report = try RolloutStatusCheck.check(ref.kind, object, revision: revision)
                        if report != last { onReport(report) }
                        last = report
                        if report.done { return report }
                    case .deleted:
                        throw OperationError.malformed("object has been deleted")
                    case .bookmark(let rv):
                        resourceVersion = rv
                    case .error(let error):
                        // An expired version: list again from the top.
                        if error.isExpired { resourceVersion = nil }
                        throw error
                    }
                }
                try Task.checkCancellation()
            }
        }
        guard let timeout else { return try await work() }
        return try await withThrowingTaskGroup(of: RolloutStatusReport?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let report = first else { throw OperationError.timedOut }
            return report
        }
    }
}
