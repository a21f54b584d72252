import Foundation

/// Reopens issues ignored for a time when their time has come, even if no event arrives (`IssueLifecycle.expire`);
/// without it such an issue stayed ignored until its next event. Checks once a minute on the server's clock (the test
/// clock moves it: `POST /api/0/internal/test-clock/` asks for a check at once).
public final class IgnoredIssueTimer: @unchecked Sendable {
    private let store: any FaultlineStore
    private let clock: @Sendable () -> Double
    private let queue = DispatchQueue(label: "faultline.ignored-issues")
    // Invariant: set once by `start`, from the serving thread; the timer runs for the life of the process.
    private var timer: (any DispatchSourceTimer)?

    public init(store: any FaultlineStore, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.store = store
        self.clock = clock
    }

    public func start() {
        let source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .now() + .seconds(60), repeating: .seconds(60))
        source.setEventHandler { [weak self] in
            guard let self else { return }
            _ = try? self.store.expireIgnoredIssues(now: self.clock())
        }
        source.resume()
        timer = source
    }

    /// Reopens what is due now and returns how many issues reopened.
    @discardableResult
    public func checkNow() throws -> Int {
        try queue.sync { try store.expireIgnoredIssues(now: clock()) }
    }
}
