import Foundation
import Synchronization

/// Failed logins per email and per client address in a sliding window: past the limit, attempts get a 429 without
/// a password check, so guessing is slow and cannot load the server with scrypt work.
final class LoginThrottle: Sendable {
    struct Limits: Sendable {
        var window: Double = 300
        /// Failures for one email within the window (Sentry allows 5 per minute per username, then 429).
        var perEmail = 5
        /// Failures from one address within the window, across emails.
        var perAddress = 20
    }

    private let limits: Limits
    private let failures = Mutex<[String: [Double]]>([:])

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Seconds until another attempt is allowed, or nil if one is allowed now.
    func retryAfter(email: String, address: String?, now: Double = Date().timeIntervalSince1970) -> Int? {
        failures.withLock { failures in
            var wait: Double?
            for (key, limit) in keys(email: email, address: address) {
                let recent = failures[key, default: []].filter { $0 > now - limits.window }
                failures[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit, let oldest = recent.first {
                    wait = max(wait ?? 0, oldest + limits.window - now)
                }
            }
            return wait.map { max(1, Int($0.rounded(.up))) }
        }
    }

    func recordFailure(email: String, address: String?, now: Double = Date().timeIntervalSince1970) {
        failures.withLock { failures in
            // Bounded: a flood of made-up emails must not grow the table without end.
            if failures.count > 100_000 { failures.removeAll() }
            for (key, _) in keys(email: email, address: address) { failures[key, default: []].append(now) }
        }
    }

    func recordSuccess(email: String) {
        _ = failures.withLock { $0.removeValue(forKey: "email:" + email.lowercased()) }
    }

    private func keys(email: String, address: String?) -> [(String, Int)] {
        var keys = [("email:" + email.lowercased(), limits.perEmail)]
        if let address { keys.append(("address:" + address, limits.perAddress)) }
        return keys
    }
}
