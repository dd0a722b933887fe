import Operations

/// The difference between two revisions' pod templates, as lines of `diff -u` over kubectl's
/// describe text of each (what `rollout history --revision=N` prints), so images, args, env and
/// resources read as they do in kubectl. The pod-template-hash label differs between every two
/// revisions and says nothing, so it is left out.
public enum RevisionDiff {
    public static func text(from old: RevisionEntry, to new: RevisionEntry) -> String {
        LineDiff.unified(describe(old), describe(new), oldName: "revision \(old.revision)", newName: "revision \(new.revision)")
    }

    static func describe(_ entry: RevisionEntry) -> String {
        PodTemplateDescription.text(PodTemplateJSON.withoutHash(entry.template))
    }
}
