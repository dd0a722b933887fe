/// The keys of the first two screens for the help view, kept beside them rather than in their
/// files so the column and row code stays apart from the navigation.
extension WorkloadsScreen {
    public var keyHelp: [(key: String, action: String)] {
        [("enter", "pods of the workload"), ("l", "logs of all its pods, merged by time"),
         ("s", "scale: type the replicas, then confirm the exact request"),
         ("r", "rollout restart (confirm shows the request)"),
         ("h", "rollout history: revisions, template diffs, undo"),
         ("n", "canary: stable and canary side by side, step, promote, abort"),
         ("c", "chat with the workload (its Service, through the API server)"),
         ("a", "serving workloads only / every Deployment and StatefulSet")]
    }
}

extension PodsScreen {
    public var keyHelp: [(key: String, action: String)] {
        [("enter", "pod detail (graphs, cache config, args, events)"), ("l", "logs (follow)"),
         ("p", "logs of the previous container"), ("e", "events of the pod")]
            + (workloadKey == nil ? [] : [("s", "scale the workload: type the replicas, then confirm the exact request"),
                                          ("r", "rollout restart of the workload (confirm shows the request)")])
            + [("esc", "back")]
    }
}
