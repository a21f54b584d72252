import Foundation
import Synchronization

/// Failed logins in a sliding window, in two kinds of bucket:
/// - per email and client address: past `perEmailAndAddress` failures, that client's attempts for that email get a
///   429 without a password check (guessing one account from one place is slow, and costs no scrypt work);
/// - per client address, across emails: past `perAddress` failures the password is still checked, and correct
///   credentials still log in; only wrong ones answer 429. One address (or a proxy many people share) can then
///   neither lock every user out nor learn more than before.
/// Emails are compared trimmed and lower-cased, so spacing or case cannot open a fresh bucket.
final class LoginThrottle: Sendable {
    struct Limits: Sendable {
        var window: Double = 300
        /// Failures for one email from one address within the window (Sentry allows 5 per minute per username).
        var perEmailAndAddress = 5
        /// Failures from one address within the window, across emails.
        var perAddress = 20
    }

    enum Verdict: Equatable {
        case allowed
        /// Check the password; a wrong one answers 429 with this wait.
        case checkThenThrottle(retryAfter: Int)
        /// Refuse without checking.
        case refused(retryAfter: Int)
    }

    private let limits: Limits
    private let failures = Mutex<[String: [Double]]>([:])

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    static func normalize(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    func verdict(email: String, address: String?, now: Double = Date().timeIntervalSince1970) -> Verdict {
        failures.withLock { failures in
            if let wait = Self.wait(&failures, pairKey(email, address), limit: limits.perEmailAndAddress,
                                    window: limits.window, now: now) {
                return .refused(retryAfter: wait)
            }
            if let address, let wait = Self.wait(&failures, "address:" + address, limit: limits.perAddress,
                                                 window: limits.window, now: now) {
                return .checkThenThrottle(retryAfter: wait)
            }
            return .allowed
        }
    }

    func recordFailure(email: String, address: String?, now: Double = Date().timeIntervalSince1970) {
        failures.withLock { failures in
            // Bounded: a flood of made-up emails must not grow the table without end.
            if failures.count > 100_000 { failures.removeAll() }
            failures[pairKey(email, address), default: []].append(now)
            if let address { failures["address:" + address, default: []].append(now) }
        }
    }

    func recordSuccess(email: String, address: String?) {
        _ = failures.withLock { $0.removeValue(forKey: pairKey(email, address)) }
    }

    private func pairKey(_ email: String, _ address: String?) -> String {
        "email:" + Self.normalize(email) + "|" + (address ?? "-")
    }

    /// Seconds until the bucket has room, after dropping failures older than the window; nil when it has room now.
    private static func wait(_ failures: inout [String: [Double]], _ key: String, limit: Int, window: Double,
                             now: Double) -> Int? {
        let recent = failures[key, default: []].filter { $0 > now - window }
        failures[key] = recent.isEmpty ? nil : recent
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, Int((oldest + window - now).rounded(.up)))
    }
}
