import Engine
import Foundation
import Kube

/// The console's chats: one conversation per target, kept when the pane is left so `:chat`
/// returns to it, and one local engine for the console's lifetime (loaded on first use).
@MainActor
public final class ChatConversations {
    /// The cluster the workload chats go through; the runner keeps it current across `:ctx`.
    public var client: KubeClient?
    /// Where ctrl-o and a bare `:w` save transcripts.
    public let saveDirectory: URL
    private let makeLocal: @MainActor () -> any ChatBackend
    private let makeCluster: @MainActor (KubeClient, InferenceWorkload) -> any ChatBackend
    private var local: (any ChatBackend)?
    private var exchanges: [String: ChatExchange] = [:]
    private let now: () -> Date

    /// The real backends: the default model (or `$KVDECK_CHAT_MODEL`) in process, workloads through the proxy.
    public convenience init(environment: [String: String], now: @escaping () -> Date = Date.init) {
        let model = environment["KVDECK_CHAT_MODEL"].flatMap { $0.isEmpty ? nil : $0 } ?? DefaultModel.path(environment: environment)
        self.init(saveDirectory: ChatConversations.stateDirectory(environment: environment), now: now,
                  local: { LocalChatBackend(modelPath: model) },
                  cluster: { client, workload in ClusterChatBackend(client: client, workload: workload) })
    }

    public init(saveDirectory: URL, now: @escaping () -> Date = Date.init,
                local: @escaping @MainActor () -> any ChatBackend,
                cluster: @escaping @MainActor (KubeClient, InferenceWorkload) -> any ChatBackend) {
        self.saveDirectory = saveDirectory
        self.now = now
        makeLocal = local
        makeCluster = cluster
    }

    /// `$XDG_STATE_HOME/kvdeck/chats`, else `~/.local/state/kvdeck/chats` (beside the log file).
    public static func stateDirectory(environment: [String: String]) -> URL {
        let state = environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["HOME"] ?? NSTemporaryDirectory()) + "/.local/state"
        return URL(fileURLWithPath: state).appendingPathComponent("kvdeck/chats")
    }

    /// The conversation for the local engine (nil key) or a workload (`namespace/name`, or a
    /// name the cluster has once); an error a person can act on when there is none to have.
    func exchange(workloadKey: String?, state: ClusterState) -> Result<ChatExchange, ChatBackendError> {
        guard let wanted = workloadKey else {
            if let e = exchanges[""] { return .success(e) }
            let backend = local ?? makeLocal()
            local = backend
            return .success(remember(ChatExchange(backend: backend, now: now), key: ""))
        }
        let all = state.workloads(servingOnly: false)
        let matches = all.filter { $0.key == wanted || $0.name == wanted }
        guard let workload = matches.first else {
            if state.deployments?.state == nil || state.deployments?.state == .loading {
                return .failure(ChatBackendError("loading workloads…"))
            }
            return .failure(ChatBackendError("no workload named \"\(wanted)\" here (:chat NAME, or c on the workloads screen)"))
        }
        if let e = exchanges[workload.key] { return .success(e) }
        guard let client else { return .failure(ChatBackendError("chatting with a workload needs a cluster connection")) }
        return .success(remember(ChatExchange(backend: makeCluster(client, workload), now: now), key: workload.key))
    }

    private func remember(_ exchange: ChatExchange, key: String) -> ChatExchange {
        exchanges[key] = exchange
        return exchange
    }
}
