import ContentCoding
import Crypto
import FaultlineCore
import DashboardAssets
import HTTPServer

/// The dashboards' files, ready to serve: content type, a validator and a gzip copy, computed once at start.
struct StaticFiles: Sendable {
    struct File: Sendable {
        var contentType: String
        var etag: String
        var bytes: [UInt8]
        /// Nil when compressing does not pay (images, tiny files).
        var gzipped: [UInt8]?
    }

    private let files: [String: File]

    init(_ sources: [String: [UInt8]] = DashboardAssets.files) {
        var files: [String: File] = [:]
        for (path, bytes) in sources {
            let type = Self.contentType(path)
            let digest = Credentials.hex(SHA256.hash(data: bytes).prefix(12))
            var gzipped: [UInt8]?
            if type.hasPrefix("text/") || type.hasPrefix("image/svg") || type.hasPrefix("application/json") {
                let packed = DeflateEncoder.compress(bytes, format: .gzip, level: 9)
                if packed.count + 64 < bytes.count { gzipped = packed }
            }
            files[path] = File(contentType: type, etag: "\"\(digest)\"", bytes: bytes, gzipped: gzipped)
        }
        self.files = files
    }

    subscript(path: String) -> File? { files[path] }

    /// The file as a response: 304 when the client has it, gzip when the client takes it.
    func response(_ path: String, for request: HTTPRequest) -> HTTPResponse? {
        guard let file = files[path] else { return nil }
        var headers = HTTPHeaders([("Content-Type", file.contentType)])
        headers.add("ETag", file.etag)
        // Revalidated on every load (a 304 costs one round trip on loopback): a new binary's files are seen at once
        // without hashed file names, which would need a build step.
        headers.add("Cache-Control", "no-cache")
        headers.add("Vary", "Accept-Encoding")
        for (name, value) in DashboardHeaders.security { headers.add(name, value) }
        if let sent = request.headers["If-None-Match"],
           sent.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == file.etag }) {
            return HTTPResponse(status: .notModified, headers: headers)
        }
        if let gzipped = file.gzipped, Self.acceptsGzip(request) {
            headers.add("Content-Encoding", "gzip")
            return HTTPResponse(status: .ok, headers: headers, body: gzipped)
        }
        return HTTPResponse(status: .ok, headers: headers, body: file.bytes)
    }

    static func acceptsGzip(_ request: HTTPRequest) -> Bool {
        request.headers.values(for: "Accept-Encoding").joined(separator: ",").split(separator: ",").contains { part in
            let coding = part.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            return coding == "gzip" && !part.replacingOccurrences(of: " ", with: "").hasSuffix("q=0")
        }
    }

    static func contentType(_ path: String) -> String {
        switch path.split(separator: ".").last.map({ $0.lowercased() }) {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "json", "webmanifest": "application/json"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}

/// Headers every dashboard response carries. Event data reaches the page only as JSON and is written with
/// `textContent`; the policy is the second wall: no inline script, nothing from elsewhere, no framing.
enum DashboardHeaders {
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
        "font-src 'self'", "manifest-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    static let security: [(String, String)] = [
        ("Content-Security-Policy", contentSecurityPolicy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
}
