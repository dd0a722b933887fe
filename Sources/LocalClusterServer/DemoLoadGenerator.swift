import Foundation
import Kube
import LocalCluster
import Logging
import YAML

/// The demo's gentle load, so that graphs move: a short chat request every few seconds, sent the
/// way a gateway would send it — to the stable or the canary Service in the ratio the HTTPRoute's
/// weights say — through the API server's service proxy to the engine pods. One request at a
/// time, a few dozen tokens each: a small share of two cores.
public actor DemoLoadGenerator {
    private let api: any APIRequestHandler
    private let namespace: String
    private let route: String
    private let interval: Duration
    private let logger: Logger
    private var task: Task<Void, Never>?
    private var rng = SystemRandomNumberGenerator()
    public private(set) var sent = 0
    public private(set) var succeeded = 0

    static let questions = [
        "What is the capital of France?", "Name three primary colours.", "What is 12 times 7?",
        "Give me a synonym for happy.", "What does a GPU do?", "Write a haiku about the sea.",
        "What is Kubernetes in one sentence?", "Which planet is closest to the sun?",
    ]

    public init(api: any APIRequestHandler, namespace: String = DemoSeed.namespace, route: String = "smollm2",
                interval: Duration = .seconds(3), logger: Logger = Logger(label: "kvdeck.demo.load")) {
        self.api = api
        self.namespace = namespace
        self.route = route
        self.interval = interval
        self.logger = logger
    }

    public func start() {
        guard task == nil else { return }
        task = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                await self.sendOne()
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    public func stop() {
        task?.cancel()
        task = nil
    }

    /// One request to a backend chosen by the route's weights.
    func sendOne() async {
        guard let backend = await pickBackend() else { return }
        let question = Self.questions.randomElement(using: &rng) ?? "Hello"
        let body: JSONValue = ["model": "smollm2", "max_tokens": 32, "temperature": 0.7,
                               "messages": [["role": "user", "content": .string(question)]]]
        let request = ServerRequest(method: "POST",
                                    path: "/api/v1/namespaces/\(namespace)/services/\(backend.service):\(backend.port)/proxy/v1/chat/completions",
                                    headers: [("Content-Type", "application/json")], body: body.jsonData(), user: "kvdeck-demo-load")
        sent += 1
        let response = await api.handle(request)
        // Read the answer to the end, as a client does; the engine finishes the request either way.
        if case .stream(let chunks) = response.body { for await _ in chunks {} }
        if response.status == 200 { succeeded += 1 } else {
            logger.debug("demo load request failed", metadata: ["service": "\(backend.service)", "status": "\(response.status)"])
        }
    }

    /// A backendRef of the HTTPRoute, drawn by weight; nil when the route is missing or all weights are 0.
    func pickBackend() async -> (service: String, port: Int)? {
        let response = await api.handle(ServerRequest(method: "GET",
            path: "/apis/gateway.networking.k8s.io/v1/namespaces/\(namespace)/httproutes/\(route)", user: "kvdeck-demo-load"))
        guard response.status == 200, case .data(let data) = response.body, let object = try? JSONValue(json: data) else { return nil }
        let refs = (object["spec"]?["rules"]?.arrayValue ?? []).flatMap { $0["backendRefs"]?.arrayValue ?? [] }
        let weighted = refs.compactMap { ref -> (String, Int, Int)? in
            guard let name = ref["name"]?.stringValue else { return nil }
            return (name, Int(ref["port"]?.intValue ?? 8000), Int(ref["weight"]?.intValue ?? 1))
        }.filter { $0.2 > 0 }
        let total = weighted.reduce(0) { $0 + $1.2 }
        guard total > 0 else { return nil }
        var pick = Int.random(in: 0..<total, using: &rng)
        for (name, port, weight) in weighted {
            if pick < weight { return (name, port) }
            pick -= weight
        }
        return nil
    }
}
