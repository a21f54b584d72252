import Foundation
import HTTPServer
import SentryProtocol

/// A query's time range as Sentry's APIs take it: `statsPeriod` (`30m`, `24h`, `14d`, `2w`; it wins) or
/// `start`/`end` (RFC 3339), else the default period up to now.
struct TimeRange: Sendable, Equatable {
    var start: Double
    var end: Double
    var seconds: Double { end - start }

    static func parse(_ request: HTTPRequest, defaultPeriod: Double, now: Double = Date().timeIntervalSince1970) throws -> TimeRange {
        if let text = request.queryValue("statsPeriod"), !text.isEmpty {
            return TimeRange(start: now - (try duration(text, name: "statsPeriod")), end: now)
        }
        if let startText = request.queryValue("start") {
            guard let start = Timestamp.parse(startText), let end = Timestamp.parse(request.queryValue("end") ?? ""),
                  Timestamp.validRange.contains(start), Timestamp.validRange.contains(end) else {
                throw APIError.badRequest("'start' and 'end' must both be RFC 3339 dates.")
            }
            guard start < end else { throw APIError.badRequest("'end' must be after 'start'.") }
            return TimeRange(start: start, end: end)
        }
        return TimeRange(start: now - defaultPeriod, end: now)
    }

    /// `30m`, `1h`, `14d`, `2w` → seconds (at most 100,000 units).
    static func duration(_ text: String, name: String) throws -> Double {
        guard let unit = text.last, let scale = ["s": 1.0, "m": 60, "h": 3600, "d": 86_400, "w": 604_800][String(unit)],
              let amount = Int(text.dropLast()), amount > 0, amount <= 100_000 else {
            throw APIError.badRequest("Invalid \(name): use a number and a unit (m, h, d, w), like 24h or 14d.")
        }
        return Double(amount) * scale
    }
}
