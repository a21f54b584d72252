import SentryProtocol
import Synchronization

/// DSN keys' rate limits as fixed windows aligned to the epoch (as Relay's quotas are): a key may send `count` error
/// events in each `window`-second slot. Counted in memory, so a restart starts every window afresh.
final class KeyRateLimiter: Sendable {
    private struct Window {
        var start: Double
        var used: Int
    }

    private let windows = Mutex<[Int: Window]>([:])

    /// Takes `quantity` from the key's current window; nil when admitted, else the seconds until the window ends.
    func admit(keyID: Int, limit: ProjectKey.RateLimit, quantity: Int, now: Double) -> Int? {
        let length = Double(max(limit.window, 1))
        let start = (now / length).rounded(.down) * length
        return windows.withLock { windows in
            var window = windows[keyID] ?? Window(start: start, used: 0)
            if window.start != start { window = Window(start: start, used: 0) }
            guard window.used.saturatingAdding(quantity) <= limit.count else {
                return max(1, Int((start + length - now).rounded(.up)))
            }
            window.used = window.used.saturatingAdding(quantity)
            windows[keyID] = window
            return nil
        }
    }
}
