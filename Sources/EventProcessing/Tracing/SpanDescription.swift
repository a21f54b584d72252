/// A span's description as it is grouped: values taken out, so that the same query or call made with other values
/// reads the same (Relay's `sentry_tags.description`, Sentry's span hash). Many integrations send SQL with its values
/// inlined, so the server parameterizes it itself.
///
/// - Database spans (`db`, `db.*` except Redis): literals, numbers, booleans and every placeholder style (`?`, `$1`,
///   `:name`, `%(name)s`, `%s`) become `%s`; `IN (…)` and `VALUES (…), (…)` lists collapse to one `(%s)`; comments go,
///   quotes around identifiers go, whitespace collapses, keywords are upper-cased, a selected column list reads `..`.
/// - HTTP spans (`http.*`): `METHOD scheme://host/path`, with id-like path segments (numbers, hex, UUIDs) as `*` and
///   the query left out.
/// - Cache and Redis spans: the command and `*`.
/// - Anything else: the text as sent, trimmed.
///
/// One pass over at most `maxInputLength` bytes; the output is at most that long too.
public enum SpanDescription {
    public static let maxInputLength = 2048

    public static func normalize(op: String, description: String) -> String {
        let text = description.utf8.count <= maxInputLength
            ? description : String(decoding: description.utf8.prefix(maxInputLength), as: UTF8.self)
        if isDatabase(op) { return SQLParameterizer.parameterize(text) }
        if op.hasPrefix("http") { return http(text) }
        if op.hasPrefix("cache") || op.hasPrefix("db.redis") || op == "redis" {
            let command = text.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
            return command.isEmpty ? "" : command.uppercased() + " *"
        }
        return text.trimmingCharacters(in: " ")
    }

    /// A query that reads (`SELECT`, any case), checked on the bytes: detectors ask this of every span.
    public static func isSelect(_ description: String) -> Bool {
        var utf8 = description.utf8.makeIterator()
        for expected in "SELECT".utf8 {
            guard let b = utf8.next(), b & 0xDF == expected else { return false }
        }
        return true
    }

    /// Sentry's "db" family for detectors and grouping: `db` and `db.*`, not Redis or connection spans.
    public static func isDatabase(_ op: String) -> Bool {
        (op == "db" || op.hasPrefix("db.")) && !op.hasPrefix("db.redis") && !op.hasPrefix("db.connection")
    }

    /// `GET https://api.example.com/users/42?x=1` → `GET https://api.example.com/users/*`.
    static func http(_ text: String) -> String {
        let parts = text.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return parameterizedURL(text) }
        return parts[0].uppercased() + " " + parameterizedURL(String(parts[1]))
    }

    /// A URL without its query and fragment, id-like path segments as `*`.
    public static func parameterizedURL(_ url: String) -> String {
        var url = Substring(url.trimmingCharacters(in: " "))
        if let cut = url.firstIndex(where: { $0 == "?" || $0 == "#" }) { url = url[..<cut] }
        var prefix = Substring("")
        var path = url
        if let scheme = url.range(ofText: "://") {
            let afterScheme = url[scheme.upperBound...]
            let slash = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
            prefix = url[..<slash]
            path = url[slash...]
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            isIdentifierLike(segment) ? "*" : String(segment)
        }
        return String(prefix) + segments.joined(separator: "/")
    }

    /// Numbers, hex of 8+ digits, UUIDs: the segments that name one record rather than a route.
    static func isIdentifierLike(_ segment: Substring) -> Bool {
        guard !segment.isEmpty else { return false }
        let bytes = Array(segment.utf8)
        if bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return true }
        let hexOrDash = bytes.allSatisfy { isHex($0) || $0 == UInt8(ascii: "-") }
        let hexDigits = bytes.filter(isHex).count
        return hexOrDash && hexDigits >= 8 && bytes.contains(where: { $0 >= 48 && $0 <= 57 })
    }

    static func isHex(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70)
    }
}
