import FaultlineCore
import HTTPClient

/// The SMTP server alert emails go through (`serve --smtp-url`).
struct SMTPSettings: Sendable {
    var url: String
    var from: String
    var user: String?
    var password: String?
    var requireTLS: Bool
}

/// Alert deliveries over libcurl: 5-second timeout, no redirects, the connection pinned to the approved addresses;
/// emails through the configured SMTP server.
struct CurlTransport: AlertTransport {
    var smtp: SMTPSettings?

    var mailFrom: String? { smtp?.from }

    func post(url: String, headers: [(String, String)], body: [UInt8],
              approve: @escaping (String, [String]) -> String?) throws -> Int {
        do {
            return try HTTPClient.post(url, headers: headers, body: body, timeout: 5, approve: approve).status
        } catch .blocked(let reason) {
            throw AlertTransportError.refused(reason)
        } catch .invalidURL(let text) {
            throw AlertTransportError.refused("invalid URL \(text)")
        } catch .transport(let message) {
            throw AlertTransportError.failed(message)
        }
    }

    func sendMail(to: String, message: [UInt8]) throws {
        guard let smtp else { throw AlertTransportError.refused("no SMTP server is configured (serve --smtp-url)") }
        do {
            try HTTPClient.sendMail(server: smtp.url, from: smtp.from, to: to, message: message, user: smtp.user,
                                    password: smtp.password, requireTLS: smtp.requireTLS, timeout: 10)
        } catch .invalidURL(let text) {
            throw AlertTransportError.refused("invalid SMTP URL \(text)")
        } catch {
            throw AlertTransportError.failed("SMTP: \(error.description)")
        }
    }
}
