/// A YAML text that could not be read: libyaml's scanner/parser errors, and our own
/// (duplicate keys, unknown aliases, alias bombs, bad merge keys, wrong document count).
public struct YAMLError: Error, CustomStringConvertible, Sendable, Equatable {
    /// 1-based line of the problem.
    public var line: Int
    /// 1-based column of the problem, counted in characters.
    public var column: Int
    /// What is wrong, e.g. "mapping values are not allowed in this context".
    public var problem: String
    /// Where the reader was, e.g. "while scanning a quoted scalar at line 1, column 7".
    public var context: String?

    public init(line: Int, column: Int, problem: String, context: String? = nil) {
        self.line = line
        self.column = column
        self.problem = problem
        self.context = context
    }

    /// "line 3, column 7: mapping values are not allowed in this context", followed by the
    /// context in parentheses when there is one.
    public var description: String {
        var s = "line \(line), column \(column): \(problem)"
        if let context { s += " (\(context))" }
        return s
    }
}
