import Foundation
import SentryProtocol

extension AlertMessages {
    /// A multipart/alternative email (plain text and HTML) for a firing. Event text is escaped in the HTML part and
    /// kept off header lines except the subject, which is single-line and encoded when not ASCII.
    static func email(_ payload: [UInt8], from: String, to: String, at time: Double, id: Int) -> [UInt8] {
        let s = (try? JSONDocument(bytes: payload)).map { summary($0.root) }
            ?? Summary(headline: "Faultline alert", subtitle: "", detail: "", url: "", project: "", facts: [])
        let title = s.headline
        let url = s.url
        let facts = s.facts
        let text = (["\(title)", ""] + facts.map { "\($0.0): \($0.1)" } + ["", url]).joined(separator: "\r\n")
        let rows = facts.map { "<tr><th align=\"left\">\(html($0.0))</th><td>\(html($0.1))</td></tr>" }.joined()
        let body = """
            <html><body style="font-family:sans-serif"><h2>\(html(title))</h2><table>\(rows)</table>\
            <p><a href="\(html(url))">Open in Faultline</a></p></body></html>
            """
        let boundary = "faultline-\(id)-\(Int(time))"
        let date = DateFormatter.rfc5322.string(from: Date(timeIntervalSince1970: time))
        let domain = from.split(separator: "@").last.map(String.init) ?? "faultline.local"
        let headers = [
            "From: Faultline <\(from)>",
            "To: <\(to)>",
            "Subject: \(encodedHeader(title))",
            "Date: \(date)",
            "Message-ID: <alert-\(id)-\(Int(time))@\(domain)>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
        ]
        let message = headers.joined(separator: "\r\n") + "\r\n\r\n"
            + "--\(boundary)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + wrapped(Data(text.utf8).base64EncodedString()) + "\r\n"
            + "--\(boundary)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + wrapped(Data(body.utf8).base64EncodedString()) + "\r\n"
            + "--\(boundary)--\r\n"
        return Array(message.utf8)
    }

    /// One line, at most 200 characters, as an RFC 2047 encoded word when not plain ASCII.
    static func encodedHeader(_ text: String) -> String {
        let line = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 }.prefix(200))
        if line.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) { return line }
        return "=?UTF-8?B?\(Data(line.utf8).base64EncodedString())?="
    }

    static func html(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    private static func wrapped(_ base64: String) -> String {
        var lines: [Substring] = []
        var rest = base64[...]
        while !rest.isEmpty {
            lines.append(rest.prefix(76))
            rest = rest.dropFirst(76)
        }
        return lines.joined(separator: "\r\n")
    }
}

extension DateFormatter {
    static let rfc5322: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f
    }()
}
