import Foundation
import Terminal

/// A screen with keys that change the cluster: for the selected row, which key stands for which
/// operation, so the session can ask RBAC before offering it and grey out what is denied.
@MainActor
public protocol OperatingScreen: Screen {
    func offeredOperations(state: ClusterState) -> [(key: String, intent: OperationIntent)]
}

/// A screen whose data comes from Operations rather than from the informers (rollout history,
/// canary state): it says what it needs fetched, and is handed the answers.
@MainActor
public protocol LoadingScreen: Screen {
    /// The fetches due now (none while one is in flight); called once per turn of the UI loop.
    func dataRequests(state: ClusterState, now: Date) -> [OperationRequest]
    func receive(_ event: OperationEvent, now: Date)
    /// After a change was sent: fetch again at the next turn.
    func invalidate()
}
