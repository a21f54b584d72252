/// A `Content-Encoding` this server can undo.
public enum ContentEncoding: String, Sendable, CaseIterable {
    case identity, gzip, deflate, br, zstd

    /// Parses one coding token. Unknown tokens are identity, as Relay does (`HttpEncoding::parse`);
    /// `UTF-8` and empty values come from broken SDKs (sentry-java Android 2.0, sentry-ruby 5).
    public init(token: Substring) {
        switch token.lowercased() {
        case "gzip", "x-gzip": self = .gzip
        case "deflate": self = .deflate
        case "br": self = .br
        case "zstd": self = .zstd
        default: self = .identity
        }
    }

    /// The codings of a `Content-Encoding` header in the order they were applied.
    public static func parseHeader(_ value: String?) -> [ContentEncoding] {
        guard let value else { return [] }
        // What SDKs send, answered without splitting and lower-casing.
        if value == "gzip" { return [.gzip] }
        if value == "br" { return [.br] }
        return value.split(separator: ",")
            .map { ContentEncoding(token: $0.trimmingCharacters()) }
            .filter { $0 != .identity }
    }
}

/// Why a body could not be decoded.
public enum ContentDecodingError: Error, Equatable, CustomStringConvertible {
    /// The compressed stream is malformed or truncated.
    case corrupt(ContentEncoding, String)
    /// The decoded body would exceed the limit (a decompression bomb, or just too big).
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .corrupt(let encoding, let why): "invalid \(encoding.rawValue) body: \(why)"
        case .tooLarge(let limit): "decompressed body exceeds \(limit) bytes"
        }
    }
}

extension Substring {
    func trimmingCharacters() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
