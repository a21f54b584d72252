import Crypto

/// Secrets: DSN keys and API tokens. Tokens are shown once and stored only as SHA-256 hashes.
public enum Credentials {
    public static func randomHex(bytes count: Int) -> String {
        var g = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for _ in 0..<count {
            let b = UInt8.random(in: 0...255, using: &g)
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

    /// Scopes a bootstrap or CLI-created token gets unless told otherwise.
    public static let defaultScopes = ["org:read", "project:read", "project:write", "project:admin",
                                       "project:releases", "event:read", "event:write", "event:admin"]
}
