import Foundation

/// A dashboard login: the browser holds the secret in an HttpOnly cookie; storage holds its hash.
public struct Session: Sendable, Equatable {
    public var id: Int
    public var userID: Int
    public var organizationID: Int
    /// Sent back in `X-CSRFToken` on every state-changing request (the page reads it from a second cookie).
    public var csrfToken: String
    public var createdAt: Double
    public var expiresAt: Double
}

extension Session {
    /// The session as the API sees a caller: a token with the scopes of the member's role.
    public func token(role: MemberRole) -> APIToken {
        APIToken(id: id, organizationID: organizationID, name: nil, scopes: role.scopes, createdAt: createdAt,
                 userID: userID, isSession: true)
    }
}

/// What logins ask of storage (`SQLiteStore+Sessions`).
public protocol SessionStore: Sendable {
    func createSession(hash: [UInt8], userID: Int, organizationID: Int, csrfToken: String, createdAt: Double,
                       expiresAt: Double) throws -> Session
    /// The session with that secret's hash, unless it expired before `now`.
    func session(hash: [UInt8], now: Double) throws -> Session?
    func deleteSession(hash: [UInt8]) throws
    /// Records a successful login and drops sessions that expired.
    func recordLogin(userID: Int, at now: Double) throws
}

/// Email and password in, a new session out: the one path for logging in.
public enum SessionLogin {
    /// Django's default (`SESSION_COOKIE_AGE`), which Sentry keeps.
    public static let lifetime: Double = 14 * 24 * 3600

    public enum Failure: Error, Equatable {
        /// Unknown email or wrong password (the two are not told apart).
        case invalidCredentials
        /// The user belongs to no organization.
        case noOrganization
    }

    public struct Result: Sendable {
        public var session: Session
        /// The cookie value; only its hash is stored.
        public var secret: String
        public var user: User
    }

    public static func login(email: String, password: String, store: any FaultlineStore,
                             now: Double = Date().timeIntervalSince1970) throws -> Result {
        let email = email.trimmingCharacters(in: .whitespaces)
        guard let (user, hash) = try store.user(email: email) else {
            // The same scrypt work as a real check, so response time does not say which emails exist.
            _ = PasswordHasher.verify(password, against: decoyHash)
            throw Failure.invalidCredentials
        }
        guard PasswordHasher.verify(password, against: hash) else { throw Failure.invalidCredentials }
        guard let membership = try store.memberships(userID: user.id).first else { throw Failure.noOrganization }
        let secret = Credentials.newToken()
        let session = try store.createSession(hash: Credentials.hash(token: secret), userID: user.id,
                                              organizationID: membership.organizationID,
                                              csrfToken: Credentials.randomHex(bytes: 32), createdAt: now,
                                              expiresAt: now + lifetime)
        try store.recordLogin(userID: user.id, at: now)
        return Result(session: session, secret: secret, user: user)
    }

    /// A hash of a password nobody knows, at the cost real hashes have.
    private static let decoyHash: String = (try? PasswordHasher.hash(PasswordHasher.generate())) ?? ""
}
