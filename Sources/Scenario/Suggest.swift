import TextKit

/// "Did you mean" candidates by edit distance.
enum Suggest {
    /// The closest candidate, when it is close enough to be a plausible typo.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let w = normalise(word)
        guard !w.isEmpty else { return nil }
        var best: (String, Int)?
        for c in candidates {
            let d = EditDistance.between(w, normalise(c))
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let (name, d) = best, name != word else { return nil }
        // About a third of the length: one edit from 3 letters, none for 1-2 letter names.
        let limit = min(3, max(w.count, name.count) / 3)
        if d <= limit { return name }
        // A prefix that is long enough (e.g. `replica` for `replicas`) is still a hint.
        let n = normalise(name)
        if w.count >= 4, n.hasPrefix(w) || w.hasPrefix(n) { return name }
        return nil
    }

    /// Case, `-` versus `_` and spaces do not count as typos.
    static func normalise(_ s: String) -> String {
        String(s.lowercased().map { $0 == "-" || $0 == " " ? "_" : $0 })
    }
}
