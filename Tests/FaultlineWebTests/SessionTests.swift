import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol
import Synchronization
import Testing
@testable import FaultlineWeb

extension WebHarness {
    func respond(_ method: String, _ target: String, headers: [(String, String)] = [], body: String = "",
                 from address: String = "192.0.2.1") -> HTTPResponse {
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<HTTPResponse?>(nil)
        app.handle(HTTPRequest(method: method, target: target, headers: HTTPHeaders(headers), body: Array(body.utf8),
                               remoteAddress: address),
                   responder: HTTPResponder { r in box.withLock { $0 = r }; done.signal() })
        done.wait()
        return box.withLock { $0! }
    }

    /// Logs the bootstrap owner in; the session secret and CSRF token from the two cookies.
    func login() throws -> (session: String, csrf: String) {
        let response = respond("POST", "/api/0/auth/login/", headers: [("Content-Type", "application/json")],
                               body: "{\"email\":\"\(bootstrap.owner.email)\",\"password\":\"\(bootstrap.owner.password)\"}")
        #expect(response.status.code == 200)
        let cookies = response.headers.values(for: "Set-Cookie")
        func value(_ name: String) throws -> String {
            let cookie = try #require(cookies.first { $0.hasPrefix(name + "=") })
            return String(cookie.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return (try value("faultline_session"), try value("faultline_csrf"))
    }
}

@Suite struct SessionTests {
    @Test func loginSetsHttpOnlyStrictCookiesThatAuthenticate() throws {
        let h = try WebHarness()
        let response = h.respond("POST", "/api/0/auth/login/", headers: [("Content-Type", "application/json")],
                                 body: "{\"username\":\"\(h.bootstrap.owner.email.uppercased())\",\"password\":\"\(h.bootstrap.owner.password)\"}")
        #expect(response.status.code == 200)
        let cookies = response.headers.values(for: "Set-Cookie")
        let session = try #require(cookies.first { $0.hasPrefix("faultline_session=") })
        let csrf = try #require(cookies.first { $0.hasPrefix("faultline_csrf=") })
        #expect(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Path=/"))
        #expect(!session.contains("Secure"), "the public URL is not https")
        #expect(!csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict"))
        let body = try JSONDocument(bytes: response.body).root.value
        #expect(body["nextUri"]?.stringValue == "/organizations/faultline/issues/")

        let (secret, _) = try h.login()
        let (status, me) = h.call("GET", "/api/0/users/me/", headers: [("Cookie", "other=1; faultline_session=\(secret)")])
        #expect(status == 200 && me?["email"]?.stringValue == h.bootstrap.owner.email)
        let config = try JSONDocument(bytes: h.respond("GET", "/api/client-config/", headers: [("Cookie", "faultline_session=\(secret)")]).body).root.value
        #expect(config["isAuthenticated"] == .bool(true) && config["lastOrganization"]?.stringValue == "faultline")
        let anonymous = try JSONDocument(bytes: h.respond("GET", "/api/client-config/").body).root.value
        #expect(anonymous["isAuthenticated"] == .bool(false) && anonymous["user"] == .null)
    }

    @Test func cookiesAreSecureBehindHTTPS() throws {
        let h = try WebHarness()
        try h.store.setSetting("public_url", "https://errors.example.com")
        let response = h.respond("POST", "/api/0/auth/login/", headers: [("Content-Type", "application/json")],
                                 body: "{\"email\":\"\(h.bootstrap.owner.email)\",\"password\":\"\(h.bootstrap.owner.password)\"}")
        let cookies = response.headers.values(for: "Set-Cookie")
        #expect(cookies.count == 2 && cookies.allSatisfy { $0.contains("; Secure") })
    }

    @Test func unsafeRequestsNeedTheCSRFTokenAndTheSameOrigin() throws {
        let h = try WebHarness()
        let (secret, csrf) = try h.login()
        let cookie = ("Cookie", "faultline_session=\(secret); faultline_csrf=\(csrf)")
        let body = "{\"name\":\"web\"}"
        #expect(h.call("POST", "/api/0/organizations/faultline/projects/", headers: [cookie], body: body).0 == 403)
        #expect(h.call("POST", "/api/0/organizations/faultline/projects/", headers: [cookie, ("X-CSRFToken", (csrf.hasPrefix("0") ? "1" : "0") + csrf.dropFirst())], body: body).0 == 403)
        #expect(h.call("POST", "/api/0/organizations/faultline/projects/",
                       headers: [cookie, ("X-CSRFToken", csrf), ("Host", "127.0.0.1:9000"), ("Origin", "http://evil.example")], body: body).0 == 403)
        let (status, created) = h.call("POST", "/api/0/organizations/faultline/projects/",
                                       headers: [cookie, ("X-CSRFToken", csrf), ("Host", "127.0.0.1:9000"), ("Origin", "http://127.0.0.1:9000")], body: body)
        #expect(status == 201 && created?["slug"]?.stringValue == "web")
        // Reads need no token.
        #expect(h.call("GET", "/api/0/organizations/faultline/projects/", headers: [cookie]).0 == 200)
    }

    @Test func logoutEndsTheSession() throws {
        let h = try WebHarness()
        let (secret, csrf) = try h.login()
        let cookie = ("Cookie", "faultline_session=\(secret)")
        #expect(h.call("DELETE", "/api/0/auth/", headers: [cookie]).0 == 403, "logout is state-changing: CSRF applies")
        let response = h.respond("DELETE", "/api/0/auth/", headers: [cookie, ("X-CSRFToken", csrf)])
        #expect(response.status.code == 204)
        #expect(response.headers.values(for: "Set-Cookie").allSatisfy { $0.contains("Max-Age=0") })
        #expect(h.call("GET", "/api/0/users/me/", headers: [cookie]).0 == 401)
        // Bearer tokens are unaffected by sessions.
        #expect(h.call("GET", "/api/0/users/me/", headers: [("Authorization", "Bearer \(h.bootstrap.token)")]).0 == 200)
    }

    @Test func failedLoginsAreThrottled() throws {
        let h = try WebHarness()
        let json = ("Content-Type", "application/json")
        #expect(h.respond("POST", "/api/0/auth/login/", body: "{\"email\":\"a@b\",\"password\":\"x\"}").status.code == 415)
        #expect(h.call("POST", "/api/0/auth/login/", headers: [json], body: "{\"email\":\"a@b\"}").0 == 400)
        #expect(h.call("POST", "/api/0/auth/login/", headers: [json], body: "not json").0 == 400)
        for attempt in 0..<5 {
            // Spaces and case do not make a new bucket (the review's bypass).
            let email = attempt % 2 == 0 ? " \(h.bootstrap.owner.email.uppercased()) " : h.bootstrap.owner.email
            let response = h.respond("POST", "/api/0/auth/login/", headers: [json],
                                     body: "{\"email\":\"\(email)\",\"password\":\"wrong-password\"}")
            #expect(response.status.code == 400 && String(decoding: response.body, as: UTF8.self).contains("Invalid email or password."))
        }
        let correct = "{\"email\":\"\(h.bootstrap.owner.email)\",\"password\":\"\(h.bootstrap.owner.password)\"}"
        let blocked = h.respond("POST", "/api/0/auth/login/", headers: [json], body: correct)
        #expect(blocked.status.code == 429)
        #expect(Int(blocked.headers["Retry-After"] ?? "") ?? 0 > 0)
        // The owner, from another address, is not locked out by those failures.
        #expect(h.respond("POST", "/api/0/auth/login/", headers: [json], body: correct, from: "198.51.100.7").status.code == 200)
    }

    @Test func throttleWindowSlides() {
        let throttle = LoginThrottle(limits: .init(window: 60, perEmailAndAddress: 2, perAddress: 3))
        throttle.recordFailure(email: "A@x", address: "1.1.1.1", now: 0)
        throttle.recordFailure(email: " a@x\t", address: "1.1.1.1", now: 10)
        #expect(throttle.verdict(email: "a@x ", address: "1.1.1.1", now: 20) == .refused(retryAfter: 40),
                "spaces and case share the bucket")
        #expect(throttle.verdict(email: "a@x", address: "2.2.2.2", now: 20) == .allowed, "another client is not locked out")
        #expect(throttle.verdict(email: "b@x", address: "1.1.1.1", now: 20) == .allowed)
        throttle.recordFailure(email: "b@x", address: "1.1.1.1", now: 20)
        #expect(throttle.verdict(email: "c@x", address: "1.1.1.1", now: 30) == .checkThenThrottle(retryAfter: 30),
                "three failures from one address: checked, never refused outright")
        throttle.recordSuccess(email: "b@x", address: "1.1.1.1")
        #expect(throttle.verdict(email: "b@x", address: "1.1.1.1", now: 30) == .checkThenThrottle(retryAfter: 30))
        #expect(throttle.verdict(email: "a@x", address: "1.1.1.1", now: 71) == .allowed, "the window moved past both")
    }

    @Test func clientAddressBelievesOnlyConfiguredProxies() throws {
        let none = ClientAddress()
        #expect(none.resolve(peer: "10.0.0.5", forwardedFor: ["1.2.3.4"]) == "10.0.0.5")
        let proxied = ClientAddress(trustedProxies: [try #require(IPBlock("10.0.0.0/8")), try #require(IPBlock("::1"))])
        #expect(proxied.resolve(peer: "10.0.0.5", forwardedFor: ["1.2.3.4"]) == "1.2.3.4")
        #expect(proxied.resolve(peer: "10.0.0.5", forwardedFor: ["6.6.6.6, 1.2.3.4, 10.0.0.9"]) == "1.2.3.4",
                "the client's own entries on the left are not believed")
        #expect(proxied.resolve(peer: "10.0.0.5", forwardedFor: ["6.6.6.6", "1.2.3.4"]) == "1.2.3.4")
        #expect(proxied.resolve(peer: "10.0.0.5", forwardedFor: ["junk, 1.2.3.4"]) == "1.2.3.4")
        #expect(proxied.resolve(peer: "10.0.0.5", forwardedFor: ["1.2.3.4, junk"]) == "10.0.0.5")
        #expect(proxied.resolve(peer: "10.0.0.5", forwardedFor: []) == "10.0.0.5")
        #expect(proxied.resolve(peer: "8.8.8.8", forwardedFor: ["1.2.3.4"]) == "8.8.8.8", "not from a proxy")
        #expect(proxied.resolve(peer: "::1", forwardedFor: ["2001:db8::7"]) == "2001:db8::7")
    }

    @Test func cookiesAreParsed() {
        let request = HTTPRequest(method: "GET", target: "/", headers: HTTPHeaders([("Cookie", "a=1;b=\"two\"; faultline_session=s3"), ("Cookie", "c=3")]))
        #expect(request.cookie("a") == "1" && request.cookie("b") == "two" && request.cookie("faultline_session") == "s3")
        #expect(request.cookie("c") == "3" && request.cookie("d") == nil && request.cookie("faultline") == nil)
    }
}

@Suite struct DashboardTests {
    @Test func pagesServeTheShellWithSecurityHeaders() throws {
        let h = try WebHarness()
        for path in ["/", "/auth/login/", "/organizations/faultline/issues/?query=is:unresolved", "/organizations/faultline/issues/12/",
                     "/organizations/faultline/issues/12/events/latest/", "/organizations/faultline/projects/",
                     "/settings/projects/default/", "/settings/faultline/projects/default/",
                     "/organizations/faultline/alerts/rules/", "/organizations/faultline/alerts/rules/new/",
                     "/organizations/faultline/alerts/rules/default/3/"] {
            let response = h.respond("GET", path)
            #expect(response.status.code == 200, "\(path)")
            #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
            let csp = response.headers["Content-Security-Policy"] ?? ""
            #expect(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"))
            #expect(response.headers["X-Content-Type-Options"] == "nosniff" && response.headers["Referrer-Policy"] != nil)
            #expect(String(decoding: response.body, as: UTF8.self).contains("<script type=\"module\" src=\"/_static/js/app.js\">"))
        }
    }

    @Test func staticFilesAreTypedValidatedAndCompressed() throws {
        let h = try WebHarness()
        let js = h.respond("GET", "/_static/js/app.js")
        #expect(js.status.code == 200 && js.headers["Content-Type"] == "text/javascript; charset=utf-8")
        let etag = try #require(js.headers["ETag"])
        #expect(h.respond("GET", "/_static/js/app.js", headers: [("If-None-Match", etag)]).status.code == 304)
        let gz = h.respond("GET", "/_static/app.css", headers: [("Accept-Encoding", "br, gzip")])
        #expect(gz.headers["Content-Encoding"] == "gzip" && gz.body.starts(with: [0x1f, 0x8b]))
        #expect(h.respond("GET", "/_static/app.css", headers: [("Accept-Encoding", "gzip;q=0")]).headers["Content-Encoding"] == nil)
        #expect(h.respond("GET", "/_static/pages/nothing.js").status.code == 404)
        #expect(h.respond("GET", "/_static/%2e%2e/Package.swift").status.code == 404)
        #expect(h.respond("GET", "/_static/js/pages/issue.js").status.code == 200)
        #expect(h.respond("GET", "/favicon.ico").headers["Content-Type"] == "image/svg+xml")
    }

    @Test func everyEmbeddedScriptIsReachableAndNoneUsesInnerHTML() {
        let files = StaticFiles()
        for path in ["index.html", "app.css", "favicon.svg", "js/app.js", "js/api.js", "js/dom.js", "js/pages/issues.js",
                     "js/pages/issue.js", "js/pages/event.js", "js/pages/login.js", "js/pages/projects.js", "js/pages/settings.js",
                     "js/pages/alerts.js"] {
            let file = files[path]
            #expect(file != nil, "\(path) is embedded")
            if path.hasSuffix(".js"), let file {
                let text = String(decoding: file.bytes, as: UTF8.self)
                #expect(!text.contains(".innerHTML") && !text.contains("outerHTML") && !text.contains("insertAdjacentHTML")
                        && !text.contains("document.write"), "\(path) builds DOM from text only")
            }
        }
    }
}

@Suite struct FrameSerializerTests {
    @Test func framesTakeSentrysShapeAndTheServersInAppDecision() {
        let app: JSONValue = .object([("filename", .string("shop.py")), ("abs_path", .string("/srv/shop.py")),
                                      ("function", .string("charge")), ("lineno", .int(8)),
                                      ("pre_context", .array([.string("a"), .string("b")])),
                                      ("context_line", .string("    return x / 0")), ("post_context", .array([.string("c")])),
                                      ("vars", .object([("x", .string("1"))]))])
        let shaped = FrameSerializer.frame(app, platform: "python")
        #expect(shaped["inApp"] == .bool(true), "not marked by the SDK, not a library path")
        #expect(shaped["lineNo"] == .int(8) && shaped["absPath"]?.stringValue == "/srv/shop.py")
        #expect(shaped["context"] == .array([.array([.int(6), .string("a")]), .array([.int(7), .string("b")]),
                                             .array([.int(8), .string("    return x / 0")]), .array([.int(9), .string("c")])]))
        #expect(shaped["vars"]?["x"]?.stringValue == "1")
        let library: JSONValue = .object([("abs_path", .string("/usr/lib/python3/dist-packages/requests/api.py")), ("lineno", .int(3))])
        #expect(FrameSerializer.frame(library, platform: "python")["inApp"] == .bool(false))
        let marked: JSONValue = .object([("abs_path", .string("/srv/shop.py")), ("in_app", .bool(false))])
        #expect(FrameSerializer.frame(marked, platform: "python")["inApp"] == .bool(false), "the SDK's word wins")
        #expect(FrameSerializer.frame(.string("junk"), platform: nil) == .string("junk"))
    }
}
