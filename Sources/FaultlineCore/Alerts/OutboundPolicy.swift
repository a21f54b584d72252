import Foundation

/// Where alert deliveries may go. Loopback, private, link-local and other non-global addresses are refused (a rule
/// must not turn the server into a probe of its own network) unless an allow-list entry names them: a host name, an
/// address or a CIDR block (`--alerts-allow 127.0.0.0/8,hooks.internal`).
public struct OutboundPolicy: Sendable {
    private let hosts: Set<String>
    private let blocks: [(network: [UInt8], prefix: Int)]

    public init(allow entries: [String] = []) {
        var hosts: Set<String> = []
        var blocks: [(network: [UInt8], prefix: Int)] = []
        for entry in entries.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1)
            if let bytes = Self.bytes(String(parts[0])) {
                let prefix = parts.count == 2 ? Int(parts[1]) ?? bytes.count * 8 : bytes.count * 8
                blocks.append((bytes, min(max(prefix, 0), bytes.count * 8)))
            } else {
                hosts.insert(entry)
            }
        }
        self.hosts = hosts
        self.blocks = blocks
    }

    /// Nil if a request to `host` (resolving to `addresses`) may go out; else why not.
    public func refusal(host: String, addresses: [String]) -> String? {
        if hosts.contains(host.lowercased()) { return nil }
        for address in addresses {
            guard let bytes = Self.bytes(address) else { return "\(host) resolves to an unreadable address" }
            if blocks.contains(where: { Self.contains($0.network, $0.prefix, bytes) }) { continue }
            if Self.isInternal(bytes) {
                return "\(host) resolves to \(address), a loopback or private address (allow it with --alerts-allow)"
            }
        }
        return nil
    }

    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }

    static func contains(_ network: [UInt8], _ prefix: Int, _ address: [UInt8]) -> Bool {
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

    /// Not a public unicast address: RFC 1918, loopback, link-local, CGNAT, unspecified, multicast, ULA, v4-mapped internals.
    static func isInternal(_ b: [UInt8]) -> Bool {
        if b.count == 4 {
            let internal4: [([UInt8], Int)] = [([0, 0, 0, 0], 8), ([10, 0, 0, 0], 8), ([100, 64, 0, 0], 10), ([127, 0, 0, 0], 8),
                                                 ([169, 254, 0, 0], 16), ([172, 16, 0, 0], 12), ([192, 168, 0, 0], 16),
                                                 ([192, 0, 0, 0], 24), ([198, 18, 0, 0], 15), ([224, 0, 0, 0], 4), ([240, 0, 0, 0], 4)]
            return internal4.contains { contains($0.0, $0.1, b) }
        }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return isInternal(Array(b[12...])) }
        if b.allSatisfy({ $0 == 0 }) || (b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1) { return true }
        return b[0] & 0xFE == 0xFC || (b[0] == 0xFE && b[1] & 0xC0 == 0x80) || b[0] == 0xFF
    }
}
