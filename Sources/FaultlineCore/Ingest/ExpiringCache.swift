import Foundation
import Synchronization

/// Values read from the store, kept for `ttl` seconds so the ingest hot path does not query SQLite per request.
/// A change made elsewhere (a key created or disabled by the CLI, new project settings) applies within the TTL.
final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        let value: Value
        let expires: Double
    }

    private let ttl: Double
    /// Bounds the cache: unknown keys from a scanner must not grow it without limit.
    private let limit = 10_000
    private let entries = Mutex<[Key: Entry]>([:])

    init(ttl: Double = 5) {
        self.ttl = ttl
    }

    /// Forgets a value (it changed here): the next read loads it again.
    func remove(_ key: Key) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    /// The cached value while fresh and `reusable`, else a new one from `load`, which is then cached.
    func value(for key: Key, now: Double = Date().timeIntervalSince1970, reusable: (Value) -> Bool = { _ in true },
               load: () throws -> Value) rethrows -> Value {
        if let entry = entries.withLock({ $0[key] }), entry.expires > now, reusable(entry.value) { return entry.value }
        let value = try load()
        entries.withLock { entries in
            if entries.count > limit { entries.removeAll() }
            entries[key] = Entry(value: value, expires: now + ttl)
        }
        return value
    }
}
