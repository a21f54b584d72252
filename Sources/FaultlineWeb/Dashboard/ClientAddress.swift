import FaultlineCore
import HTTPServer

/// The address a request came from: the connection's peer, or — when the peer is one of the configured reverse
/// proxies — the nearest address in `X-Forwarded-For` that is not a proxy of ours. Entries further left were written
/// by the client and are not believed; without configured proxies the header is ignored altogether.
struct ClientAddress: Sendable {
    let trustedProxies: [IPBlock]

    init(trustedProxies: [IPBlock] = []) {
        self.trustedProxies = trustedProxies
    }

    func of(_ request: HTTPRequest) -> String? {
        resolve(peer: request.remoteAddress, forwardedFor: request.headers.values(for: "X-Forwarded-For"))
    }

    func resolve(peer: String?, forwardedFor: [String]) -> String? {
        guard let peer, isTrusted(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for hop in hops.reversed() {
            // Anything that is not a plain address ends the walk: what lies left of it cannot be trusted either.
            guard IPBlock.bytes(hop) != nil else { return peer }
            if !isTrusted(hop) { return hop }
        }
        return hops.first.flatMap { IPBlock.bytes($0) != nil ? $0 : nil } ?? peer
    }

    private func isTrusted(_ address: String) -> Bool {
        guard let bytes = IPBlock.bytes(address) else { return false }
        return trustedProxies.contains { $0.contains(bytes) }
    }
}
