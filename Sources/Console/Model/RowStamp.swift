import Foundation
import Kube

/// What a screen's rows were built from: the version of each store, the theme and the second.
/// Equal stamps mean equal rows, so a frame can reuse them; the second is in it so that ages,
/// and anything else that moves with time, are at most a second old.
struct RowStamp: Equatable {
    private var stores: [String?]
    private var theme: Theme
    private var second: Int
    /// The telemetry snapshot's time: a new scrape (or staleness mark) changes the metric cells.
    private var telemetry: Date

    init(_ state: ClusterState, theme: Theme, second: Int) {
        // resourceVersion changes with every event; count and state cover lists without one.
        stores = Self.stores(state)
        self.theme = theme
        self.second = second
        telemetry = state.telemetry.time
    }

    /// The stores' part of the stamp: pods, deployments and statefulsets (a workload's selector).
    static func stores(_ state: ClusterState) -> [String?] {
        [stamp(state.pods), stamp(state.deployments), stamp(state.statefulSets)]
    }

    /// One store's version: resourceVersion changes with every event; count and state cover
    /// lists without one.
    static func stamp<T>(_ s: InformerSnapshot<T>?) -> String? {
        s.map { "\($0.resourceVersion ?? "-")/\($0.items.count)/\($0.state)" }
    }
}
