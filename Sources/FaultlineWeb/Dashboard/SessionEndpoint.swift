import Dispatch
import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// Dashboard login and logout (`POST /api/0/auth/login/`, `DELETE /api/0/auth/`, Sentry's routes). A login sets two
/// cookies: the HttpOnly session secret and the CSRF token the page echoes in `X-CSRFToken`.
struct SessionEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator
    let throttle: LoginThrottle
    let clientAddress: ClientAddress
    /// scrypt takes 0.1 s and 32 MiB: checks run one at a time, off the event loops.
    private let queue = DispatchQueue(label: "faultline.login")

    init(store: any FaultlineStore, auth: APIAuthenticator, throttle: LoginThrottle = LoginThrottle(),
         clientAddress: ClientAddress = ClientAddress()) {
        self.store = store
        self.auth = auth
        self.throttle = throttle
        self.clientAddress = clientAddress
    }

    func login(_ request: HTTPRequest, respond: @escaping @Sendable (HTTPResponse) -> Void) {
        queue.async {
            do {
                respond(try login(request))
            } catch let error as APIError {
                respond(ErrorResponses.response(for: error))
            } catch {
                respond(ErrorResponses.json(.serviceUnavailable, "Logins are unavailable right now."))
            }
        }
    }

    private func login(_ request: HTTPRequest) throws -> HTTPResponse {
        // A JSON body cannot be sent cross-site without a CORS preflight we never grant: no login CSRF.
        let type = request.headers["Content-Type"]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/json" else {
            throw APIError.unsupportedMediaType("Send the credentials as JSON (Content-Type: application/json).")
        }
        guard APIAuthenticator.isSameOrigin(request) else { throw APIError.forbidden("CSRF Failed: Origin checking failed.") }
        let body = try request.jsonObjectBody()
        let email = body["email"]?.string ?? body["username"]?.string ?? ""
        let password = body["password"]?.string ?? ""
        guard !email.isEmpty, !password.isEmpty else { throw APIError.badRequest("Both 'email' and 'password' are required.") }
        guard email.utf8.count <= 254, password.utf8.count <= 1024 else { throw APIError.badRequest("Invalid email or password.") }
        let address = clientAddress.of(request)
        var throttledFailure: Int?
        switch throttle.verdict(email: email, address: address) {
        case .refused(let wait):
            throw APIError.tooManyRequests("Too many failed logins. Try again in \(wait) seconds.", retryAfter: wait)
        case .checkThenThrottle(let wait):
            throttledFailure = wait
        case .allowed:
            break
        }
        let result: SessionLogin.Result
        do {
            result = try SessionLogin.login(email: LoginThrottle.normalize(email), password: password, store: store)
        } catch SessionLogin.Failure.invalidCredentials {
            throttle.recordFailure(email: email, address: address)
            if let wait = throttledFailure {
                throw APIError.tooManyRequests("Too many failed logins. Try again in \(wait) seconds.", retryAfter: wait)
            }
            throw APIError.badRequest("Invalid email or password.")
        } catch SessionLogin.Failure.noOrganization {
            throw APIError.forbidden("This user belongs to no organization.")
        }
        throttle.recordSuccess(email: email, address: address)
        let organization = try store.organization(id: result.session.organizationID)
        var response = HTTPResponse.json(.object([
            ("nextUri", .string("/organizations/\(organization?.slug ?? "")/issues/")),
            ("user", UsersEndpoint.user(result.user)),
        ]))
        let maxAge = Int(SessionLogin.lifetime)
        let secure = try isHTTPS()
        response.headers.add("Set-Cookie", SessionCookies.set(SessionCookies.session, result.secret, maxAge: maxAge,
                                                              httpOnly: true, secure: secure))
        response.headers.add("Set-Cookie", SessionCookies.set(SessionCookies.csrf, result.session.csrfToken,
                                                              maxAge: maxAge, httpOnly: false, secure: secure))
        response.headers.add("Cache-Control", "no-store")
        return response
    }

    /// `GET /api/client-config/` (Sentry's): who is logged in, answered 200 either way so the page can decide where
    /// to go without a failed request in the console.
    func clientConfig(_ request: HTTPRequest) throws -> HTTPResponse {
        var fields: [(key: String, value: JSONValue)] = [("csrfCookieName", .string(SessionCookies.csrf))]
        let token: APIToken?
        do {
            token = try auth.authenticate(request)
        } catch is APIError {
            token = nil
        }
        if let token, let userID = token.userID, let user = try store.user(id: userID),
           let organization = try store.organization(id: token.organizationID) {
            fields += [("isAuthenticated", .bool(true)), ("user", UsersEndpoint.user(user)),
                       ("lastOrganization", .string(organization.slug))]
        } else {
            fields += [("isAuthenticated", .bool(false)), ("user", .null), ("lastOrganization", .null)]
        }
        var response = HTTPResponse.json(.object(fields))
        response.headers.add("Cache-Control", "no-store")
        return response
    }

    /// Ends the session the cookie names (a token caller has none to end) and clears both cookies.
    func logout(_ request: HTTPRequest) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        if token.isSession, let secret = request.cookie(SessionCookies.session) {
            try store.deleteSession(hash: Credentials.hash(token: secret))
        }
        var response = HTTPResponse(status: .noContent)
        let secure = try isHTTPS()
        for (name, httpOnly) in [(SessionCookies.session, true), (SessionCookies.csrf, false)] {
            response.headers.add("Set-Cookie", SessionCookies.set(name, "", maxAge: 0, httpOnly: httpOnly, secure: secure))
        }
        return response
    }

    /// Cookies are `Secure` when users reach the server over https (`--public-url`).
    private func isHTTPS() throws -> Bool {
        try store.setting("public_url")?.lowercased().hasPrefix("https://") ?? false
    }
}
