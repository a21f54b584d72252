import ContentCoding
import EventProcessing
import Foundation
import Logging
import SentryProtocol

/// The ingest pipeline: authenticate, decompress, parse, summarize, then commit through the store.
/// Only the fields needed to store and index an event are read from its bytes; the body is kept as
/// received (still compressed).
public final class IngestService: Sendable {
    let store: any FaultlineStore
    let metrics: Metrics
    let logger: Logger
    /// DSN keys by public key. A cached miss is not trusted, so a brand-new key works at once.
    private let keys = ExpiringCache<String, ProjectKey?>()
    private let configs = ExpiringCache<Int, ProjectConfig>()

    /// The project's settings changed through this server's API: its next event reads them again (changes made by
    /// another process, the CLI, still apply within the cache's 5 s).
    public func projectSettingsChanged(projectID: Int) {
        configs.remove(projectID)
    }
    private let rateLimiter = KeyRateLimiter()
    private let accepted: CounterCache<String>

    public init(store: any FaultlineStore, metrics: Metrics, logger: Logger) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
        accepted = CounterCache(metrics) { .init("faultline_events_accepted_total", [("category", $0)]) }
    }

    /// The result of a successful ingest: the id to answer with (absent when the envelope had no event).
    public struct Accepted: Sendable {
        public var eventID: EventID?
    }

    /// Processes one request; `completion` runs once its items are committed (or it failed).
    public func ingest(_ request: IngestRequest, completion: @escaping @Sendable (Result<Accepted, IngestError>) -> Void) {
        let prepared: (IngestBatch, EventID?)
        // The writer's group commit waits for envelopes announced here while they are decoded and grouped.
        store.expectCommit()
        // The project, once the request's credentials named it: a rejection's log line says whose it was.
        var project: Int?
        do {
            prepared = try prepare(request, project: &project)
        } catch let error as IngestError {
            store.cancelExpectedCommit()
            metrics.increment(.init("faultline_events_rejected_total", [("reason", error.reason)]))
            // Debug only: a misbehaving client would otherwise flood the log. Never the body, only why.
            logger.debug("ingest rejected", metadata: [
                "project": "\(project.map(String.init) ?? request.projectID.map { String($0.prefix(20)) } ?? "unknown")",
                "reason": "\(error.reason)", "detail": "\(error.description)",
            ])
            completion(.failure(error))
            return
        } catch {
            store.cancelExpectedCommit()
            logger.error("ingest failed", metadata: ["error": "\(error)"])
            metrics.increment(.init("faultline_events_rejected_total", [("reason", "internal")]))
            completion(.failure(.storage))
            return
        }
        let (batch, responseID) = prepared
        store.commit(batch) { [metrics, logger, accepted] result in
            switch result {
            case .success(let receipt):
                for item in receipt.outcomes where item.outcome == "accepted" {
                    accepted.increment(item.category, by: item.quantity)
                }
                completion(.success(Accepted(eventID: responseID)))
            case .failure(let error):
                logger.error("commit failed", metadata: ["error": "\(error)"])
                metrics.increment(.init("faultline_events_rejected_total", [("reason", "internal")]))
                completion(.failure(.storage))
            }
        }
    }

    /// Everything up to the commit: pure CPU work on the caller's thread.
    func prepare(_ request: IngestRequest, project: inout Int?) throws -> (IngestBatch, EventID?) {
        var pathProject: Int?
        if let text = request.projectID {
            guard let id = Int(text), id > 0 else { throw IngestError.invalidProjectID }
            pathProject = id
        }
        var auth: SentryAuth?
        do {
            auth = try SentryAuth.fromRequest(xSentryAuth: request.xSentryAuth, authorization: request.authorization,
                                              query: request.query)
        } catch {
            throw IngestError.protocol(error)
        }
        guard !request.body.isEmpty else { throw IngestError.protocol(.emptyBody) }
        // Credentials on the request are checked before any decompression, so an unknown key costs a lookup,
        // not up to 200 MiB of inflating. Only the envelope's own `dsn` header needs the body first.
        var key = try auth.map { try authorize($0, pathProject: pathProject) }
        project = key?.projectID

        let isEnvelope = request.isEnvelope
        let encodings = ContentEncoding.parseHeader(request.contentEncoding)
        if key == nil {
            // Only the envelope header's `dsn` can name the key: read just enough of the body to find it, so an
            // unauthenticated sender never gets the whole envelope inflated.
            guard isEnvelope else { throw IngestError.protocol(.missingAuth) }
            key = try authorizeFromEnvelopeHeader(request.body, encodings: encodings, pathProject: pathProject)
            project = key?.projectID
        }
        let limit = isEnvelope ? IngestLimits.maxEnvelopeBytes : IngestLimits.maxEventBytes
        var decoded: [UInt8]
        var legacyWrapped = false
        do {
            decoded = try ContentDecoder.decode(request.body, encodings: encodings, limit: limit)
            if !isEnvelope && encodings.isEmpty, let unwrapped = try LegacyStoreBody.unwrap(decoded, limit: limit) {
                legacyWrapped = true
                decoded = unwrapped
            }
        } catch {
            throw IngestError.body(error)
        }
        guard !decoded.isEmpty else { throw IngestError.protocol(.emptyBody) }

        let now = Date().timeIntervalSince1970
        let envelope: Envelope?
        let storeEvent: JSONDocument?
        (envelope, storeEvent) = try Self.parse(decoded, isEnvelope: isEnvelope)

        guard let key else { throw IngestError.protocol(.missingAuth) }
        let projectID = key.projectID
        if let limit = key.rateLimit {
            // Error events count against the key's limit (transactions and other items do not), before any is processed.
            let errors = envelope.map { $0.items.count { $0.type == .event } } ?? 1
            if errors > 0, let retryAfter = rateLimiter.admit(keyID: key.id, limit: limit, quantity: errors, now: now) {
                store.record([Outcome(projectID: projectID, timestamp: now, category: "error", outcome: "rate_limited",
                                      reason: IngestError.rateLimited(retryAfter: retryAfter).reason, quantity: errors)])
                throw IngestError.rateLimited(retryAfter: retryAfter)
            }
        }

        // Only a single coding is kept as-is; stacked codings are rare enough to store decoded.
        let format = isEnvelope ? "envelope" : "json"
        // A legacy base64/zlib body is kept as the JSON it wraps (the raw-event route answers with that).
        let payload: IngestBatch.Payload = encodings.count <= 1 && !legacyWrapped
            ? .init(encoding: encodings.first?.rawValue ?? "identity", format: format, bytes: request.body)
            : .init(encoding: "identity", format: format, bytes: decoded)

        var batch = IngestBatch(projectID: projectID, receivedAt: now, payload: payload, events: [], items: [], outcomes: [])
        let sentAt = envelope?.sentAtTime
        let config = try configs.value(for: projectID) { try store.projectConfig(projectID: projectID) }
        let processor = EventProcessor(config: config, receivedAt: now, sentAt: sentAt)
        var responseID: EventID?
        do {
            if let scrubbed = try fill(&batch, responseID: &responseID, storeEvent: storeEvent, envelope: envelope,
                                       processor: processor) {
                // Scrubbing changed the body: store the scrubbed one, so the original values are never written.
                metrics.increment(.init("faultline_events_scrubbed_total", []))
                batch.payload = FastGzip.compress(scrubbed).map { .init(encoding: "gzip", format: format, bytes: $0) }
                    ?? .init(encoding: "identity", format: format, bytes: scrubbed)
            }
        } catch {
            // The caller counts the rejection in metrics; the outcome needs the project, known only here.
            store.record([Outcome(projectID: projectID, timestamp: now, category: "error", outcome: "invalid",
                                  reason: IngestError.protocol(error).reason)])
            throw IngestError.protocol(error)
        }
        return (batch, responseID)
    }

    /// The key named by the envelope header's `dsn`, read from at most `IngestLimits.maxUnauthenticatedBytes` of
    /// decoded body.
    private func authorizeFromEnvelopeHeader(_ body: [UInt8], encodings: [ContentEncoding], pathProject: Int?) throws -> ProjectKey {
        let head: [UInt8]
        do {
            head = try ContentDecoder.decodePrefix(body, encodings: encodings, maxBytes: IngestLimits.maxUnauthenticatedBytes)
        } catch {
            throw IngestError.body(error)
        }
        guard let headerEnd = head.firstIndex(of: 0x0A) ?? (head.count < IngestLimits.maxUnauthenticatedBytes ? head.count : nil),
              let header = try? JSONDocument(bytes: head, range: 0..<headerEnd), header.root.kind == .object,
              let dsn = header.root["dsn"]?.string
        else {
            throw IngestError.protocol(.missingAuth)
        }
        guard let parsed = DSN(dsn) else { throw IngestError.protocol(.invalidAuth("invalid dsn in envelope header")) }
        return try authorize(SentryAuth(publicKey: parsed.publicKey, secretKey: parsed.secretKey),
                             pathProject: pathProject ?? Int(parsed.projectID))
    }

    /// The key for `auth`, if it may send to `pathProject`.
    private func authorize(_ auth: SentryAuth, pathProject: Int?) throws -> ProjectKey {
        let cached = try keys.value(for: auth.publicKey, reusable: { $0 != nil }) {
            try store.projectKey(publicKey: auth.publicKey)
        }
        guard let key = cached else { throw IngestError.unknownKey }
        guard key.isActive else { throw IngestError.disabledKey }
        if let pathProject, pathProject != key.projectID { throw IngestError.projectMismatch }
        return key
    }

    /// Adds the rows; returns the whole body re-framed when scrubbing changed any item.
    private func fill(_ batch: inout IngestBatch, responseID: inout EventID?, storeEvent: JSONDocument?,
                      envelope: Envelope?, processor: EventProcessor) throws(ProtocolError) -> [UInt8]? {
        if let document = storeEvent {
            let processed = try processor.process(document, id: nil, type: "event", index: 0)
            batch.events.append(processed.row)
            batch.events += processed.occurrences
            batch.outcomes.append(Outcome(projectID: batch.projectID, timestamp: batch.receivedAt,
                                          category: processed.row.type == "transaction" ? "transaction" : "error",
                                          outcome: "accepted"))
            responseID = processed.row.eventID
            return processed.scrubbed
        } else if let envelope {
            var replacements: [Int: [UInt8]] = [:]
            responseID = try add(envelope, to: &batch, processor: processor, replacements: &replacements)
            return replacements.isEmpty ? nil : envelope.replacingPayloads(replacements)
        }
        return nil
    }

    private static func parse(_ decoded: [UInt8], isEnvelope: Bool) throws(IngestError) -> (Envelope?, JSONDocument?) {
        if isEnvelope {
            do {
                return (try EnvelopeParser.parse(decoded), nil)
            } catch {
                throw .protocol(error)
            }
        }
        do {
            return (nil, try JSONDocument(bytes: decoded))
        } catch {
            throw .protocol(.invalidJSON("request body", error))
        }
    }

    /// Item types whose JSON may carry personal data and is kept, so it is scrubbed like events.
    private static let scrubbedItems: Set<String> = ["feedback", "user_report", "log", "span"]

    private func add(_ envelope: Envelope, to batch: inout IngestBatch, processor: EventProcessor,
                     replacements: inout [Int: [UInt8]]) throws(ProtocolError) -> EventID? {
        let headerID = envelope.eventID
        var responseID: EventID?
        var dropped: [String: Int] = [:]
        for (index, item) in envelope.items.enumerated() {
            let type = item.type
            if type.isEvent {
                let document: JSONDocument
                do {
                    document = try JSONDocument(bytes: envelope.bytes, range: item.payload)
                } catch {
                    throw .invalidJSON(type == .transaction ? "transaction item" : "event item", error)
                }
                // The envelope header's event_id wins over the payload's (develop docs, envelopes).
                let processed = try processor.process(document, id: headerID, type: type.name, index: index)
                if let scrubbed = processed.scrubbed { replacements[index] = scrubbed }
                batch.events.append(processed.row)
                batch.events += processed.occurrences
                responseID = processed.row.eventID
            } else if type.isStored {
                // Parsed once for both uses: streamed spans' queryable part, and scrubbing of items kept as JSON.
                let document = Self.scrubbedItems.contains(type.name)
                    ? try? JSONDocument(bytes: envelope.bytes, range: item.payload) : nil
                if type == .span, let document, document.root.kind == .object {
                    // The container is kept as sent, like other items; its spans are also stored queryably.
                    let streamed = TraceRecords.streamed(document.root)
                    batch.streamed.transactions += streamed.transactions
                    batch.streamed.spans += streamed.spans
                    if batch.streamed.traceID == nil { batch.streamed.traceID = streamed.traceID }
                    batch.events += processor.streamedOccurrences(streamed, container: document.root, itemIndex: index)
                }
                if let document, let scrubbed = processor.scrub(document) {
                    replacements[index] = scrubbed
                }
                batch.items.append(.init(type: type.name, eventID: headerID, quantity: item.quantity, itemIndex: index))
            } else {
                dropped[type.dataCategory, default: 0].saturatingAdd(item.quantity)
                metrics.increment(.init("faultline_items_dropped_total", [("type", type.label)]), by: item.quantity)
                continue
            }
            batch.outcomes.append(Outcome(projectID: batch.projectID, timestamp: batch.receivedAt, category: type.dataCategory,
                                          outcome: "accepted", quantity: item.quantity))
        }
        batch.streamed.seal()
        for (category, quantity) in dropped {
            batch.outcomes.append(Outcome(projectID: batch.projectID, timestamp: batch.receivedAt, category: category,
                                          outcome: "filtered", reason: "unsupported_item", quantity: quantity))
        }
        return responseID ?? headerID
    }

}
