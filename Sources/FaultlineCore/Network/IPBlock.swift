import Foundation

/// An address block (`10.0.0.0/8`, `2001:db8::/32`, or one address), for allow-lists and trusted proxies.
public struct IPBlock: Sendable, Equatable {
    public let network: [UInt8]
    public let prefix: Int

    public init(network: [UInt8], prefix: Int) {
        self.network = network
        self.prefix = min(max(prefix, 0), network.count * 8)
    }

    /// `address` or `address/prefix`; nil when it is not an IPv4 or IPv6 address.
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let bytes = Self.bytes(String(first)) else { return nil }
        var prefix = bytes.count * 8
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...bytes.count * 8).contains(p) else { return nil }
            prefix = p
        }
        self.init(network: bytes, prefix: prefix)
    }

    /// The 4 or 16 bytes of a numeric address; nil for anything else (host names included).
    public static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }

    public func contains(_ address: [UInt8]) -> Bool {
        guard network.count == address.count else { return false }
        var bits = prefix
        for i in network.indices where bits > 0 {
            let take = min(8, bits)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            if network[i] & mask != address[i] & mask { return false }
            bits -= take
        }
        return true
    }
}
