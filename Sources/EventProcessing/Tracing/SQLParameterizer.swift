/// SQL with its values taken out, for grouping spans and detecting repeated queries. A tokenizer over the bytes (one
/// pass, no backtracking, tokens as byte ranges), two rewrites over the tokens, and the text written back as bytes; it
/// does not parse SQL, so any dialect passes through. This runs for every database span at ingest: it allocates the
/// token array and the output, nothing per token.
enum SQLParameterizer {
    enum Kind: UInt8 {
        case word, placeholder, symbol
        /// `(` written right after a word, as in a call: `count(`.
        case attachedParen
        /// The `..` that stands for a selected column list.
        case columns
    }

    struct Token {
        var kind: Kind
        var start: Int32
        var end: Int32
        /// Index into `keywords` for a keyword (written upper-cased), else -1.
        var keyword: Int16 = -1
        var symbol: UInt8 = 0

        func isSymbol(_ c: UInt8) -> Bool { kind == .symbol && symbol == c }
        func isKeyword(_ k: Keyword) -> Bool { keyword == k.rawValue }
        var isOpen: Bool { kind == .attachedParen || isSymbol(UInt8(ascii: "(")) }
    }

    /// The keywords the rewrites look for, by their index in `keywords`.
    enum Keyword: Int16 {
        case select = 0, from = 1, values = 2
    }

    static let keywords: [String] = [
        "SELECT", "FROM", "VALUES", "WHERE", "AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "ILIKE", "BETWEEN", "EXISTS",
        "INSERT", "INTO", "UPDATE", "SET", "DELETE", "JOIN", "LEFT", "RIGHT", "INNER", "OUTER", "FULL", "CROSS",
        "ON", "AS", "ORDER", "BY", "GROUP", "HAVING", "LIMIT", "OFFSET", "DISTINCT", "UNION", "ALL", "RETURNING", "CASE",
        "WHEN", "THEN", "ELSE", "END", "ASC", "DESC", "SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK", "WITH",
        "CONFLICT", "DO", "NOTHING", "FOR", "USING", "DEFAULT", "CREATE", "TABLE", "INDEX", "DROP", "ALTER",
    ]

    /// Up to 16 upper-case bytes packed into two words: a keyword's key.
    struct Packed: Hashable {
        var a: UInt64
        var b: UInt64
    }

    static let keywordIndex: [Packed: Int16] = {
        var index: [Packed: Int16] = [:]
        for (i, k) in keywords.enumerated() {
            let bytes = Array(k.utf8)
            index[pack(bytes[...], upper: false)!] = Int16(i)
        }
        return index
    }()
    static let keywordBytes: [[UInt8]] = keywords.map { Array($0.utf8) }
    static let trueKey = pack(Array("TRUE".utf8)[...], upper: false)
    static let falseKey = pack(Array("FALSE".utf8)[...], upper: false)

    static func pack(_ bytes: ArraySlice<UInt8>, upper: Bool) -> Packed? {
        guard bytes.count <= 16 else { return nil }
        var a: UInt64 = 0
        var b: UInt64 = 0
        for (i, byte) in bytes.enumerated() {
            let c = upper && byte >= 97 && byte <= 122 ? byte - 32 : byte
            if i < 8 { a |= UInt64(c) << UInt64(i * 8) } else { b |= UInt64(c) << UInt64((i - 8) * 8) }
        }
        return Packed(a: a, b: b)
    }

    static func parameterize(_ sql: String) -> String {
        var sql = sql
        return sql.withUTF8 { buffer in
            let bytes = Array(buffer)
            var tokens = tokenize(bytes)
            tokens = collapseLists(tokens)
            tokens = collapseSelectedColumns(tokens)
            return String(decoding: render(tokens, bytes), as: UTF8.self)
        }
    }

    static func tokenize(_ b: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity(b.count / 4 + 4)
        var i = 0
        let n = b.count
        @inline(__always) func isWordStart(_ c: UInt8) -> Bool {
            (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == UInt8(ascii: "_") || c >= 0x80
        }
        @inline(__always) func isWordByte(_ c: UInt8) -> Bool { isWordStart(c) || (c >= 48 && c <= 57) || c == UInt8(ascii: "$") }
        @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        /// Skips a quoted run starting at `i` (on the quote), doubled quotes as escapes; returns its inner range.
        func quoted(_ quote: UInt8) -> (Int, Int) {
            var j = i + 1
            while j < n {
                if b[j] == quote {
                    if j + 1 < n && b[j + 1] == quote {
                        j += 2
                        continue
                    }
                    break
                }
                if b[j] == UInt8(ascii: "\\") && quote == UInt8(ascii: "'") && j + 1 < n {
                    j += 2
                    continue
                }
                j += 1
            }
            let inner = (i + 1, min(j, n))
            i = min(j + 1, n)
            return inner
        }
        func add(_ kind: Kind, _ start: Int, _ end: Int) {
            tokens.append(Token(kind: kind, start: Int32(start), end: Int32(end)))
        }
        while i < n {
            let c = b[i]
            if c == 32 || c == 9 || c == 10 || c == 13 {
                i += 1
            } else if c == UInt8(ascii: "-") && i + 1 < n && b[i + 1] == UInt8(ascii: "-") {
                while i < n && b[i] != 10 { i += 1 }
            } else if c == UInt8(ascii: "/") && i + 1 < n && b[i + 1] == UInt8(ascii: "*") {
                i += 2
                while i + 1 < n && !(b[i] == UInt8(ascii: "*") && b[i + 1] == UInt8(ascii: "/")) { i += 1 }
                i = min(i + 2, n)
            } else if c == UInt8(ascii: "'") {
                _ = quoted(c)
                add(.placeholder, 0, 0)
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "`") {
                // A quoted identifier: kept, without its quotes.
                let (s, e) = quoted(c)
                add(.word, s, e)
            } else if isDigit(c) || (c == UInt8(ascii: ".") && i + 1 < n && isDigit(b[i + 1])) {
                // Numbers, decimals, exponents and 0x… hex.
                i += 1
                while i < n && (isWordByte(b[i]) || b[i] == UInt8(ascii: ".")) { i += 1 }
                add(.placeholder, 0, 0)
            } else if c == UInt8(ascii: "?") {
                i += 1
                while i < n && isDigit(b[i]) { i += 1 }
                add(.placeholder, 0, 0)
            } else if c == UInt8(ascii: "$") && i + 1 < n && isDigit(b[i + 1]) {
                i += 1
                while i < n && isDigit(b[i]) { i += 1 }
                add(.placeholder, 0, 0)
            } else if c == UInt8(ascii: ":") && i + 1 < n && isWordStart(b[i + 1]) && !(i > 0 && b[i - 1] == UInt8(ascii: ":")) {
                i += 1
                while i < n && isWordByte(b[i]) { i += 1 }
                add(.placeholder, 0, 0)
            } else if c == UInt8(ascii: "%") && i + 1 < n && (b[i + 1] == UInt8(ascii: "s") || b[i + 1] == UInt8(ascii: "(")) {
                if b[i + 1] == UInt8(ascii: "(") {
                    while i < n && b[i] != UInt8(ascii: ")") { i += 1 }
                    i += 1
                }
                i = min(i + 2, n)
                add(.placeholder, 0, 0)
            } else if isWordStart(c) {
                let start = i
                while i < n && isWordByte(b[i]) { i += 1 }
                // N'…', E'…', X'…': a prefixed string literal.
                if i - start == 1 && i < n && b[i] == UInt8(ascii: "'") {
                    _ = quoted(b[i])
                    add(.placeholder, 0, 0)
                    continue
                }
                let length = i - start
                if length >= 2, length <= 9, let key = pack(b[start..<i], upper: true) {
                    if key == trueKey || key == falseKey {
                        add(.placeholder, 0, 0)
                        continue
                    }
                    if let keyword = keywordIndex[key] {
                        tokens.append(Token(kind: .word, start: Int32(start), end: Int32(i), keyword: keyword))
                        continue
                    }
                }
                add(.word, start, i)
            } else {
                let attached = c == UInt8(ascii: "(") && i > 0 && isWordByte(b[i - 1])
                tokens.append(Token(kind: attached ? .attachedParen : .symbol, start: 0, end: 0, symbol: c))
                i += 1
            }
        }
        return tokens
    }

    /// `( %s , %s , … )` → `( %s )`, and `VALUES (…), (…)` → `VALUES (%s)`.
    static func collapseLists(_ tokens: [Token]) -> [Token] {
        var out: [Token] = []
        out.reserveCapacity(tokens.count)
        var i = 0
        while i < tokens.count {
            if tokens[i].isOpen, let end = placeholderListEnd(tokens, from: i) {
                let afterValues = out.last?.isKeyword(.values) ?? false
                out.append(tokens[i])
                out.append(Token(kind: .placeholder, start: 0, end: 0))
                out.append(tokens[end])
                i = end + 1
                if afterValues {
                    // Further rows: `, ( … )` with placeholders only.
                    while i + 1 < tokens.count, tokens[i].isSymbol(UInt8(ascii: ",")), let next = placeholderListEnd(tokens, from: i + 1) {
                        i = next + 1
                    }
                }
                continue
            }
            out.append(tokens[i])
            i += 1
        }
        return out
    }

    /// The index of the `)` closing a list of placeholders and commas that starts at `open`, or nil.
    static func placeholderListEnd(_ tokens: [Token], from open: Int) -> Int? {
        guard open < tokens.count, tokens[open].isOpen else { return nil }
        var j = open + 1
        var sawPlaceholder = false
        while j < tokens.count {
            let t = tokens[j]
            if t.kind == .placeholder {
                sawPlaceholder = true
            } else if t.isSymbol(UInt8(ascii: ")")) {
                return sawPlaceholder ? j : nil
            } else if !t.isSymbol(UInt8(ascii: ",")) {
                return nil
            }
            j += 1
        }
        return nil
    }

    /// `SELECT a, b, c FROM` → `SELECT .. FROM` (Relay's column collapse): which columns a query reads does not make
    /// it another query for grouping. Each SELECT scans ahead to its FROM: inputs are at most
    /// `SpanDescription.maxInputLength` bytes, which bounds the work.
    static func collapseSelectedColumns(_ tokens: [Token]) -> [Token] {
        var out: [Token] = []
        out.reserveCapacity(tokens.count)
        var i = 0
        while i < tokens.count {
            out.append(tokens[i])
            guard tokens[i].isKeyword(.select) else {
                i += 1
                continue
            }
            var j = i + 1
            var depth = 0
            var commas = 0
            while j < tokens.count {
                let t = tokens[j]
                if t.isOpen { depth += 1 }
                if t.isSymbol(UInt8(ascii: ")")) {
                    if depth == 0 { break }
                    depth -= 1
                }
                if depth == 0 && t.isSymbol(UInt8(ascii: ",")) { commas += 1 }
                if depth == 0 && (t.isKeyword(.from) || t.isKeyword(.select)) { break }
                j += 1
            }
            if commas > 0, j < tokens.count, tokens[j].isKeyword(.from) {
                out.append(Token(kind: .columns, start: 0, end: 0))
                i = j
            } else {
                i += 1
            }
        }
        return out
    }

    static func render(_ tokens: [Token], _ source: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(source.count)
        var previous: Token?
        for token in tokens {
            if let previous, needsSpace(previous, token) { out.append(32) }
            switch token.kind {
            case .word:
                if token.keyword >= 0 {
                    out += keywordBytes[Int(token.keyword)]
                } else {
                    out += source[Int(token.start)..<Int(token.end)]
                }
            case .placeholder: out += [UInt8(ascii: "%"), UInt8(ascii: "s")]
            case .symbol, .attachedParen: out.append(token.symbol)
            case .columns: out += [UInt8(ascii: "."), UInt8(ascii: ".")]
            }
            previous = token
        }
        return out
    }

    private static func needsSpace(_ a: Token, _ b: Token) -> Bool {
        if a.kind == .attachedParen || a.isSymbol(UInt8(ascii: "(")) || a.isSymbol(UInt8(ascii: ".")) { return false }
        if b.kind == .symbol, [UInt8(ascii: ")"), UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: ";")].contains(b.symbol) {
            return false
        }
        // A call keeps its parenthesis; a keyword written as `IN(` reads `IN (` like any other.
        if b.kind == .attachedParen { return a.keyword >= 0 }
        return true
    }
}
