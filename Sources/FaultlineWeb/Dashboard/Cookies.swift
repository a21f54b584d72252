import HTTPServer

extension HTTPRequest {
    /// The value of the cookie `name` from the `Cookie` header(s), if sent (RFC 6265 §5.4: `a=1; b=2`).
    func cookie(_ name: String) -> String? {
        for header in headers.values(for: "Cookie") {
            for pair in header.split(separator: ";") {
                let pair = pair.drop { $0 == " " }
                guard let eq = pair.firstIndex(of: "="), pair[..<eq] == name else { continue }
                var value = pair[pair.index(after: eq)...]
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
                return String(value)
            }
        }
        return nil
    }

    /// Methods that change nothing (RFC 9110 §9.2.1); every other one needs the CSRF token under a session.
    var isSafeMethod: Bool {
        method == "GET" || method == "HEAD" || method == "OPTIONS"
    }
}

/// The two cookies of a dashboard login.
enum SessionCookies {
    /// The session's secret: HttpOnly, so page scripts (and anything injected into them) cannot read it.
    static let session = "faultline_session"
    /// The CSRF token, readable by the page, which echoes it in `X-CSRFToken` (Django's and Sentry's header).
    static let csrf = "faultline_csrf"
    static let csrfHeader = "X-CSRFToken"

    static func set(_ name: String, _ value: String, maxAge: Int, httpOnly: Bool, secure: Bool) -> String {
        var cookie = "\(name)=\(value); Path=/; Max-Age=\(maxAge); SameSite=Strict"
        if httpOnly { cookie += "; HttpOnly" }
        if secure { cookie += "; Secure" }
        return cookie
    }
}
