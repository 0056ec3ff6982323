/// One slice of a sweep for one process of a batch job: shard `index` of `count` runs the
/// points whose index leaves `index` when divided by `count` (every count-th point from
/// index). Dealing points round-robin keeps the shards' work even when cost grows along
/// the grid (higher rates, more replicas). Both numbers count from 0 like array task ids.
public struct Shard: Sendable, Equatable, Codable {
    /// 0-based, below `count`.
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) { self.index = index; self.count = count }

    /// Whether point `i` (0-based) is this shard's.
    public func owns(_ point: Int) -> Bool { point % count == index }

    /// `"I/N"` as written on the command line.
    public var text: String { "\(index)/\(count)" }

    /// Reads `--shard I/N` or `--shard auto`. `auto` takes the index from Slurm's array
    /// variables (`SLURM_ARRAY_TASK_ID` less `SLURM_ARRAY_TASK_MIN`, divided by
    /// `SLURM_ARRAY_TASK_STEP`; the count from `SLURM_ARRAY_TASK_COUNT`), else from
    /// Kubernetes' `JOB_COMPLETION_INDEX` with the count from `shards` (`--shards N`, the
    /// Job's `completions`). Throws `ExperimentError` saying what is missing.
    public static func parse(_ text: String, shards: Int?, environment env: [String: String]) throws -> Shard {
        if let n = shards, n < 1 { throw ExperimentError("--shards must be at least 1, not \(n)") }
        if text == "auto" {
            func int(_ key: String) throws -> Int? {
                guard let v = env[key] else { return nil }
                guard let i = Int(v.trimmingCharacters(in: .whitespaces)) else {
                    throw ExperimentError("--shard auto: \(key)='\(v)' is not a whole number")
                }
                return i
            }
            if let id = try int("SLURM_ARRAY_TASK_ID") {
                guard let count = try int("SLURM_ARRAY_TASK_COUNT") else {
                    throw ExperimentError("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")
                }
                let min = try int("SLURM_ARRAY_TASK_MIN") ?? 0
                let step = max(1, try int("SLURM_ARRAY_TASK_STEP") ?? 1)
                if let n = shards, n != count {
                    throw ExperimentError("--shard auto: --shards \(n) disagrees with SLURM_ARRAY_TASK_COUNT=\(count)")
                }
                guard (id - min) % step == 0 else {
                    throw ExperimentError("--shard auto: SLURM_ARRAY_TASK_ID=\(id) is not on the array's step \(step) from \(min)")
                }
                return try checked(Shard(index: (id - min) / step, count: count), from: "SLURM_ARRAY_TASK_ID=\(id)")
            }
            if let i = try int("JOB_COMPLETION_INDEX") {
                guard let n = shards else {
                    throw ExperimentError("--shard auto: JOB_COMPLETION_INDEX is set; give the Job's completions as --shards N")
                }
                return try checked(Shard(index: i, count: n), from: "JOB_COMPLETION_INDEX=\(i)")
            }
            throw ExperimentError("--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm array job) nor "
                + "JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; use --shard I/N")
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw ExperimentError("--shard '\(text)': write I/N (e.g. 0/4, counting from 0) or auto")
        }
        if let s = shards, s != n { throw ExperimentError("--shard \(text) disagrees with --shards \(s)") }
        return try checked(Shard(index: i, count: n), from: "--shard \(text)")
    }

    static func checked(_ s: Shard, from: String) throws -> Shard {
        guard s.count >= 1 else { throw ExperimentError("\(from): the number of shards must be at least 1") }
        guard s.index >= 0, s.index < s.count else {
            throw ExperimentError("\(from): shard \(s.index) of \(s.count) does not exist (shards count from 0 to \(s.count - 1))")
        }
        return s
    }
}
