// Frames as plain text, no terminal: for tests, docs and CI logs.

/// Renders `frames` frames spread evenly over the run: frame i of N is taken at
/// simulated time duration * i / N, so the last frame shows the finished run.
/// Each frame is preceded by a "--- frame i/N at t=...s ---" line.
public func renderHeadless<S: SnapshotSource>(source: inout S, frames: Int, size: Size, glyphs: Glyphs,
                                              ui: UIState) -> String {
    var out = ""
    renderHeadless(source: &source, frames: frames, size: size, glyphs: glyphs, ui: ui) { out += $0 }
    return out
}

/// The same, handing each frame to `emit` as soon as it is drawn: memory holds one frame
/// however many are asked for.
public func renderHeadless<S: SnapshotSource>(source: inout S, frames: Int, size: Size, glyphs: Glyphs,
                                              ui: UIState, emit: (String) -> Void) {
    let n = max(1, frames)
    for i in 1...n {
        let t = source.durationSeconds * Double(i) / Double(n)
        var snap = source.advance(to: t)
        snap.runState = i == n ? .finished : (ui.paused ? .paused : .running)
        var state = ui
        state.topologyCount = snap.topologies.count
        emit("--- frame \(i)/\(n) at t=\(Fmt.seconds(snap.simSeconds)) ---\n"
            + layout(snap, state, size: size, glyphs: glyphs).description + "\n")
    }
}
