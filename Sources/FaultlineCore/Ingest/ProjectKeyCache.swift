import Foundation
import Synchronization

/// DSN keys by public key, cached so the hot path does not query SQLite per request. Entries expire
/// after `ttl`, so a key created or disabled by another process (the CLI) takes effect within it; a
/// miss always asks the store, so a brand-new key works at once.
final class ProjectKeyCache: Sendable {
    private struct Entry {
        let key: ProjectKey?
        let expires: Double
    }

    private let store: any FaultlineStore
    private let ttl: Double
    private let entries = Mutex<[String: Entry]>([:])

    init(store: any FaultlineStore, ttl: Double = 5) {
        self.store = store
        self.ttl = ttl
    }

    func key(_ publicKey: String, now: Double = Date().timeIntervalSince1970) throws -> ProjectKey? {
        if let entry = entries.withLock({ $0[publicKey] }), entry.expires > now, entry.key != nil {
            return entry.key
        }
        let key = try store.projectKey(publicKey: publicKey)
        entries.withLock { entries in
            // Bound the cache: unknown keys from a scanner must not grow it without limit.
            if entries.count > 10_000 { entries.removeAll() }
            entries[publicKey] = Entry(key: key, expires: now + ttl)
        }
        return key
    }

    func invalidate() {
        entries.withLock { $0.removeAll() }
    }
}
