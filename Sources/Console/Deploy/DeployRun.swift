import Deploy
import Foundation
import Kube

/// The deploy screen's work with the cluster, off the UI loop: the server's dry-run preview, the
/// server-side apply, then the rollout followed live. Each step runs in its own task and
/// publishes what it learnt; the screen only reads `progress` when it draws (and `changed` says
/// a frame is due). Uses `ClusterDeploy`, so the requests are exactly `kvdeck deploy`'s.
@MainActor
final class DeployRun {
    enum Stage: Equatable {
        case idle, previewing, previewed, applying, rollingOut, rolledOut, failed
    }

    struct RolloutLine: Equatable {
        var reference: String
        var message: String
        var done: Bool
    }

    struct Progress {
        var stage: Stage = .idle
        /// The server's dry-run answer, object by object.
        var changes: [ObjectChange] = []
        /// What the apply will send (for the confirmation step).
        var requests: [ApplyRequest] = []
        /// "deployment.apps/qwen serverside-applied", as the CLI prints it.
        var applied: [String] = []
        var rollout: [RolloutLine] = []
        var error: String?
    }

    private(set) var progress = Progress()
    /// Set when `progress` changed since the screen last drew.
    var changed = false
    private var task: Task<Void, Never>?
    private let pollInterval: Duration

    init(pollInterval: Duration = .seconds(1)) {
        self.pollInterval = pollInterval
    }

    /// Asks the server what applying would change (`dryRun=All`) and what would be sent.
    func preview(_ rendered: RenderedTemplate, client: KubeClient) {
        start(.previewing) { run in
            let deployer = ClusterDeploy(client: client, fieldManager: "kvdeck")
            let changes = try await deployer.preview(rendered)
            let requests = try await deployer.requests(for: rendered)
            await run.update { $0.changes = changes; $0.requests = requests; $0.stage = .previewed }
        }
    }

    /// Applies every object server-side, then polls each Deployment and StatefulSet until it has rolled out.
    func apply(_ rendered: RenderedTemplate, client: KubeClient) {
        let interval = pollInterval
        start(.applying) { run in
            let deployer = ClusterDeploy(client: client, fieldManager: "kvdeck")
            let applied = try await deployer.apply(rendered)
            let appliedLines = applied.map { "\($0.reference) serverside-applied" }
            await run.update { $0.applied = appliedLines; $0.stage = .rollingOut }
            let workloads = applied.filter { ["Deployment", "StatefulSet"].contains($0.object["kind"]?.stringValue ?? "") }
            while !Task.isCancelled {
                var lines: [RolloutLine] = []
                for (reference, object) in workloads {
                    if let status = try await deployer.rollout(of: object) {
                        lines.append(RolloutLine(reference: reference, message: status.message, done: status.done))
                    }
                }
                let current = lines, finished = lines.allSatisfy(\.done)
                await run.update { $0.rollout = current; if finished { $0.stage = .rolledOut } }
                if finished { return }
                try await Task.sleep(for: interval)
            }
        }
    }

    /// Stops what is running (the screen closed, or went back to edit).
    func cancel() {
        task?.cancel()
        task = nil
    }

    /// Back to before the preview: the form changed, so the old answer no longer holds.
    func reset() {
        cancel()
        progress = Progress()
        changed = true
    }

    private func start(_ stage: Stage, _ work: @escaping @Sendable (DeployRunUpdates) async throws -> Void) {
        cancel()
        progress.stage = stage
        progress.error = nil
        changed = true
        let updates = DeployRunUpdates(run: self)
        task = Task { @MainActor in
            do {
                try await work(updates)
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                self.progress.error = "\(error)"
                self.progress.stage = .failed
                self.changed = true
            }
        }
    }

    fileprivate func record(_ change: (inout Progress) -> Void) {
        change(&progress)
        changed = true
    }
}

/// How a step's task hands what it learnt back to the run on the main actor.
struct DeployRunUpdates: Sendable {
    weak var run: DeployRun?

    @MainActor
    func update(_ change: @Sendable (inout DeployRun.Progress) -> Void) {
        guard let run, !Task.isCancelled else { return }
        run.record(change)
    }

    @MainActor
    init(run: DeployRun) { self.run = run }
}
