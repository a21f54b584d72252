import SentryProtocol

/// The browser and operating system named by a `User-Agent` header, for events whose SDK sent no `browser`/`os`
/// context (old browser clients such as raven-js, and server events carrying their caller's request). Relay fills
/// these contexts with ua-parser; this covers the families that make up nearly all real traffic, by fixed tokens
/// (each search is linear, and the header is cut to its first 512 bytes), and says nothing about the rest.
public enum UserAgent {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var version: String?

        public init(name: String, version: String?) {
            self.name = name
            self.version = version
        }
    }

    public static let maxLength = 512

    /// Relay's `is_browser_platform`: for these, the agent's OS is the event's own.
    public static func isBrowserPlatform(_ platform: String) -> Bool {
        platform == "javascript"
    }

    public static func parse(_ header: String) -> (browser: Part?, os: Part?) {
        let ua = header.utf8.count > maxLength ? String(header.prefix(maxLength)) : header
        return (browser(ua), os(ua))
    }

    /// Browsers, most specific first: Edge, Opera and Samsung Internet also say Chrome; Chrome also says Safari.
    static let browsers: [(token: String, name: String, mobileName: String?)] = [
        ("Edg/", "Edge", "Edge Mobile"), ("Edge/", "Edge", "Edge Mobile"), ("EdgA/", "Edge Mobile", nil),
        ("OPR/", "Opera", "Opera Mobile"), ("SamsungBrowser/", "Samsung Internet", nil),
        ("FxiOS/", "Firefox iOS", nil), ("Firefox/", "Firefox", "Firefox Mobile"),
        ("CriOS/", "Chrome Mobile iOS", nil), ("HeadlessChrome/", "HeadlessChrome", nil),
        ("Chrome/", "Chrome", "Chrome Mobile"),
    ]

    static func browser(_ ua: String) -> Part? {
        let mobile = ua.containsText("Mobile")
        for (token, name, mobileName) in browsers {
            if let r = ua.range(ofText: token) {
                return Part(name: mobile ? (mobileName ?? name) : name, version: version(after: ua[r.upperBound...]))
            }
        }
        if ua.containsText("Safari/"), let r = ua.range(ofText: "Version/") {
            return Part(name: mobile ? "Mobile Safari" : "Safari", version: version(after: ua[r.upperBound...]))
        }
        if let r = ua.range(ofText: "MSIE ") { return Part(name: "IE", version: version(after: ua[r.upperBound...])) }
        if ua.containsText("Trident/"), let r = ua.range(ofText: "rv:") {
            return Part(name: "IE", version: version(after: ua[r.upperBound...]))
        }
        return nil
    }

    static func os(_ ua: String) -> Part? {
        if let r = ua.range(ofText: "Windows NT ") {
            let nt = version(after: ua[r.upperBound...], parts: 2)
            let names = ["10.0": "10", "6.3": "8.1", "6.2": "8", "6.1": "7", "6.0": "Vista", "5.1": "XP"]
            return Part(name: "Windows", version: nt.flatMap { names[$0] })
        }
        if ua.containsText("iPhone") || ua.containsText("iPad") || ua.containsText("iPod") {
            let r = ua.range(ofText: "iPhone OS ") ?? ua.range(ofText: "CPU OS ")
            return Part(name: "iOS", version: r.flatMap { version(after: ua[$0.upperBound...], underscores: true) })
        }
        if let r = ua.range(ofText: "Android") {
            let rest = ua[r.upperBound...].drop { $0 == " " }
            return Part(name: "Android", version: version(after: rest))
        }
        if let r = ua.range(ofText: "Mac OS X") {
            let rest = ua[r.upperBound...].drop { $0 == " " }
            return Part(name: "Mac OS X", version: version(after: rest, underscores: true))
        }
        if ua.containsText("CrOS") { return Part(name: "Chrome OS", version: nil) }
        if ua.containsText("Ubuntu") { return Part(name: "Ubuntu", version: nil) }
        if ua.containsText("Linux") { return Part(name: "Linux", version: nil) }
        return nil
    }

    /// Up to `parts` dot-separated numbers at the start of `text` (`120.0.6099.109` → `120.0.6099`, as ua-parser's
    /// major.minor.patch); `_` separates them in Apple's OS versions.
    static func version(after text: Substring, parts: Int = 3, underscores: Bool = false) -> String? {
        var out = ""
        var count = 0
        var current = ""
        for c in text {
            if c.isASCII && c.isNumber {
                current.append(c)
            } else if (c == "." || (underscores && c == "_")) && !current.isEmpty {
                out += (out.isEmpty ? "" : ".") + current
                current = ""
                count += 1
                if count == parts { return out }
            } else {
                break
            }
        }
        if !current.isEmpty {
            out += (out.isEmpty ? "" : ".") + current
        }
        return out.isEmpty ? nil : out
    }

    /// The `User-Agent` of a request interface whose `headers` are an object or a list of pairs.
    public static func header(in request: JSONValue) -> String? {
        switch request["headers"] {
        case .object(let members)?:
            return members.first { $0.key.lowercased() == "user-agent" }?.value.stringValue
        case .array(let pairs)?:
            for pair in pairs {
                if let p = pair.arrayValue, p.count == 2, p[0].stringValue?.lowercased() == "user-agent" { return p[1].stringValue }
            }
            return nil
        default:
            return nil
        }
    }

    /// The same, read from the ingest tape.
    public static func header(in request: JSONRef?) -> String? {
        guard let headers = request?["headers"] else { return nil }
        switch headers.kind {
        case .object:
            return headers.members.first { $0.key.utf8.count == 10 && $0.key.lowercased() == "user-agent" }?.value.string
        case .array:
            for pair in headers.elements {
                let p = pair.elements
                if p.count == 2, p[0].string?.lowercased() == "user-agent" { return p[1].string }
            }
            return nil
        default:
            return nil
        }
    }
}
