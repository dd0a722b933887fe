import ArgumentParser

/// `kvdeck rollout ...`: kubectl's rollout verbs for Deployments and StatefulSets.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Watch, list, undo, restart, pause and resume rollouts, as kubectl rollout does.",
        subcommands: [RolloutStatusCommand.self, RolloutHistoryCommand.self, RolloutUndoCommand.self,
                      RolloutRestartCommand.self, RolloutPauseCommand.self, RolloutResumeCommand.self])
}

/// Go's time.ParseDuration for the forms kubectl users write: "0", "90s", "5m", "1h30m", "250ms".
enum GoDuration {
    static func parse(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var total = Duration.zero
        var number = ""
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            while let c = rest.first, c.isNumber || c == "." { number.append(c); rest.removeFirst() }
            guard let value = Double(number) else { return nil }
            number = ""
            let unit: Double
            if rest.hasPrefix("ms") { unit = 0.001; rest.removeFirst(2) }
            else if rest.hasPrefix("s") { unit = 1; rest.removeFirst() }
            else if rest.hasPrefix("m") { unit = 60; rest.removeFirst() }
            else if rest.hasPrefix("h") { unit = 3600; rest.removeFirst() }
            else { return nil }
            total += .milliseconds(Int64((value * unit * 1000).rounded()))
        }
        return total
    }
}
