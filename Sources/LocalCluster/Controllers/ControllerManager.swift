import Foundation
import Kube
import Logging

/// Settings of the local cluster's controllers.
public struct ControllerConfiguration: Sendable {
    public var clock: ControllerClock
    /// How long after binding the kubelet stand-in reports a pod Running and Ready.
    public var podStartDelay: Duration
    /// How long a terminating pod takes to go.
    public var podTerminationDelay: Duration
    /// Every controller passes at least this often, even without a change.
    public var resyncInterval: Duration
    /// Informer coalescing: changes within this interval wake the controllers once.
    public var coalesceInterval: Duration

    public init(clock: ControllerClock = ControllerClock(), podStartDelay: Duration = .milliseconds(700),
                podTerminationDelay: Duration = .seconds(2), resyncInterval: Duration = .seconds(30),
                coalesceInterval: Duration = .milliseconds(20)) {
        self.clock = clock
        self.podStartDelay = podStartDelay
        self.podTerminationDelay = podTerminationDelay
        self.resyncInterval = resyncInterval
        self.coalesceInterval = coalesceInterval
    }
}

/// Runs the local cluster's control loops against an API handler, as API clients through
/// `InProcessTransport`: the deployment, replica set, stateful set and disruption controllers (as
/// `system:kube-controller-manager`), the scheduler (`system:kube-scheduler`) and the kubelet
/// stand-in (`system:node`). Informers on deployments, replica sets, stateful sets, pods, nodes and
/// pod disruption budgets wake every
/// loop; each loop then makes a full pass from fresh reads (level-triggered, so a missed or
/// coalesced notification costs nothing but latency).
public actor ControllerManager {
    private let api: any APIRequestHandler
    private let configuration: ControllerConfiguration
    private let kubelet: StandInKubelet?
    private let logger = Logger(label: "kvdeck.localcluster.controllers")
    private var tasks: [Task<Void, Never>] = []
    private var stopInformers: [@Sendable () async -> Void] = []
    private var wakers: [AsyncStream<Void>.Continuation] = []

    /// - Parameter kubelet: serves Running pods' logs and proxy paths; give the same one to
    ///   `LocalAPI(podEndpoints: kubelet.endpoints)`. Without one, pods run nothing at all.
    public init(api: any APIRequestHandler, configuration: ControllerConfiguration = ControllerConfiguration(),
                kubelet: StandInKubelet? = nil) {
        self.api = api
        self.configuration = configuration
        self.kubelet = kubelet
    }

    static func client(_ api: any APIRequestHandler, user: String) -> KubeClient {
        KubeClient(connection: ClusterConnection(server: URL(string: "https://local.invalid")!, transport: TransportOptions(),
                                                 credentials: NoCredentials()),
                   transport: InProcessTransport(handler: api, user: user))
    }

    public func start() {
        guard tasks.isEmpty else { return }
        let clock = configuration.clock
        let manager = Self.client(api, user: "system:kube-controller-manager")
        let reconcilers: [any Reconciler] = [
            DeploymentController(client: manager, clock: clock),
            ReplicaSetController(client: manager, clock: clock),
            StatefulSetController(client: manager, clock: clock),
            DisruptionBudgetController(client: manager, clock: clock),
            Scheduler(client: Self.client(api, user: "system:kube-scheduler"), clock: clock),
            PodLifecycle(client: Self.client(api, user: "system:node"), clock: clock,
                         startDelay: configuration.podStartDelay, terminationDelay: configuration.podTerminationDelay,
                         kubelet: kubelet),
        ]
        for reconciler in reconcilers {
            let (stream, waker) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
            wakers.append(waker)
            waker.yield()
            tasks.append(Task { [configuration, logger] in
                await Self.loop(reconciler, wakeups: stream, waker: waker, configuration: configuration, logger: logger)
            })
        }
        let informerConfiguration = InformerConfiguration(coalesceInterval: configuration.coalesceInterval)
        watch(Informer<Deployment>(client: manager, namespace: nil, configuration: informerConfiguration))
        watch(Informer<ReplicaSet>(client: manager, namespace: nil, configuration: informerConfiguration))
        watch(Informer<StatefulSet>(client: manager, namespace: nil, configuration: informerConfiguration))
        watch(Informer<Pod>(client: manager, namespace: nil, configuration: informerConfiguration))
        watch(Informer<Node>(client: manager, namespace: nil, configuration: informerConfiguration))
        watch(Informer<DisruptionBudgetMetadata>(client: manager, namespace: nil, configuration: informerConfiguration))
    }

    private func watch<T: KubeResource>(_ informer: Informer<T>) {
        let wakers = self.wakers
        stopInformers.append { await informer.stop() }
        tasks.append(Task {
            await informer.start()
            for await _ in await informer.updates() {
                for waker in wakers { waker.yield() }
            }
        })
    }

    /// Stops every loop and informer; safe to call more than once.
    public func stop() async {
        for stop in stopInformers { await stop() }
        for waker in wakers { waker.finish() }
        for task in tasks { task.cancel() }
        stopInformers = []
        wakers = []
        tasks = []
    }

    private static func loop(_ reconciler: any Reconciler, wakeups: AsyncStream<Void>, waker: AsyncStream<Void>.Continuation,
                             configuration: ControllerConfiguration, logger: Logger) async {
        var timer: Task<Void, Never>?
        for await _ in wakeups {
            if Task.isCancelled { break }
            var next = configuration.resyncInterval
            do {
                if let wait = try await reconciler.reconcile() { next = min(next, wait) }
            } catch {
                if Task.isCancelled { break }
                logger.warning("controller pass failed; retrying", metadata: ["controller": "\(reconciler.name)", "error": "\(error)"])
                next = min(next, .milliseconds(200))
            }
            timer?.cancel()
            timer = Task {
                do { try await configuration.clock.sleep(next) } catch { return }
                waker.yield()
            }
        }
        timer?.cancel()
    }
}
