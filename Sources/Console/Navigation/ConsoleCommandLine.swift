/// What a `:` command asks for.
public enum NavigationCommand: Sendable, Equatable {
    case open(ScreenID)
    /// Pods of a workload named by the user (`:pods smollm2`, `:pods llm-prod/smollm2`).
    case podsOf(String)
    /// nil switches to all namespaces.
    case namespace(String?)
    case context(String)
    case help
    case quit
}

/// The `:` commands, their k9s-style aliases and completion. `:deploy`, whose issue comes later,
/// is here already, so the navigation does not change shape.
public enum ConsoleCommandLine {
    public struct Command: Sendable {
        public var name: String
        public var aliases: [String]
        public var summary: String
        /// What the argument is, for completion and help; nil when it takes none.
        public var argument: Argument?
    }

    public enum Argument: Sendable, Equatable {
        case namespace, context, workload, optionalObject
    }

    public static let commands: [Command] = [
        Command(name: "workloads", aliases: ["wl", "workload", "dp", "deployments", "sts"], summary: "vLLM workloads", argument: nil),
        Command(name: "pods", aliases: ["po", "pod"], summary: "pods (of a workload: :pods NAME)", argument: .workload),
        Command(name: "nodes", aliases: ["no", "node"], summary: "nodes and their GPUs", argument: nil),
        Command(name: "events", aliases: ["ev", "event"], summary: "events (of an object: :events KIND/NAME)", argument: .optionalObject),
        Command(name: "ns", aliases: ["namespace", "namespaces"], summary: "switch namespace (:ns all for every one)", argument: .namespace),
        Command(name: "ctx", aliases: ["context", "contexts"], summary: "switch kubeconfig context", argument: .context),
        Command(name: "history", aliases: ["hist", "rollout"], summary: "rollout history of a workload: diffs, undo (:history NAME)", argument: .workload),
        Command(name: "canary", aliases: ["cn"], summary: "canary of a workload or route: step, promote, abort (:canary NAME)", argument: .workload),
        Command(name: "deploy", aliases: [], summary: "deploy a template: parameters, preview, apply, rollout", argument: nil),
        Command(name: "chat", aliases: [], summary: "chat with the local engine (of a workload: :chat NAME)", argument: .workload),
        Command(name: "help", aliases: ["?", "h"], summary: "keys of this screen", argument: nil),
        Command(name: "quit", aliases: ["q", "q!", "exit"], summary: "quit kvdeck", argument: nil),
    ]

    public static func command(named word: String) -> Command? {
        let w = word.lowercased()
        return commands.first { $0.name == w || $0.aliases.contains(w) }
    }

    /// Parses a command line (without the `:`). Errors are the one line the footer shows.
    public static func parse(_ line: String) throws -> NavigationCommand {
        let words = line.split(separator: " ").map(String.init)
        guard let first = words.first else { throw CommandLineError(message: "type a command, e.g. :pods or :ns NAME") }
        guard let command = command(named: first) else {
            throw CommandLineError(message: "unknown command \"\(first)\" (Tab completes; :help lists them)")
        }
        let argument = words.count > 1 ? words[1] : nil
        switch command.name {
        case "workloads": return .open(.workloads)
        case "pods": return argument.map { .podsOf($0) } ?? .open(.allPods)
        case "nodes": return .open(.nodes)
        case "events":
            guard let argument else { return .open(.events(.all)) }
            let parts = argument.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw CommandLineError(message: "events of an object: :events KIND/NAME, e.g. :events pod/smollm2-0") }
            return .open(.events(.object(kind: kindName(parts[0]), key: parts[1])))
        case "ns":
            guard let argument else { throw CommandLineError(message: ":ns NAME, or :ns all for every namespace") }
            return .namespace(argument == "all" || argument == "-A" ? nil : argument)
        case "ctx":
            guard let argument else { throw CommandLineError(message: ":ctx NAME (Tab completes the kubeconfig's contexts)") }
            return .context(argument)
        case "history": return .open(.rolloutHistory(workloadKey: argument))
        case "canary": return .open(.canary(workloadKey: argument))
        case "deploy": return .open(.deploy)
        case "chat": return .open(.chat(workloadKey: argument))
        case "help": return .help
        default: return .quit
        }
    }

    /// "po" → "Pod", "deploy" → "Deployment": kinds as events name them.
    static func kindName(_ word: String) -> String {
        switch word.lowercased() {
        case "po", "pod", "pods": return "Pod"
        case "dp", "deploy", "deployment", "deployments": return "Deployment"
        case "sts", "statefulset", "statefulsets": return "StatefulSet"
        case "rs", "replicaset", "replicasets": return "ReplicaSet"
        case "no", "node", "nodes": return "Node"
        default: return word
        }
    }

    /// Candidates for the word being typed: command names first, then the argument's values
    /// (`values` gives namespaces, contexts or workloads as the console knows them).
    public static func completions(for line: String, values: (Argument) -> [String]) -> [String] {
        let endsWithSpace = line.hasSuffix(" ")
        let words = line.split(separator: " ").map(String.init)
        if words.count <= 1 && !endsWithSpace {
            let prefix = (words.first ?? "").lowercased()
            return commands.map(\.name).filter { $0.hasPrefix(prefix) }
        }
        guard let first = words.first, let command = command(named: first), let argument = command.argument else { return [] }
        let prefix = endsWithSpace ? "" : (words.last ?? "")
        var candidates = values(argument)
        if argument == .namespace { candidates = ["all"] + candidates }
        return candidates.filter { $0.hasPrefix(prefix) }
    }

    /// Completes the line (Tab): to the only candidate, or to the candidates' longest common prefix.
    public static func complete(_ line: String, values: (Argument) -> [String]) -> String {
        let candidates = completions(for: line, values: values)
        guard !candidates.isEmpty else { return line }
        let words = line.split(separator: " ").map(String.init)
        let typedCommand = words.count <= 1 && !line.hasSuffix(" ")
        let head = typedCommand ? "" : (words.first ?? "") + " "
        if candidates.count == 1 {
            let takesArgument = typedCommand && command(named: candidates[0])?.argument != nil
            return head + candidates[0] + (takesArgument ? " " : "")
        }
        var common = candidates[0]
        for c in candidates.dropFirst() {
            while !c.hasPrefix(common) { common.removeLast() }
        }
        let typed = typedCommand ? (words.first ?? "") : (line.hasSuffix(" ") ? "" : (words.last ?? ""))
        return common.count > typed.count ? head + common : line
    }
}

public struct CommandLineError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var description: String { message }
}
