import HTTPServer

/// Headers on every response, so no answer of ours (an API error, an ingest reply, the server's own 400) can be
/// sniffed into HTML or run script if a browser is made to load it as a page. The dashboard's pages bring their own,
/// wider policy (`StaticFiles`), which is left as it is.
enum SecurityHeaders {
    /// Nothing may load, run, frame or submit from a JSON answer.
    static let contentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    static let fields: [(String, String)] = [
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", contentSecurityPolicy),
    ]

    /// Adds the fields a response lacks (checked by name, so prebuilt header lists that already hold them are not
    /// copied).
    static func apply(to response: inout HTTPResponse) {
        if !response.headers.contains("X-Content-Type-Options") {
            response.headers.add("X-Content-Type-Options", "nosniff")
        }
        if !response.headers.contains("Content-Security-Policy") {
            response.headers.add("Content-Security-Policy", contentSecurityPolicy)
        }
    }
}
