/// "Did you mean" candidates by edit distance.
enum Suggest {
    /// The closest candidate, when it is close enough to be a plausible typo.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let w = normalise(word)
        guard !w.isEmpty else { return nil }
        var best: (String, Int)?
        for c in candidates {
            let d = distance(w, normalise(c))
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

    /// Damerau–Levenshtein (optimal string alignment): a swap of two letters is one edit.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        // Inputs are names; cap the work for pathological lengths.
        if x.count > 64 || y.count > 64 { return max(x.count, y.count) }
        var d = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }
}
