import HTTPServer

/// Matches paths against patterns like `/api/{project_id}/envelope/`. A trailing slash is optional, and
/// repeated slashes are folded (some SDKs send `//`, Relay tolerates it).
struct Router<Handler: Sendable>: Sendable {
    struct Route: Sendable {
        let method: String
        let pattern: String
        let segments: [Segment]
        let handler: Handler
    }

    /// A pattern segment, classified once when the route is added (every request is matched against them).
    enum Segment: Sendable {
        case literal(Substring)
        case parameter(String)
    }

    struct Match: Sendable {
        let route: Route
        let parameters: [String: String]
    }

    enum Outcome {
        case matched(Match)
        case methodNotAllowed([String])
        case notFound
    }

    private(set) var routes: [Route] = []

    mutating func add(_ method: String, _ pattern: String, _ handler: Handler) {
        let segments = Self.split(Substring(pattern)).map { p -> Segment in
            p.hasPrefix("{") && p.hasSuffix("}") ? .parameter(String(p.dropFirst().dropLast())) : .literal(p)
        }
        routes.append(Route(method: method, pattern: pattern, segments: segments, handler: handler))
    }

    func match(method: String, path: Substring) -> Outcome {
        let segments = Self.split(path)
        var allowed: [String] = []
        for route in routes where Self.matches(route.segments, segments) {
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                return .matched(Match(route: route, parameters: Self.parameters(route.segments, segments)))
            }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed)
    }

    /// The non-empty segments between slashes, found over UTF-8 into a reserved array: every request's path is split.
    private static func split(_ path: Substring) -> [Substring] {
        var segments: [Substring] = []
        segments.reserveCapacity(8)
        let utf8 = path.utf8
        var start = utf8.startIndex
        var i = utf8.startIndex
        while i < utf8.endIndex {
            if utf8[i] == UInt8(ascii: "/") {
                if start < i { segments.append(path[start..<i]) }
                start = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        if start < utf8.endIndex { segments.append(path[start..<utf8.endIndex]) }
        return segments
    }

    private static func matches(_ pattern: [Segment], _ path: [Substring]) -> Bool {
        guard pattern.count == path.count else { return false }
        for (p, s) in zip(pattern, path) {
            if case .literal(let literal) = p, literal != s { return false }
        }
        return true
    }

    private static func parameters(_ pattern: [Segment], _ path: [Substring]) -> [String: String] {
        var parameters: [String: String] = [:]
        for (p, s) in zip(pattern, path) {
            if case .parameter(let name) = p { parameters[name] = HTTPRequest.decodePathSegment(s) }
        }
        return parameters
    }
}

extension HTTPRequest {
    static func decodePathSegment(_ segment: Substring) -> String {
        guard segment.utf8.contains(UInt8(ascii: "%")) else { return String(segment) }
        var out: [UInt8] = []
        var bytes = Array(segment.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%"), bytes.count >= 2,
               let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
