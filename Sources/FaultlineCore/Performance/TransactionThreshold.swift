import Foundation
import SentryProtocol

/// A project's apdex and user-misery threshold (Sentry's `ProjectTransactionThreshold`, set through
/// `transaction-threshold/configure/`): a transaction is satisfied up to `threshold` ms, tolerated up to four times
/// it, and a user is miserable past four times it. Stored as a project option; no row means Sentry's default.
public struct TransactionThreshold: Sendable, Equatable {
    /// Milliseconds, a multiple of 100 as Sentry requires.
    public var threshold: Int
    /// What the threshold is compared with. Sentry also offers `lcp` (the largest-contentful-paint measurement);
    /// Faultline computes apdex from durations only and refuses it rather than answer with the wrong figure.
    public var metric: String
    public var editedBy: String?
    public var dateAdded: Double
    public var dateUpdated: Double

    public static let defaultThreshold = Int(TransactionTable.defaultThreshold)
    /// Sentry's bound (a 32-bit integer field).
    public static let maxThreshold = 2_147_483_647

    public struct UpdateError: Error, Equatable {
        public let message: String
    }

    public init(threshold: Int = defaultThreshold, metric: String = "duration", editedBy: String? = nil,
                dateAdded: Double = 0, dateUpdated: Double = 0) {
        self.threshold = threshold
        self.metric = metric
        self.editedBy = editedBy
        self.dateAdded = dateAdded
        self.dateUpdated = dateUpdated
    }

    /// The threshold after a POST body (`{"threshold": 500, "metric": "duration"}`, both optional) from `editor` at
    /// `now`; a stored threshold keeps what the body leaves out and its creation date.
    public static func updated(_ stored: TransactionThreshold?, body: JSONRef, editor: String?, now: Double) throws(UpdateError)
        -> TransactionThreshold {
        guard body.kind == .object else { throw UpdateError(message: "The body must be a JSON object.") }
        var result = stored ?? TransactionThreshold(dateAdded: now)
        for (key, value) in body.members {
            switch key {
            case "threshold":
                guard let number = value.double, number.isFinite, number == number.rounded(), number >= 0,
                      number <= Double(maxThreshold) else {
                    throw UpdateError(message: "threshold: a whole number of milliseconds up to \(maxThreshold).")
                }
                let ms = Int(number)
                guard ms % 100 == 0, ms > 0 else { throw UpdateError(message: "Invalid threshold - specify a multiple of 100.") }
                result.threshold = ms
            case "metric":
                guard let metric = value.string else { throw UpdateError(message: "metric: duration.") }
                guard metric == "duration" else {
                    throw UpdateError(message: metric == "lcp"
                        ? "Invalid transaction metric - lcp: Faultline computes apdex from transaction.duration only."
                        : "Invalid transaction metric - \(metric.prefix(64)).")
                }
                result.metric = metric
            default:
                continue
            }
        }
        result.editedBy = editor
        result.dateUpdated = now
        return result
    }

    /// The stored option text.
    public var stored: String {
        var object: [(key: String, value: JSONValue)] = [("threshold", .int(threshold)), ("metric", .string(metric)),
                                                          ("dateAdded", .double(dateAdded)), ("dateUpdated", .double(dateUpdated))]
        if let editedBy { object.append(("editedBy", .string(editedBy))) }
        return String(decoding: JSONValue.object(object).serialized, as: UTF8.self)
    }

    /// The threshold a stored option text holds; nil for none (never set, or reset) or a text that does not read.
    public init?(stored text: String?) {
        guard let text, let document = try? JSONDocument(bytes: Array(text.utf8)), document.root.kind == .object,
              let threshold = document.root["threshold"]?.double, threshold.isFinite, threshold > 0,
              threshold <= Double(Self.maxThreshold) else { return nil }
        self.init(threshold: Int(threshold), metric: document.root["metric"]?.string ?? "duration",
                  editedBy: document.root["editedBy"]?.string, dateAdded: document.root["dateAdded"]?.double ?? 0,
                  dateUpdated: document.root["dateUpdated"]?.double ?? 0)
    }
}
