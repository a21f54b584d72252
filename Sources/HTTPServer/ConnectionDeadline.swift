/// What to do when a deadline passes.
enum DeadlineAction: Equatable {
    /// Answer 408 and close: the client started a request and stalled.
    case timeout
    /// Close without a word: an idle keep-alive connection or a peer that stopped reading.
    case close
}

/// The connection deadlines as a pure function of phase and configuration, so they are tested
/// with plain numbers instead of sleeps.
struct ConnectionDeadline {
    let timeouts: HTTPServer.Timeouts

    func deadline(for phase: ConnectionState.Phase) -> (at: UInt64, action: DeadlineAction)? {
        switch phase {
        case .idle(let since): return (since + timeouts.keepAliveIdle.nanoseconds, .close)
        // The head deadline runs from the first byte, so dribbling bytes cannot extend it (slowloris).
        case .head(let started): return (started + timeouts.head.nanoseconds, .timeout)
        case .body(let last): return (last + timeouts.bodyProgress.nanoseconds, .timeout)
        case .handling, .closed: return nil
        case .writing(_, let last): return (last + timeouts.writeProgress.nanoseconds, .close)
        case .lingering(let since): return (since + timeouts.linger.nanoseconds, .close)
        }
    }

    func expired(_ phase: ConnectionState.Phase, now: UInt64) -> DeadlineAction? {
        guard let d = deadline(for: phase), now >= d.at else { return nil }
        return d.action
    }
}

extension Duration {
    var nanoseconds: UInt64 {
        let (s, atto) = components
        return UInt64(max(0, s)) * 1_000_000_000 + UInt64(max(0, atto)) / 1_000_000_000
    }
}
