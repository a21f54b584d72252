#if canImport(Glibc)
import Glibc
#endif

/// A numeric IPv4 or IPv6 listen address: "127.0.0.1:9000", "[::1]:9000", "0.0.0.0:0".
/// Host names are not resolved: a server binds what it was told, not what DNS says today.
public struct SocketAddress: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    let family: Int32

    public init(parsing text: String) throws(SocketAddressError) {
        var host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw SocketAddressError(text) }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw SocketAddressError(text) }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw SocketAddressError(text) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        if host == "localhost" { host = "127.0.0.1" }
        guard let port = Int(portText), (0...65535).contains(port) else { throw SocketAddressError(text) }
        let hostString = String(host)
        var probe4 = in_addr()
        var probe6 = in6_addr()
        if inet_pton(AF_INET, hostString, &probe4) == 1 {
            family = AF_INET
        } else if inet_pton(AF_INET6, hostString, &probe6) == 1 {
            family = AF_INET6
        } else {
            throw SocketAddressError(text)
        }
        self.host = hostString
        self.port = port
    }

    public var description: String {
        family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) throws -> R {
        if family == AF_INET6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = UInt16(port).bigEndian
            _ = inet_pton(AF_INET6, host, &sa.sin6_addr)
            return try withUnsafePointer(to: &sa) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = UInt16(port).bigEndian
        _ = inet_pton(AF_INET, host, &sa.sin_addr)
        return try withUnsafePointer(to: &sa) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
}

public struct SocketAddressError: Error, CustomStringConvertible {
    public let text: String
    init(_ text: String) { self.text = text }
    public var description: String { "invalid listen address '\(text)': expected HOST:PORT with a numeric IPv4 or [IPv6] host" }
}
