/// A complete request: head plus the whole body (bodies are bounded by `HTTPServer.Limits.maxBodyBytes`).
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent, e.g. `/api/1/store/?sentry_key=abc`.
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The client's numeric address as the socket saw it (no proxy headers are trusted), if known.
    public var remoteAddress: String?

    public init(method: String, target: String, version: HTTPVersion = .http11,
                headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], remoteAddress: String? = nil) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The target without its query string.
    public var path: Substring {
        // On the bytes: a Character search walks grapheme clusters, and this runs for every request.
        if let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) { return target[..<q] }
        return target[...]
    }

    /// The raw query string (after `?`), or empty.
    public var query: Substring {
        if let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) { return target[target.utf8.index(after: q)...] }
        return ""
    }

    /// Percent-decoded query parameters, in order.
    public var queryItems: [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let eq = pair.firstIndex(of: "=") {
                return (Self.percentDecode(pair[..<eq]), Self.percentDecode(pair[pair.index(after: eq)...]))
            }
            return (Self.percentDecode(pair), "")
        }
    }

    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    public func queryValues(_ name: String) -> [String] {
        queryItems.filter { $0.name == name }.map(\.value)
    }

    /// Whether the connection stays open after this request (RFC 9112 §9.3).
    public var keepAlive: Bool {
        guard headers.contains("Connection") else { return version == .http11 }
        let connection = headers.values(for: "Connection").joined(separator: ",")
        let tokens = connection.split(separator: ",").map { $0.trimmingASCIISpaces().lowercased() }
        if version == .http10 { return tokens.contains("keep-alive") }
        return !tokens.contains("close")
    }

    static func percentDecode(_ text: Substring) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(text)
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var bytes = Array(text.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%"), bytes.count >= 2,
                      let hi = hexValue(bytes[bytes.startIndex]),
                      let lo = hexValue(bytes[bytes.startIndex + 1]) {
                out.append(hi << 4 | lo)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
    default: return nil
    }
}

public enum HTTPVersion: Sendable, Equatable {
    case http10, http11

    var text: String { self == .http10 ? "HTTP/1.0" : "HTTP/1.1" }
}

extension StringProtocol {
    func trimmingASCIISpaces() -> Substring {
        var s = Substring(self)
        while let f = s.utf8.first, f == 32 || f == 9 { s = s.dropFirst() }
        while let l = s.utf8.last, l == 32 || l == 9 { s = s.dropLast() }
        return s
    }
}
