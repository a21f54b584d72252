/// The credentials of an ingest request (`X-Sentry-Auth`, `Authorization: Sentry …`, `?sentry_key=`,
/// `Authorization: Basic`, or the envelope header `dsn`).
public struct SentryAuth: Equatable, Sendable {
    public var publicKey: String
    public var secretKey: String?
    public var version: String?
    public var client: String?

    public init(publicKey: String, secretKey: String? = nil, version: String? = nil, client: String? = nil) {
        self.publicKey = publicKey
        self.secretKey = secretKey
        self.version = version
        self.client = client
    }

    /// Parses `Sentry sentry_key=…, sentry_version=7, …` (the `Sentry ` prefix is optional and case-insensitive).
    /// Byte-level: it runs on every ingest request, where Character-based splitting cost ~10 µs.
    public static func parseHeader(_ value: String) throws(ProtocolError) -> SentryAuth {
        var key: String?
        var secret: String?
        var version: String?
        var client: String?
        var utf8 = value
        utf8.withUTF8 { b in
            var i = 0
            while i < b.count && (b[i] == 0x20 || b[i] == 0x09) { i += 1 }
            // "sentry " prefix, any case.
            if b.count - i >= 7, Self.equalsLowercase(UnsafeBufferPointer(rebasing: b[i..<(i + 6)]), "sentry"), b[i + 6] == 0x20 {
                i += 7
            }
            while i < b.count {
                while i < b.count && (b[i] == 0x20 || b[i] == 0x09 || b[i] == UInt8(ascii: ",")) { i += 1 }
                let nameStart = i
                while i < b.count && b[i] != UInt8(ascii: "=") && b[i] != UInt8(ascii: ",") { i += 1 }
                let nameEnd = i
                guard i < b.count, b[i] == UInt8(ascii: "=") else { continue }
                i += 1
                var valueStart = i
                while i < b.count && b[i] != UInt8(ascii: ",") { i += 1 }
                var valueEnd = i
                while valueStart < valueEnd && (b[valueStart] == 0x20 || b[valueStart] == 0x22) { valueStart += 1 }
                while valueEnd > valueStart && (b[valueEnd - 1] == 0x20 || b[valueEnd - 1] == 0x09 || b[valueEnd - 1] == 0x22) {
                    valueEnd -= 1
                }
                var ne = nameEnd
                while ne > nameStart && (b[ne - 1] == 0x20 || b[ne - 1] == 0x09) { ne -= 1 }
                let name = UnsafeBufferPointer(rebasing: b[nameStart..<ne])
                let text = { String(decoding: UnsafeBufferPointer(rebasing: b[valueStart..<valueEnd]), as: UTF8.self) }
                if Self.equalsLowercase(name, "sentry_key") { key = text() }
                else if Self.equalsLowercase(name, "sentry_secret") { secret = text() }
                else if Self.equalsLowercase(name, "sentry_version") { version = text() }
                else if Self.equalsLowercase(name, "sentry_client") { client = text() }
            }
        }
        return try make(key: key, secret: secret, version: version, client: client)
    }

    private static func equalsLowercase(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        let n = name.utf8Start
        for i in 0..<bytes.count {
            let b = bytes[i]
            if (b >= 65 && b <= 90 ? b | 0x20 : b) != n[i] { return false }
        }
        return true
    }

    /// Builds auth from query parameters (`sentry_key`, `sentry_secret`, `sentry_version`, `sentry_client`);
    /// nil when none of them is present.
    public static func fromQuery(_ items: [(name: String, value: String)]) throws(ProtocolError) -> SentryAuth? {
        var fields: [String: String] = [:]
        for item in items where item.name.hasPrefix("sentry_") { fields[item.name] = item.value }
        guard !fields.isEmpty else { return nil }
        return try make(key: fields["sentry_key"], secret: fields["sentry_secret"], version: fields["sentry_version"],
                        client: fields["sentry_client"])
    }

    /// `Authorization: Basic base64(public_key:secret)`.
    public static func fromBasic(_ value: String) throws(ProtocolError) -> SentryAuth {
        guard let decoded = Base64.decode(value.trimmingCharacters(in: " ")) else {
            throw .invalidAuth("invalid Basic credentials")
        }
        let text = String(decoding: decoded, as: UTF8.self)
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let key = parts.first, !key.isEmpty else { throw .invalidAuth("missing public key") }
        return SentryAuth(publicKey: String(key), secretKey: parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : nil)
    }

    private static func make(key: String?, secret: String?, version: String?, client: String?) throws(ProtocolError) -> SentryAuth {
        guard let key, !key.isEmpty else { throw .invalidAuth("missing sentry_key") }
        if let version, let v = Int(version.prefix { $0 != "." }), v > 8 {
            // Relay rejects protocol versions it does not know (request_meta.rs).
            throw .invalidAuth("unsupported protocol version")
        }
        return SentryAuth(publicKey: key, secretKey: secret, version: version, client: client)
    }

    /// Collects auth from every request-level source. More than one source is accepted only when they
    /// name the same key (Relay refuses any duplicate; some proxies add the query form to a header form).
    public static func fromRequest(xSentryAuth: String?, authorization: String?,
                                   query: [(name: String, value: String)]) throws(ProtocolError) -> SentryAuth? {
        var found: [SentryAuth] = []
        if let header = xSentryAuth { found.append(try parseHeader(header)) }
        if let header = authorization {
            let lower = header.lowercased()
            if lower.hasPrefix("sentry ") {
                found.append(try parseHeader(header))
            } else if lower.hasPrefix("basic ") {
                found.append(try fromBasic(String(header.dropFirst(6))))
            }
        }
        if !query.isEmpty, let fromQuery = try fromQuery(query) { found.append(fromQuery) }
        guard let first = found.first else { return nil }
        if found.contains(where: { $0.publicKey != first.publicKey }) { throw .multipleAuth }
        return first
    }
}

/// A DSN: `{scheme}://{public_key}[:{secret}]@{host}[:{port}]{path}/{project_id}`.
public struct DSN: Equatable, Sendable {
    public var publicKey: String
    public var secretKey: String?
    public var projectID: String

    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard let sep = (0..<max(0, utf8.count - 2)).first(where: {
            utf8[$0] == UInt8(ascii: ":") && utf8[$0 + 1] == UInt8(ascii: "/") && utf8[$0 + 2] == UInt8(ascii: "/")
        }) else { return nil }
        let rest = Substring(String(decoding: utf8[(sep + 3)...], as: UTF8.self))
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let userinfo = rest[..<at]
        let parts = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let key = parts.first, !key.isEmpty else { return nil }
        let hostAndPath = rest[rest.index(after: at)...]
        let path = hostAndPath.split(separator: "/", omittingEmptySubsequences: true).dropFirst()
        guard let project = path.last, !project.isEmpty else { return nil }
        self.publicKey = String(key)
        self.secretKey = parts.count > 1 ? String(parts[1]) : nil
        self.projectID = String(project)
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - 97 + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - 48 + 52)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): v = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            buffer = buffer << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }
}
