import Crypto

/// Secrets: DSN keys and API tokens. Tokens are shown once and stored only as SHA-256 hashes.
public enum Credentials {
    public static func randomHex(bytes count: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return hex((0..<count).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    /// Lower-case hex, two digits a byte (digests, signatures, secrets).
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A new API token: 64 hex digits, like a Sentry user auth token.
    public static func newToken() -> String { randomHex(bytes: 32) }

    public static func hash(token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// Sentry's token scopes. Faultline checks the `org`, `project` and `event` ones; the rest are accepted so
    /// tokens made for Sentry keep working.
    public static let knownScopes: Set<String> = [
        "org:read", "org:write", "org:admin", "org:integrations", "project:read", "project:write", "project:admin",
        "project:releases", "team:read", "team:write", "team:admin", "member:read", "member:write", "member:admin",
        "event:read", "event:write", "event:admin", "alerts:read", "alerts:write",
    ]

    /// The scopes named, in order and without repeats, or the first unknown one.
    public static func validScopes(_ names: [String]) -> Result<[String], UnknownScope> {
        var scopes: [String] = []
        for name in names where !scopes.contains(name) {
            guard knownScopes.contains(name) else { return .failure(UnknownScope(name: name)) }
            scopes.append(name)
        }
        return .success(scopes)
    }

    public struct UnknownScope: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "unknown scope '\(name)'" }
    }

    /// Scopes a bootstrap or CLI-created token gets unless told otherwise.
    public static let defaultScopes = ["org:read", "project:read", "project:write", "project:admin",
                                       "project:releases", "event:read", "event:write", "event:admin"]

    /// The first start's token, the owner's: the default scopes and `org:admin`, so it can make other tokens.
    public static let ownerTokenScopes = defaultScopes + ["org:admin"]
}
