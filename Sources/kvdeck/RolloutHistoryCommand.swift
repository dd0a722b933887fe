import ArgumentParser
import Foundation
import Kube
import Operations
import YAML

/// `kvdeck rollout history`: kubectl's REVISION / CHANGE-CAUSE table; `-o wide` adds the image,
/// model, replicas and age of each revision; `--revision=N` shows that revision's pod template.
struct RolloutHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "List the revisions of a rollout.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case wide, json, yaml }

    @Argument(help: "TYPE/NAME or TYPE NAME (deployment, statefulset).")
    var target: [String]

    @Option(name: .long, help: "Show the pod template of this revision.")
    var revision: Int64 = 0

    @Option(name: [.short, .long], help: "Output format: wide, json or yaml.")
    var output: Format?

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        do {
            let (client, connection) = try cluster.connect()
            for warning in connection.warnings { Diagnostics.warn(warning) }
            let ref = try WorkloadRef.parse(target, namespace: connection.namespace)
            var entries = try await RolloutHistory(client: client).entries(ref)
            if revision > 0 {
                entries = entries.filter { $0.revision == revision }
                guard !entries.isEmpty else { throw OperationError.malformed("unable to find the specified revision") }
            }
            switch output {
            case .json: print(JSONValue.array(entries.map(\.json)).jsonString(indentWidth: 4, escapingHTML: true))
            case .yaml: print(YAML.emit(.array(entries.map(\.json))), terminator: "")
            case .wide, nil: print(RolloutHistoryText.render(ref: ref, entries: entries, revision: revision, wide: output == .wide),
                                   terminator: "")
            }
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}

/// kubectl's history text: `TYPE/NAME ` then a tab-aligned table (two spaces between columns).
enum RolloutHistoryText {
    static func render(ref: WorkloadRef, entries: [RevisionEntry], revision: Int64, wide: Bool, now: Date = Date()) -> String {
        if revision > 0, let entry = entries.first {
            return PodTemplateDescription.revisionText(ref: ref, entry: entry)
        }
        if entries.isEmpty { return "No rollout history found.\n" }
        var rows: [[String]] = [wide ? ["REVISION", "CHANGE-CAUSE", "IMAGES", "MODEL", "REPLICAS", "AGE"] : ["REVISION", "CHANGE-CAUSE"]]
        for entry in entries {
            var row = ["\(entry.revision)", entry.changeCause ?? "<none>"]
            if wide {
                row += [entry.images.joined(separator: ","), entry.model ?? "<none>",
                        entry.replicas.map { "\(entry.readyReplicas ?? 0)/\($0)" } ?? "-",
                        entry.created.map { HumanDuration.format(now.timeIntervalSince($0)) } ?? "<unknown>"]
            }
            rows.append(row)
        }
        return "\(ref) \n" + align(rows) + "\n"
    }

    /// Go's tabwriter with padding 2: every column but the last padded to its widest cell.
    static func align(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }
}
