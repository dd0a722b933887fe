import Foundation

extension ScriptServer {
    /// `metrics_test_server.py`: vLLM-shaped `/metrics` (and `/pod/N/metrics`) whose counters grow with time.
    public static func metrics() throws -> ScriptServer {
        try ScriptServer(script: "metrics_test_server.py", arguments: [])
    }

    public var url: String { "http://127.0.0.1:\(port)" }
}
