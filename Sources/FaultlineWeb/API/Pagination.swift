import Foundation
import HTTPServer

/// Sentry's page size and cursor conventions, shared by every list.
enum Pagination {
    static let maxLimit = 100

    /// `limit` (or `per_page`), capped at `maxLimit`; `value` when absent.
    static func limit(_ request: HTTPRequest, default value: Int) throws -> Int {
        guard let text = request.queryValue("limit") ?? request.queryValue("per_page") else { return value }
        guard let n = Int(text), n > 0 else { throw APIError.badRequest("Invalid limit: expected a positive integer.") }
        return min(n, maxLimit)
    }

    /// Sentry's pagination header: `<url&cursor=…>; rel="previous"; results="…"; cursor="…", <…>; rel="next"; …`.
    static func link(_ request: HTTPRequest, next: String?, current: String?) -> String {
        let kept = request.queryItems.filter { $0.name != "cursor" }
            .map { "\(percentEncode($0.name))=\(percentEncode($0.value))" }
        let base = request.baseURL + String(request.path) + "?" + (kept.isEmpty ? "" : kept.joined(separator: "&") + "&")
        let previous = current ?? "0:0:1"
        let hasPrevious = current != nil && !(current ?? "").isEmpty
        let nextCursor = next ?? "0:0:0"
        return "<\(base)cursor=\(previous)>; rel=\"previous\"; results=\"\(hasPrevious)\"; cursor=\"\(previous)\", "
            + "<\(base)cursor=\(nextCursor)>; rel=\"next\"; results=\"\(next != nil)\"; cursor=\"\(nextCursor)\""
    }

    private static func percentEncode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? s
    }
}
