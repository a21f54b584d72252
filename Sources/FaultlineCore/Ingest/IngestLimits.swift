/// Size limits on ingest, Relay's defaults (relay-config `Limits::default`).
public enum IngestLimits {
    /// A whole envelope after decompression: 200 MiB.
    public static let maxEnvelopeBytes = 200 * 1024 * 1024
    /// A legacy `/store/` event after decompression: 1 MiB.
    public static let maxEventBytes = 1024 * 1024
    /// Decoded bytes read before the sender is known (an envelope whose only credentials are its header's `dsn`).
    public static let maxUnauthenticatedBytes = 64 * 1024
    /// A request body as sent (compressed): 20 MiB; enforced by the HTTP server's body limit.
    public static let maxRequestBytes = 20 * 1024 * 1024
}
