/// What kind of failure an error is, from its exception type, message and mechanism: `timeout`, `network`,
/// `database`, `memory`, `validation`, `authentication`, `permission`, `rate_limit` or `other`. Kept as the
/// `error.class` tag, so the issue list can show it and searches (`error.class:timeout`) and alert rules can use it.
///
/// A rule matches a substring of the lower-cased type or of the message; rules are tried in an order where the more
/// specific class wins: a `ConnectTimeout` is a timeout before it is a network error, `OperationalError: connection
/// refused` a database error, `RecordInvalid` a validation error before an ActiveRecord one, .NET's
/// `UnauthorizedAccessException` a permission error.
/// Linear in the text, on at most the message's first 1,024 bytes.
public enum ErrorClassifier {
    public static let classes = ["timeout", "rate_limit", "permission", "authentication", "memory", "validation", "database",
                                 "network", "other"]

    /// Substrings of the exception type (lower-cased) and of the message, per class, in the order they are tried.
    static let rules: [(class: String, types: [String], messages: [String])] = [
        ("timeout", ["timeout", "timedout", "deadlineexceeded", "deadline_exceeded"],
         ["timed out", "timeout", "deadline exceeded", "etimedout", "context deadline"]),
        ("rate_limit", ["ratelimit", "throttl", "toomanyrequests"],
         ["rate limit", "ratelimit", "too many requests", "throttl", "status code 429", "429 too many"]),
        ("permission", ["permission", "forbidden", "accessdenied", "notallowed", "unauthorizedaccess", "securityexception"],
         ["permission denied", "forbidden", "access denied", "not allowed", "eacces", "eperm", "403 forbidden",
          "status code 403", "insufficient privileges"]),
        ("authentication", ["unauthorized", "unauthenticated", "authenticationerror", "notauthenticated", "invalidtoken",
                            "expiredsignature", "jwterror", "loginrequired"],
         ["unauthorized", "unauthenticated", "not authenticated", "invalid token", "token expired", "invalid credentials",
          "authentication failed", "401 unauthorized", "status code 401"]),
        ("memory", ["memoryerror", "outofmemory", "oom", "heapexhausted", "stackoverflow"],
         ["out of memory", "cannot allocate memory", "allocation failed", "heap out of memory", "memory limit",
          "maximum call stack", "enomem"]),
        ("validation", ["valueerror", "validationerror", "invalid", "jsondecodeerror", "parseerror", "formaterror",
                        "numberformatexception", "illegalargument", "argumenterror", "argumentexception", "schemaerror",
                        "unprocessable", "badrequest", "recordinvalid", "unmarshal"],
         ["invalid", "must be", "is required", "validation failed", "expected", "malformed", "cannot parse",
          "could not parse", "unprocessable"]),
        ("database", ["operationalerror", "integrityerror", "programmingerror", "databaseerror", "dataerror", "sqlexception",
                      "sqlerror", "sqlite", "psycopg", "pymongo", "mongoerror", "sequelize", "activerecord", "deadlock",
                      "queryfailed", "pgerror", "mysql", "hibernate", "jdbc", "ormerror"],
         ["deadlock", "duplicate key", "violates foreign key", "violates unique", "relation \"", "no such table",
          "syntax error at or near", "database is locked", "could not serialize", "too many connections",
          "connection pool", "lock wait timeout"]),
        ("network", ["connectionerror", "connectionrefused", "connectionreset", "connectionaborted", "brokenpipe",
                     "networkerror", "sslerror", "socketexception", "unknownhost", "gaierror", "httperror", "requestexception",
                     "fetcherror", "econn", "hostunreachable", "protocolerror", "transporterror", "ioexception"],
         ["connection refused", "connection reset", "network is unreachable", "no route to host", "failed to fetch",
          "networkerror", "name or service not known", "getaddrinfo", "econnrefused", "econnreset", "enotfound",
          "ssl:", "certificate verify failed", "broken pipe", "remote end closed", "host unreachable", "dns lookup"]),
    ]

    public static func classify(type: String?, value: String?, mechanism: String?) -> String {
        // The first rule whose type or message pattern matches wins. The type is read without `_`, `.` and spaces
        // (`Connection_Refused`, `socket.timeout`).
        var best = rules.count
        if let type, !type.isEmpty {
            let folded = type.utf8.prefix(256).filter { $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: ".") && $0 != 32 }
            best = firstRule(folded, in: typePatterns, below: best)
        }
        if best > 0, let value, !value.isEmpty {
            var value = value
            best = value.withUTF8 { firstRule(UnsafeBufferPointer(rebasing: $0.prefix(1024)), in: messagePatterns, below: best) }
        }
        if best < rules.count { return rules[best].class }
        if let mechanism, mechanism.lowercased().containsText("timeout") { return "timeout" }
        return "other"
    }

    /// Patterns by their first byte, with their rule's index: one pass over the text looks only at the patterns that
    /// can start at each byte (every error event is classified at ingest).
    static let typePatterns = table(\.types)
    static let messagePatterns = table(\.messages)

    static func table(_ patterns: KeyPath<(class: String, types: [String], messages: [String]), [String]>)
        -> [[(bytes: [UInt8], rule: Int)]] {
        var table = Array(repeating: [(bytes: [UInt8], rule: Int)](), count: 256)
        for (i, rule) in rules.enumerated() {
            for pattern in rule[keyPath: patterns] {
                let bytes = Array(pattern.utf8)
                if let first = bytes.first { table[Int(first)].append((bytes, i)) }
            }
        }
        return table
    }

    /// The smallest rule index below `limit` with a pattern in `text` (ASCII case folded), or `limit`.
    static func firstRule<C: RandomAccessCollection>(_ text: C, in table: [[(bytes: [UInt8], rule: Int)]], below limit: Int) -> Int
        where C.Element == UInt8, C.Index == Int {
        var best = limit
        @inline(__always) func fold(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c | 0x20 : c }
        for i in text.indices {
            for (pattern, rule) in table[Int(fold(text[i]))] where rule < best && pattern.count <= text.endIndex - i {
                var j = 1
                while j < pattern.count, fold(text[i + j]) == pattern[j] { j += 1 }
                if j == pattern.count {
                    best = rule
                    if best == 0 { return 0 }
                }
            }
        }
        return best
    }
}
