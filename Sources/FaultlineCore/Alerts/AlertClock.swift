import Foundation
import Synchronization

/// Alerting's "now": real time, moved forward by `advance` — only a server started with `--test-clock` exposes that,
/// so end-to-end tests can move alert windows without sleeping.
public final class AlertClock: Sendable {
    private let offset = Mutex(0.0)

    public init() {}

    public func now() -> Double { Date().timeIntervalSince1970 + offset.withLock { $0 } }

    /// Moves the clock forward by `seconds`; returns the new offset from real time.
    @discardableResult
    public func advance(by seconds: Double) -> Double {
        offset.withLock {
            $0 += seconds
            return $0
        }
    }
}
