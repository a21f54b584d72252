import HTTPServer

/// Matches paths against patterns like `/api/{project_id}/envelope/`. A trailing slash is optional, and
/// repeated slashes are folded (some SDKs send `//`, Relay tolerates it).
struct Router<Handler: Sendable>: Sendable {
    struct Route: Sendable {
        let method: String
        let pattern: String
        let segments: [Substring]
        let handler: Handler
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
        routes.append(Route(method: method, pattern: pattern, segments: Self.split(pattern), handler: handler))
    }

    func match(method: String, path: Substring) -> Outcome {
        let segments = Self.split(path)
        var allowed: [String] = []
        for route in routes {
            guard let parameters = Self.bind(route.segments, segments) else { continue }
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                return .matched(Match(route: route, parameters: parameters))
            }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed)
    }

    private static func split(_ path: some StringProtocol) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true).map { Substring($0) }
    }

    private static func bind(_ pattern: [Substring], _ path: [Substring]) -> [String: String]? {
        guard pattern.count == path.count else { return nil }
        var parameters: [String: String] = [:]
        for (p, s) in zip(pattern, path) {
            if p.first == "{" && p.last == "}" {
                parameters[String(p.dropFirst().dropLast())] = HTTPRequest.decodePathSegment(s)
            } else if p != s {
                return nil
            }
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
