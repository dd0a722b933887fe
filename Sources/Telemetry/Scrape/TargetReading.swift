import Foundation

/// One successful scrape, parsed: what a target's state is updated from.
public enum TargetReading: Sendable {
    case server(ServerSnapshot, badLines: Int)
    case gpus([GPUDevice], badLines: Int)
    case fleet([String: ModelWindow], gpus: [GPUDevice])

    /// Parses what a fetch returned. Throws `notAnExposition` for a body that has no metric family
    /// and is not empty text either (an HTML error page served with 200, a JSON answer): counting
    /// such a target as "metrics disabled" would hide a wrong port or path.
    public static func parse(_ fetched: FetchedMetrics, role: ScrapeTarget.Role, at time: Date) throws(ScrapeError) -> TargetReading {
        switch fetched {
        case let .fleet(windows, gpus):
            return .fleet(windows, gpus: gpus)
        case let .exposition(body, contentType):
            let exposition = Exposition(parsing: body, format: ExpositionFormat(contentType: contentType))
            if exposition.families.isEmpty {
                if let first = exposition.badLines.first {
                    throw .notAnExposition(detail: "line \(first.line): \(first.reason)")
                }
                if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
                    throw .notAnExposition(detail: "empty body")
                }
            }
            let badLines = exposition.badLines.count
            switch role {
            case .gpuExporter: return .gpus(GPUDevice.devices(in: exposition), badLines: badLines)
            case .server: return .server(ServerSnapshot(exposition: exposition, time: time), badLines: badLines)
            }
        }
    }
}
