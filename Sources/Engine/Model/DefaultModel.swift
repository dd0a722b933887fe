/// Where the default model (SmolLM2-135M-Instruct, Q4_1 GGUF; `../shared/models/README.md`) lives
/// once `scripts/fetch-model` (run by both README commands) has fetched it.
public enum DefaultModel {
    public static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"
    public static let servedName = "SmolLM2-135M-Instruct"

    /// `$KVDECK_MODEL_CACHE`, else `$XDG_CACHE_HOME/kvdeck/models`, else `~/.cache/kvdeck/models`:
    /// the same rule as `kvd_model_dir` in scripts/lib.sh.
    public static func cacheDirectory(environment: [String: String]) -> String {
        if let d = environment["KVDECK_MODEL_CACHE"], !d.isEmpty { return d }
        if let x = environment["XDG_CACHE_HOME"], !x.isEmpty { return x + "/kvdeck/models" }
        return (environment["HOME"] ?? "") + "/.cache/kvdeck/models"
    }

    public static func path(environment: [String: String]) -> String {
        cacheDirectory(environment: environment) + "/" + fileName
    }
}
