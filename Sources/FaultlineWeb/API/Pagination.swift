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

    /// The request's `cursor`, parsed (nil when absent or empty); a malformed one is a 400.
    static func cursor(_ request: HTTPRequest) throws -> PageCursor? {
        guard let text = request.queryValue("cursor"), !text.isEmpty else { return nil }
        guard let cursor = PageCursor(parsing: text) else { throw APIError.badRequest("Invalid cursor parameter.") }
        return cursor
    }

    /// Sentry's pagination header: `<url&cursor=…>; rel="previous"; results="…"; cursor="…", <…>; rel="next"; …`.
    /// Both cursors are written from parsed values, never from the request's text.
    static func link(_ request: HTTPRequest, next: PageCursor?, current: PageCursor?) -> String {
        let kept = request.queryItems.filter { $0.name != "cursor" }
            .map { "\(percentEncode($0.name))=\(percentEncode($0.value))" }
        let base = request.baseURL + percentEncodePath(String(request.path)) + "?"
            + (kept.isEmpty ? "" : kept.joined(separator: "&") + "&")
        let previous = current?.text ?? "0:0:1"
        let nextCursor = next?.text ?? "0:0:0"
        return "<\(base)cursor=\(previous)>; rel=\"previous\"; results=\"\(current != nil)\"; cursor=\"\(previous)\", "
            + "<\(base)cursor=\(nextCursor)>; rel=\"next\"; results=\"\(next != nil)\"; cursor=\"\(nextCursor)\""
    }

    private static func percentEncode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? ""
    }

    private static func percentEncodePath(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: pathAllowed) ?? "/"
    }

    /// Unreserved characters only: nothing that could end the `<…>` or a quoted parameter of the header.
    private static let queryAllowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
    private static let pathAllowed = queryAllowed.union(CharacterSet(charactersIn: "/"))
}

/// A list position: `value:id:flag[:snapshot:offset]` — the last row's sort value and id (Sentry's cursors are
/// `value:offset:is_prev`; clients pass them back as given), and for issue lists where the page ends in the first
/// page's snapshot. Parsed into numbers and a short key, and written back from those, so a cursor in a `Link`
/// header is always one this server could have made.
struct PageCursor: Equatable, Sendable {
    var value: Double
    var id: Int
    var flag = 0
    var snapshot: String?
    var offset = 0

    init(value: Double, id: Int = 0, flag: Int = 0, snapshot: String? = nil, offset: Int = 0) {
        self.value = value
        self.id = id
        self.flag = flag
        self.snapshot = snapshot
        self.offset = offset
    }

    init?(parsing text: String) {
        guard text.utf8.count <= 128 else { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 3 || parts.count == 5,
              let value = Double(parts[0]), value.isFinite, abs(value) < 1e18 else { return nil }
        self.value = value
        if parts.count >= 3 {
            guard let id = Int(parts[1]), id >= 0, let flag = Int(parts[2]), flag == 0 || flag == 1 else { return nil }
            self.id = id
            self.flag = flag
        } else {
            id = 0
        }
        if parts.count == 5 {
            let key = parts[3]
            guard !key.isEmpty, key.utf8.count <= 16, key.utf8.allSatisfy(Self.isKeyByte),
                  let offset = Int(parts[4]), offset >= 0 else { return nil }
            snapshot = String(key)
            self.offset = offset
        }
    }

    /// The value as an integer row id, when it is one.
    var rowID: Int? {
        guard value.rounded() == value, value > 0, value < 9e15 else { return nil }
        return Int(value)
    }

    var text: String {
        var out = "\(Self.format(value)):\(id):\(flag)"
        if let snapshot { out += ":\(snapshot):\(offset)" }
        return out
    }

    static func format(_ v: Double) -> String {
        v.rounded() == v && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }

    private static func isKeyByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
    }
}
