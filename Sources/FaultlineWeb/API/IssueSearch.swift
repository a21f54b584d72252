import FaultlineCore

/// Sentry's issue search syntax, the part Faultline supports: `is:unresolved|resolved|ignored|archived|
/// regressed|new|ongoing|escalating`, `level:`, `release:`, `environment:`, any `tag:value`, and free text.
/// Values may be quoted (`release:"shop 1.0"`).
enum IssueSearch {
    static func apply(_ text: String, to query: inout IssueQuery) throws {
        for token in tokens(text) {
            guard let colon = token.firstIndex(of: ":"), colon != token.startIndex else {
                query.text = [query.text, token].compactMap { $0 }.joined(separator: " ")
                continue
            }
            let key = String(token[..<colon])
            var value = String(token[token.index(after: colon)...])
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            guard !value.isEmpty else { throw APIError.badRequest("Empty value for search key '\(key)'.") }
            switch key {
            case "is":
                switch value {
                case "unresolved": query.statuses.append(.unresolved)
                case "resolved": query.statuses.append(.resolved)
                case "ignored", "archived": query.statuses.append(.ignored)
                case "regressed", "escalating", "new", "ongoing":
                    query.statuses.append(.unresolved)
                    query.substatus = value
                default:
                    throw APIError.badRequest("Invalid value for is: '\(value)'.")
                }
            case "level":
                query.levels.append(value)
            default:
                query.tags.append((key, value))
            }
        }
    }

    /// Splits on spaces outside quotes.
    static func tokens(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var quoted = false
        for c in text {
            if c == "\"" { quoted.toggle() }
            if c == " " && !quoted {
                if !current.isEmpty { result.append(current) }
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
