import CCurl
import Foundation

/// Outbound HTTP requests (and SMTP mail) through libcurl (TLS included): one request at a time per call, a hard timeout, no
/// redirects, http and https only, and the connection pinned to addresses the caller approved (so a name that
/// resolves to something else between the check and the connect — DNS rebinding — is not followed).
public enum HTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case invalidURL(String)
        case blocked(String)
        case transport(String)

        public var description: String {
            switch self {
            case .invalidURL(let s): "invalid URL: \(s)"
            case .blocked(let s): "blocked: \(s)"
            case .transport(let s): s
            }
        }
    }

    nonisolated(unsafe) private static var initialized = false
    private static let initLock = NSLock()

    /// POSTs `body`; `approve` sees every address the host resolves to and may refuse (then nothing is sent).
    public static func post(_ url: String, headers: [(String, String)], body: [UInt8], timeout: Double,
                            approve: (String, [String]) -> String?) throws(Failure) -> Response {
        guard let target = Target(url) else { throw .invalidURL(url) }
        let addresses = resolve(target.host, port: target.port)
        guard !addresses.isEmpty else { throw .transport("cannot resolve \(target.host)") }
        if let reason = approve(target.host, addresses) { throw .blocked(reason) }
        initialize()
        guard let curl = curl_easy_init() else { throw .transport("libcurl could not start a request") }
        defer { curl_easy_cleanup(curl) }
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in headers { list = curl_slist_append(list, "\(name): \(value)") }
        list = curl_slist_append(list, "Expect:")  // no 100-continue round trip
        defer { curl_slist_free_all(list) }
        // `host:port:address` for each approved address, so curl connects to those and no others.
        // A literal address needs no entry (nothing is looked up, so nothing can be rebound), and curl cannot read
        // one for an IPv6 literal.
        var resolveList: UnsafeMutablePointer<curl_slist>?
        if !target.isLiteralAddress {
            let pinned = addresses.map { $0.contains(":") ? "[\($0)]" : $0 }.joined(separator: ",")
            resolveList = curl_slist_append(resolveList, "\(target.host):\(target.port):\(pinned)")
        }
        defer { curl_slist_free_all(resolveList) }
        let box = ResponseBox()
        let context = Unmanaged.passUnretained(box).toOpaque()
        // An empty body still needs a pointer: with none, curl would read the body from standard input.
        let sent = body.isEmpty ? [0] : body
        let length = body.count
        let code: CURLcode = sent.withUnsafeBufferPointer { bytes in
            _ = fl_curl_set_string(curl, CURLOPT_URL, url)
            _ = fl_curl_set_long(curl, CURLOPT_POST, 1)
            _ = fl_curl_set_pointer(curl, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            _ = fl_curl_set_long(curl, CURLOPT_POSTFIELDSIZE, length)
            _ = fl_curl_set_slist(curl, CURLOPT_HTTPHEADER, list)
            _ = fl_curl_set_slist(curl, CURLOPT_RESOLVE, resolveList)
            _ = fl_curl_set_long(curl, CURLOPT_FOLLOWLOCATION, 0)
            _ = fl_curl_set_long(curl, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
            _ = fl_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
            _ = fl_curl_set_string(curl, CURLOPT_PROTOCOLS_STR, "http,https")
            _ = fl_curl_set_string(curl, CURLOPT_USERAGENT, "Faultline-Alerts/1")
            _ = fl_curl_set_pointer(curl, CURLOPT_WRITEDATA, context)
            _ = fl_curl_set_write_function(curl) { data, size, count, context in
                guard let data, let context else { return 0 }
                let box = Unmanaged<ResponseBox>.fromOpaque(context).takeUnretainedValue()
                let n = size * count
                // Receivers' answers are for the log: the first 4 KiB is plenty.
                if box.body.count < 4096 {
                    data.withMemoryRebound(to: UInt8.self, capacity: n) {
                        box.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: min(n, 4096 - box.body.count)))
                    }
                }
                return n
            }
            return curl_easy_perform(curl)
        }
        guard code == CURLE_OK else {
            throw .transport(String(cString: curl_easy_strerror(code)))
        }
        var status = 0
        _ = fl_curl_response_code(curl, &status)
        return Response(status: status, body: box.body)
    }

    /// Sends one email through an SMTP server: `smtp://host:port` (STARTTLS when `requireTLS`, else when offered)
    /// or `smtps://host:port`; `message` is the whole RFC 5322 message.
    public static func sendMail(server: String, from: String, to: String, message: [UInt8], user: String?, password: String?,
                                requireTLS: Bool, timeout: Double) throws(Failure) {
        guard let parts = URLComponents(string: server), let scheme = parts.scheme?.lowercased(),
              scheme == "smtp" || scheme == "smtps", parts.host?.isEmpty == false else { throw .invalidURL(server) }
        initialize()
        guard let curl = curl_easy_init() else { throw .transport("libcurl could not start a request") }
        defer { curl_easy_cleanup(curl) }
        var recipients: UnsafeMutablePointer<curl_slist>?
        recipients = curl_slist_append(recipients, "<\(to)>")
        defer { curl_slist_free_all(recipients) }
        let box = UploadBox(message)
        let context = Unmanaged.passUnretained(box).toOpaque()
        _ = fl_curl_set_string(curl, CURLOPT_URL, server)
        _ = fl_curl_set_string(curl, CURLOPT_MAIL_FROM, "<\(from)>")
        _ = fl_curl_set_slist(curl, CURLOPT_MAIL_RCPT, recipients)
        _ = fl_curl_set_long(curl, CURLOPT_UPLOAD, 1)
        _ = fl_curl_set_long(curl, CURLOPT_INFILESIZE, message.count)
        _ = fl_curl_set_long(curl, CURLOPT_USE_SSL, Int(requireTLS ? CURLUSESSL_ALL.rawValue : CURLUSESSL_TRY.rawValue))
        _ = fl_curl_set_long(curl, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
        _ = fl_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
        _ = fl_curl_set_string(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        if let user { _ = fl_curl_set_string(curl, CURLOPT_USERNAME, user) }
        if let password { _ = fl_curl_set_string(curl, CURLOPT_PASSWORD, password) }
        _ = fl_curl_set_pointer(curl, CURLOPT_READDATA, context)
        _ = fl_curl_set_read_function(curl) { buffer, size, count, context in
            guard let buffer, let context else { return 0 }
            let box = Unmanaged<UploadBox>.fromOpaque(context).takeUnretainedValue()
            let n = min(size * count, box.bytes.count - box.offset)
            guard n > 0 else { return 0 }
            box.bytes.withUnsafeBufferPointer { source in
                guard let start = source.baseAddress else { return }
                buffer.withMemoryRebound(to: UInt8.self, capacity: n) { $0.update(from: start + box.offset, count: n) }
            }
            box.offset += n
            return n
        }
        let code = curl_easy_perform(curl)
        guard code == CURLE_OK else { throw .transport(String(cString: curl_easy_strerror(code))) }
    }

    /// curl's global state, set up once (it is not thread-safe to do twice at once).
    private static func initialize() {
        initLock.lock()
        if !initialized {
            curl_global_init(Int(CURL_GLOBAL_DEFAULT))
            initialized = true
        }
        initLock.unlock()
    }

    /// The numeric addresses a host name resolves to (a literal address resolves to itself).
    public static func resolve(_ host: String, port: Int) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var out: [String] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let info = node {
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 {
                let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !out.contains(address) { out.append(address) }
            }
            node = info.pointee.ai_next
        }
        return out
    }

    struct Target {
        var host: String
        var port: Int

        var isLiteralAddress: Bool {
            var v4 = in_addr()
            var v6 = in6_addr()
            return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
        }

        init?(_ url: String) {
            guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", var host = parts.host, !host.isEmpty else { return nil }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            self.host = host
            port = parts.port ?? (scheme == "https" ? 443 : 80)
        }
    }
}

private final class ResponseBox {
    var body: [UInt8] = []
}

private final class UploadBox {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}
