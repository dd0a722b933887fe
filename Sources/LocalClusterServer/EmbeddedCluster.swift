import Foundation
import Kube
import LocalCluster
import Logging

/// The whole embedded default in one place: the API semantics, the controllers, the HTTPS front
/// with a CA made at start, a kubeconfig for it, and (optionally) the demo's seed.
public actor EmbeddedCluster {
    public struct Started: Sendable {
        public var kubeconfigPath: String
        public var serverURL: String
        public var port: Int
        /// Why pods that serve the default model run as stand-ins although the engine was asked
        /// for (the model could not be loaded); nil when they run the engine or stand-ins were asked for.
        public var engineProblem: String?
    }

    private let api: LocalAPI
    private let controllers: ControllerManager
    private let enginePods: EnginePods?
    private let loadGenerator: DemoLoadGenerator
    private let server: LocalAPIServer
    private let token: String
    private let viewerToken: String
    private let stateDirectory: URL
    private var started: Started?

    /// - Parameters:
    ///   - port: 0 for an ephemeral port.
    ///   - stateDirectory: where the kubeconfig is written (mode 0600).
    ///   - engine: whether pods that serve the default model run the engine (else every pod is a stand-in).
    public init(port: Int = 0, stateDirectory: URL = LocalKubeconfig.defaultStateDirectory(), engine: Bool = true,
                logger: Logger = Logger(label: "kvdeck.local-cluster")) throws {
        // The kubelet stand-in serves pod logs and the pod/service proxy; pods of the default
        // model run the engine in process, others a stand-in server.
        enginePods = engine ? try EnginePods() : nil
        let kubelet = StandInKubelet(makeServer: enginePods?.factory ?? StandInKubelet.standIn)
        api = LocalAPI(podEndpoints: kubelet.endpoints)
        controllers = ControllerManager(api: api, kubelet: kubelet)
        loadGenerator = DemoLoadGenerator(api: api)
        // Fresh random tokens each start: the kubeconfig is the only place they are written. The
        // viewer (context kvdeck-local-viewer) may read but not change, as LocalUsers.standard says.
        token = Self.randomToken()
        viewerToken = Self.randomToken()
        server = LocalAPIServer(handler: api, authority: try LocalCertificateAuthority(),
                                tokens: [token: "kvdeck-admin", viewerToken: LocalUsers.viewerName], port: port, logger: logger)
        self.stateDirectory = stateDirectory
    }

    /// Starts controllers and server, writes the kubeconfig, and seeds the demo when asked.
    /// `progress` hears each step, for a person waiting at a terminal.
    @discardableResult
    public func start(seed: Bool, load: Bool = true, progress: @Sendable (String) -> Void = { _ in }) async throws -> Started {
        if let started { return started }
        progress("starting the controllers (deployments, replica sets, scheduler, pods)")
        await controllers.start()
        progress("starting the API server on 127.0.0.1 with a CA made for this run")
        let port = try await server.start()
        let url = "https://127.0.0.1:\(port)"
        let kubeconfig = LocalKubeconfig(server: url, caCertificatePEM: server.authority.caCertificatePEM, token: token,
                                         viewerToken: viewerToken)
        let path = try kubeconfig.write(toDirectory: stateDirectory)
        // Said before the seed's pods start: without the model they run as stand-ins, and a
        // newcomer looking at idle numbers should know why and what fetches it.
        var engineProblem: String?
        if let enginePods {
            progress("loading the default model (\(enginePods.modelPath))")
            if let error = await enginePods.loadModel() {
                let problem = "the default model could not be loaded: \(error)"
                progress("""
                \(problem)
                  pods that serve it run as stand-ins (they answer /health and /metrics, and completions with 503);
                  scripts/fetch-model fetches the model
                """)
                engineProblem = problem
            }
        }
        if seed {
            progress("seeding namespace \(DemoSeed.namespace): GPU nodes, stable and canary tracks, a traffic split, three revisions")
            let client = KubeClient(connection: ClusterConnection(server: URL(string: url)!, transport: TransportOptions(),
                                                                  credentials: NoCredentials(), namespace: DemoSeed.namespace),
                                    transport: InProcessTransport(handler: api, user: "kvdeck-demo"))
            try await DemoSeed.apply(using: client)
            if load, enginePods != nil, engineProblem == nil {
                progress("starting a gentle load on the route smollm2 (one short chat request every few seconds)")
                await loadGenerator.start()
            }
        }
        let result = Started(kubeconfigPath: path, serverURL: url, port: port, engineProblem: engineProblem)
        started = result
        return result
    }

    private static func randomToken() -> String {
        (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
    }

    public func stop() async {
        await loadGenerator.stop()
        await server.stop()
        await controllers.stop()
        started = nil
    }
}
