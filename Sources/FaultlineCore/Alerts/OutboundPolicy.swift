import Foundation

/// Where alert deliveries may go. Loopback, private, link-local and other non-global addresses are refused (a rule
/// must not turn the server into a probe of its own network) unless an allow-list entry names them: a host name, an
/// address or a CIDR block (`--alerts-allow 127.0.0.0/8,hooks.internal`).
public struct OutboundPolicy: Sendable {
    private let hosts: Set<String>
    private let blocks: [IPBlock]

    public init(allow entries: [String] = []) {
        var hosts: Set<String> = []
        var blocks: [IPBlock] = []
        for entry in entries.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !entry.isEmpty {
            if let block = IPBlock(entry) {
                blocks.append(block)
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
            guard let bytes = IPBlock.bytes(address) else { return "\(host) resolves to an unreadable address" }
            if blocks.contains(where: { $0.contains(bytes) }) { continue }
            if Self.isInternal(bytes) {
                return "\(host) resolves to \(address), a loopback or private address (allow it with --alerts-allow)"
            }
        }
        return nil
    }

    private static let internal4: [IPBlock] = [
        v4(0, 0, 0, 0, 8), v4(10, 0, 0, 0, 8), v4(100, 64, 0, 0, 10), v4(127, 0, 0, 0, 8), v4(169, 254, 0, 0, 16),
        v4(172, 16, 0, 0, 12), v4(192, 168, 0, 0, 16), v4(192, 0, 0, 0, 24), v4(198, 18, 0, 0, 15), v4(224, 0, 0, 0, 4),
        v4(240, 0, 0, 0, 4),
    ]

    private static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ prefix: Int) -> IPBlock {
        IPBlock(network: [a, b, c, d], prefix: prefix)
    }

    /// An IPv6 block from its leading bytes.
    private static func v6(_ head: [UInt8], _ prefix: Int) -> IPBlock {
        IPBlock(network: head + [UInt8](repeating: 0, count: 16 - head.count), prefix: prefix)
    }

    /// IPv6 forms that carry an IPv4 address, with where it sits: the IPv4 address decides. IPv4-mapped
    /// (`::ffff:0:0/96`), IPv4-compatible (`::/96`), SIIT (`::ffff:0:0:0/96`), NAT64 (`64:ff9b::/96`) and 6to4
    /// (`2002::/16`, the address in bytes 2–5).
    private static let embedding4: [(block: IPBlock, offset: Int)] = [
        (v6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF], 96), 12),
        (v6([], 96), 12),
        (v6([0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF], 96), 12),
        (v6([0, 0x64, 0xFF, 0x9B], 96), 12),
        (v6([0x20, 0x02], 16), 2),
    ]

    /// IPv6 blocks that are never a public host: unique local, link-local, multicast, documentation, Teredo (its
    /// IPv4 address is obfuscated), the local-use NAT64 block, discard-only.
    private static let internal6: [IPBlock] = [
        v6([0xFC], 7), v6([0xFE, 0x80], 10), v6([0xFF], 8), v6([0x20, 0x01, 0x0D, 0xB8], 32), v6([0x20, 0x01, 0, 0], 32),
        v6([0, 0x64, 0xFF, 0x9B, 0, 0x01], 48), v6([0x01, 0, 0, 0, 0, 0, 0, 0], 64),
    ]

    /// Not a public unicast address: RFC 1918, loopback, link-local, CGNAT, unspecified, multicast, ULA, and any IPv6
    /// form of an internal IPv4 address.
    static func isInternal(_ b: [UInt8]) -> Bool {
        if b.count == 4 { return internal4.contains { $0.contains(b) } }
        guard b.count == 16 else { return true }
        // Unspecified and loopback (`::`, `::1`) fall inside the IPv4-compatible block, as 0.0.0.0 and 0.0.0.1.
        for (block, offset) in embedding4 where block.contains(b) {
            return isInternal(Array(b[offset..<(offset + 4)]))
        }
        return internal6.contains { $0.contains(b) }
    }
}
