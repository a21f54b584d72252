import SQLite

/// The database schema, as ordered migrations. A released migration is never edited: changes go in a
/// new one appended below.
enum Schema {
    static var migrator: SQLiteMigrator {
        var m = SQLiteMigrator()
        m.register("0001_initial", """
            CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            CREATE TABLE organizations (
                id INTEGER PRIMARY KEY,
                slug TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                created_at REAL NOT NULL
            );
            CREATE TABLE projects (
                id INTEGER PRIMARY KEY,
                organization_id INTEGER NOT NULL REFERENCES organizations(id),
                slug TEXT NOT NULL,
                name TEXT NOT NULL,
                platform TEXT,
                created_at REAL NOT NULL,
                UNIQUE (organization_id, slug)
            );
            CREATE TABLE project_keys (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL REFERENCES projects(id),
                public_key TEXT NOT NULL UNIQUE,
                secret_key TEXT NOT NULL,
                label TEXT NOT NULL,
                is_active INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL
            );
            CREATE TABLE api_tokens (
                id INTEGER PRIMARY KEY,
                organization_id INTEGER NOT NULL REFERENCES organizations(id),
                token_hash BLOB NOT NULL UNIQUE,
                name TEXT,
                scopes TEXT NOT NULL,
                created_at REAL NOT NULL,
                revoked_at REAL
            );
            -- Request bodies as received (still compressed), stored once however many items point into them.
            CREATE TABLE payloads (
                id INTEGER PRIMARY KEY,
                encoding TEXT NOT NULL,
                format TEXT NOT NULL,
                bytes BLOB NOT NULL
            );
            -- Rowids grow with time, so inserts append; only the event-id index takes random inserts.
            CREATE TABLE events (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL,
                event_id BLOB NOT NULL,
                type TEXT NOT NULL,
                received_at REAL NOT NULL,
                timestamp REAL NOT NULL,
                level TEXT,
                platform TEXT,
                release TEXT,
                environment TEXT,
                payload_id INTEGER NOT NULL,
                item_index INTEGER NOT NULL
            );
            CREATE UNIQUE INDEX events_project_event_id ON events (project_id, event_id);
            CREATE TABLE envelope_items (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL,
                type TEXT NOT NULL,
                event_id BLOB,
                received_at REAL NOT NULL,
                quantity INTEGER NOT NULL,
                payload_id INTEGER NOT NULL,
                item_index INTEGER NOT NULL
            );
            CREATE INDEX envelope_items_project_type ON envelope_items (project_id, type, id);
            -- What happened to what was sent, per hour: accepted, filtered, invalid, … (Relay's outcomes).
            CREATE TABLE outcomes (
                project_id INTEGER NOT NULL,
                hour INTEGER NOT NULL,
                category TEXT NOT NULL,
                outcome TEXT NOT NULL,
                reason TEXT NOT NULL,
                quantity INTEGER NOT NULL,
                PRIMARY KEY (project_id, hour, category, outcome, reason)
            ) WITHOUT ROWID;
            """)
        m.register("0002_issues", """
            ALTER TABLE projects ADD COLUMN grouping_strategy TEXT NOT NULL DEFAULT 'faultline:2026-11';
            ALTER TABLE projects ADD COLUMN issue_counter INTEGER NOT NULL DEFAULT 0;
            -- Per-project settings (scrubbing, fingerprint rules) as JSON values.
            CREATE TABLE project_options (
                project_id INTEGER NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (project_id, key)
            ) WITHOUT ROWID;
            CREATE TABLE issues (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL,
                short_number INTEGER NOT NULL,
                type TEXT NOT NULL,
                title TEXT NOT NULL,
                culprit TEXT NOT NULL,
                exception_type TEXT,
                exception_value TEXT,
                filename TEXT,
                function TEXT,
                level TEXT NOT NULL,
                platform TEXT,
                first_seen REAL NOT NULL,
                last_seen REAL NOT NULL,
                times_seen INTEGER NOT NULL,
                user_count INTEGER NOT NULL,
                first_release TEXT,
                last_release TEXT,
                is_unhandled INTEGER NOT NULL,
                status TEXT NOT NULL,
                substatus TEXT,
                status_details TEXT NOT NULL,
                resolved_at REAL,
                UNIQUE (project_id, short_number)
            );
            CREATE INDEX issues_project_last_seen ON issues (project_id, last_seen);
            -- One row per grouping hash: the issue it leads to and the components that produced it (every event
            -- with this hash had exactly these contributing values).
            CREATE TABLE grouphashes (
                project_id INTEGER NOT NULL,
                hash TEXT NOT NULL,
                issue_id INTEGER NOT NULL,
                strategy TEXT NOT NULL,
                variant TEXT NOT NULL,
                components TEXT NOT NULL,
                first_seen REAL NOT NULL,
                PRIMARY KEY (project_id, hash)
            ) WITHOUT ROWID;
            ALTER TABLE events ADD COLUMN issue_id INTEGER;
            ALTER TABLE events ADD COLUMN grouping_hash TEXT;
            ALTER TABLE events ADD COLUMN user_key TEXT;
            ALTER TABLE events ADD COLUMN notes TEXT;
            CREATE INDEX events_issue ON events (issue_id, timestamp) WHERE issue_id IS NOT NULL;
            CREATE TABLE issue_users (
                issue_id INTEGER NOT NULL,
                user_key TEXT NOT NULL,
                first_seen REAL NOT NULL,
                PRIMARY KEY (issue_id, user_key)
            ) WITHOUT ROWID;
            CREATE TABLE issue_tags (
                issue_id INTEGER NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                times_seen INTEGER NOT NULL,
                first_seen REAL NOT NULL,
                last_seen REAL NOT NULL,
                PRIMARY KEY (issue_id, key, value)
            ) WITHOUT ROWID;
            CREATE TABLE issue_activity (
                id INTEGER PRIMARY KEY,
                issue_id INTEGER NOT NULL,
                type TEXT NOT NULL,
                data TEXT NOT NULL,
                actor TEXT,
                created_at REAL NOT NULL
            );
            CREATE INDEX issue_activity_issue ON issue_activity (issue_id, id);
            -- Releases in the order events first named them (their age, for regressions).
            CREATE TABLE releases (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL,
                version TEXT NOT NULL,
                first_seen REAL NOT NULL,
                UNIQUE (project_id, version)
            );
            """)
        m.register("0003_users_as_tags", """
            -- An issue's users are the values of its `user` tag (as in Sentry), so they share the tags' B-tree.
            INSERT INTO issue_tags (issue_id, key, value, times_seen, first_seen, last_seen)
            SELECT issue_id, 'user', user_key, count(*), min(timestamp), max(timestamp) FROM events
            WHERE issue_id IS NOT NULL AND user_key IS NOT NULL GROUP BY issue_id, user_key
            ON CONFLICT (issue_id, key, value) DO NOTHING;
            DROP TABLE issue_users;
            -- Counts up to here are written; events after the mark are counted again at start (IssueAggregates).
            INSERT INTO settings (key, value) SELECT 'issue_aggregates_through_event', CAST(coalesce(max(id), 0) AS TEXT)
            FROM events WHERE true;
            """)
        m.register("0004_issue_events", """
            -- Events by issue, written by the issue writer once a second in key order like the tag counts: the
            -- index it replaces was dirtied by every commit in as many places as the commit had issues.
            CREATE TABLE issue_events (
                issue_id INTEGER NOT NULL,
                timestamp REAL NOT NULL,
                event_row INTEGER NOT NULL,
                PRIMARY KEY (issue_id, timestamp, event_row)
            ) WITHOUT ROWID;
            INSERT INTO issue_events (issue_id, timestamp, event_row)
            SELECT issue_id, timestamp, id FROM events WHERE issue_id IS NOT NULL;
            DROP INDEX events_issue;
            """)
        m.register("0005_event_ids", """
            -- Event ids, written by the issue writer once a second in key order with the other aggregates: the
            -- unique index on events (project_id, event_id) it replaces put a random page into every commit for
            -- every event, about 40 % of the WAL written on ingest.
            CREATE TABLE event_ids (
                project_id INTEGER NOT NULL,
                event_id BLOB NOT NULL,
                event_row INTEGER NOT NULL,
                PRIMARY KEY (project_id, event_id)
            ) WITHOUT ROWID;
            INSERT INTO event_ids (project_id, event_id, event_row) SELECT project_id, event_id, id FROM events;
            DROP INDEX events_project_event_id;
            """)
        m.register("0006_releases", """
            -- A release as the API knows it, once per organization (Sentry's Release); `releases` holds its projects,
            -- each with what its events did there. Events that name a version create both.
            CREATE TABLE org_releases (
                id INTEGER PRIMARY KEY,
                organization_id INTEGER NOT NULL,
                version TEXT NOT NULL,
                ref TEXT,
                url TEXT,
                status TEXT NOT NULL DEFAULT 'open',
                date_created REAL NOT NULL,
                date_started REAL,
                date_released REAL,
                UNIQUE (organization_id, version)
            );
            CREATE INDEX org_releases_created ON org_releases (organization_id, date_created, id);
            INSERT INTO org_releases (organization_id, version, date_created)
            SELECT p.organization_id, r.version, min(r.first_seen) FROM releases r JOIN projects p ON p.id = r.project_id
            GROUP BY p.organization_id, r.version;
            -- Error events per project and release, summed by the issue writer with the tag counts.
            ALTER TABLE releases ADD COLUMN event_count INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE releases ADD COLUMN first_event REAL;
            ALTER TABLE releases ADD COLUMN last_event REAL;
            -- Issues whose first release this is.
            ALTER TABLE releases ADD COLUMN new_issues INTEGER NOT NULL DEFAULT 0;
            UPDATE releases SET event_count = c.n, first_event = c.first, last_event = c.last
            FROM (SELECT i.project_id AS project_id, t.value AS version, sum(t.times_seen) AS n, min(t.first_seen) AS first,
                         max(t.last_seen) AS last
                  FROM issue_tags t JOIN issues i ON i.id = t.issue_id WHERE t.key = 'release'
                  GROUP BY i.project_id, t.value) AS c
            WHERE releases.project_id = c.project_id AND releases.version = c.version;
            UPDATE releases SET new_issues = c.n
            FROM (SELECT project_id, first_release AS version, count(*) AS n FROM issues WHERE first_release IS NOT NULL
                  GROUP BY project_id, first_release) AS c
            WHERE releases.project_id = c.project_id AND releases.version = c.version;
            -- Source repositories, named by releases' refs and commits (Sentry lists them for `set-commits`).
            CREATE TABLE repositories (
                id INTEGER PRIMARY KEY,
                organization_id INTEGER NOT NULL,
                name TEXT NOT NULL,
                url TEXT,
                provider TEXT,
                created_at REAL NOT NULL,
                UNIQUE (organization_id, name)
            );
            -- A release's commits in the order given (newest first, as sentry-cli sends them).
            CREATE TABLE release_commits (
                release_id INTEGER NOT NULL,
                position INTEGER NOT NULL,
                commit_key TEXT NOT NULL,
                repository_id INTEGER,
                message TEXT,
                author_name TEXT,
                author_email TEXT,
                timestamp REAL,
                PRIMARY KEY (release_id, position)
            ) WITHOUT ROWID;
            -- The head commit of each repository in a release (Sentry's `refs`).
            CREATE TABLE release_heads (
                release_id INTEGER NOT NULL,
                repository_id INTEGER NOT NULL,
                commit_key TEXT NOT NULL,
                previous_commit TEXT,
                PRIMARY KEY (release_id, repository_id)
            ) WITHOUT ROWID;
            CREATE TABLE deploys (
                id INTEGER PRIMARY KEY,
                release_id INTEGER NOT NULL,
                environment TEXT NOT NULL,
                name TEXT,
                url TEXT,
                date_started REAL,
                date_finished REAL NOT NULL
            );
            CREATE INDEX deploys_release ON deploys (release_id, id);
            """)
        m.register("0007_users", """
            -- People: they log in to the dashboards and own tokens. An email is one account whatever its case.
            CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                name TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at REAL NOT NULL,
                last_login REAL
            );
            CREATE TABLE members (
                id INTEGER PRIMARY KEY,
                organization_id INTEGER NOT NULL,
                user_id INTEGER NOT NULL,
                role TEXT NOT NULL,
                created_at REAL NOT NULL,
                UNIQUE (organization_id, user_id)
            );
            -- The user a token acts for (null for tokens made before there were users, until an owner exists).
            ALTER TABLE api_tokens ADD COLUMN user_id INTEGER;
            """)
        m.register("0008_triage", """
            -- How many event and item rows point into a payload, so deleting the last one deletes the body too
            -- (null for payloads stored before: those are kept).
            ALTER TABLE payloads ADD COLUMN row_count INTEGER;
            -- The member an issue is assigned to (a user id).
            ALTER TABLE issues ADD COLUMN assigned_to INTEGER;
            -- Per user, as in Sentry: issues bookmarked, and when each issue was last looked at.
            CREATE TABLE issue_bookmarks (
                user_id INTEGER NOT NULL,
                issue_id INTEGER NOT NULL,
                created_at REAL NOT NULL,
                PRIMARY KEY (user_id, issue_id)
            ) WITHOUT ROWID;
            CREATE TABLE issue_seen (
                user_id INTEGER NOT NULL,
                issue_id INTEGER NOT NULL,
                seen_at REAL NOT NULL,
                PRIMARY KEY (user_id, issue_id)
            ) WITHOUT ROWID;
            """)
        m.register("0009_key_rate_limits", """
            -- A DSN key's limit: at most rate_limit_count error events per rate_limit_window seconds (null: none).
            ALTER TABLE project_keys ADD COLUMN rate_limit_window INTEGER;
            ALTER TABLE project_keys ADD COLUMN rate_limit_count INTEGER;
            """)
        m.register("0010_project_deletions", """
            -- Projects deleted over the API whose rows (events, issues, outcomes…) are still being removed in the
            -- background; the project row itself is gone.
            CREATE TABLE project_deletions (
                project_id INTEGER PRIMARY KEY,
                requested_at REAL NOT NULL
            );
            """)
        m.register("0011_issue_hours", """
            -- Events per issue per hour, written by the aggregate flush: the issue list's 24-hour and 14-day series
            -- read 24 (or 336) rows per issue instead of every event (30 ms for the hottest issues of a million events).
            CREATE TABLE issue_hours (
                issue_id INTEGER NOT NULL,
                hour INTEGER NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (issue_id, hour)
            ) WITHOUT ROWID;
            INSERT INTO issue_hours (issue_id, hour, count)
            SELECT issue_id, CAST(timestamp / 3600 AS INTEGER) * 3600, count(*) FROM issue_events GROUP BY 1, 2;
            """)
        m.register("0012_sessions", """
            -- Dashboard logins. Only the SHA-256 of the cookie's secret is stored (as with API tokens); the CSRF
            -- token is compared with the X-CSRFToken header of every state-changing request.
            CREATE TABLE sessions (
                id INTEGER PRIMARY KEY,
                hash BLOB NOT NULL UNIQUE,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                organization_id INTEGER NOT NULL,
                csrf_token TEXT NOT NULL,
                created_at REAL NOT NULL,
                expires_at REAL NOT NULL
            );
            CREATE INDEX sessions_expiry ON sessions (expires_at);
            """)
        m.register("0013_alerts", """
            -- Issue alert rules: the body is the rule's JSON in Sentry's shape (with webhook secrets).
            CREATE TABLE alert_rules (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL,
                body TEXT NOT NULL,
                created_at REAL NOT NULL
            );
            CREATE INDEX alert_rules_project ON alert_rules (project_id);
            -- When a rule last fired for an issue: its action interval holds across restarts.
            CREATE TABLE alert_rule_issues (
                rule_id INTEGER NOT NULL,
                issue_id INTEGER NOT NULL,
                last_fired REAL NOT NULL,
                PRIMARY KEY (rule_id, issue_id)
            ) WITHOUT ROWID;
            -- Every firing, with the payload its actions sent.
            CREATE TABLE alert_firings (
                id INTEGER PRIMARY KEY,
                rule_id INTEGER NOT NULL,
                project_id INTEGER NOT NULL,
                issue_id INTEGER,
                event_id BLOB,
                trigger TEXT NOT NULL,
                fired_at REAL NOT NULL,
                payload TEXT NOT NULL
            );
            CREATE INDEX alert_firings_rule ON alert_firings (rule_id, id);
            CREATE INDEX alert_firings_project ON alert_firings (project_id, id);
            -- The outbox: one row per action of a firing, sent after COMMIT and retried until done or failed.
            CREATE TABLE alert_deliveries (
                id INTEGER PRIMARY KEY,
                firing_id INTEGER NOT NULL,
                kind TEXT NOT NULL,
                target TEXT NOT NULL,
                secret TEXT,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL,
                last_status INTEGER,
                last_error TEXT,
                delivered_at REAL,
                created_at REAL NOT NULL
            );
            CREATE INDEX alert_deliveries_firing ON alert_deliveries (firing_id);
            CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status = 'pending';
            """)
        m.register("0014_metric_alerts", """
            -- Metric alert rules of an organization: the body is Sentry's JSON (with project ids and webhook secrets);
            -- the state is where the rule stands, moved only together with the firing that announces the change.
            CREATE TABLE metric_alert_rules (
                id INTEGER PRIMARY KEY,
                organization_id INTEGER NOT NULL,
                body TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'ok',
                state_changed_at REAL,
                last_value REAL,
                created_at REAL NOT NULL
            );
            CREATE INDEX metric_alert_rules_organization ON metric_alert_rules (organization_id);
            -- Firings of metric rules (one per state change) share the firing and delivery tables with issue rules.
            ALTER TABLE alert_firings ADD COLUMN kind TEXT NOT NULL DEFAULT 'issue';
            DROP INDEX alert_firings_rule;
            CREATE INDEX alert_firings_rule ON alert_firings (kind, rule_id, id);
            """)
        m.register("0015_token_parents", """
            -- The token that created a token (NULL when a person did): revoking one revokes its descendants.
            ALTER TABLE api_tokens ADD COLUMN parent_id INTEGER;
            CREATE INDEX api_tokens_parent ON api_tokens (parent_id) WHERE parent_id IS NOT NULL;
            """)
        m.register("0016_transactions_and_spans", """
            -- The queryable part of transactions (events of type transaction, and streamed segment spans): one row each.
            -- Ids are numbers (span ids) and 16-byte blobs (trace ids); durations in milliseconds.
            CREATE TABLE transactions (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL,
                event_row INTEGER,
                trace_id BLOB,
                span_id INTEGER,
                parent_span_id INTEGER,
                name TEXT NOT NULL,
                op TEXT,
                status TEXT,
                environment TEXT,
                release TEXT,
                user_key TEXT,
                http_method TEXT,
                start REAL NOT NULL,
                timestamp REAL NOT NULL,
                duration REAL NOT NULL,
                self_time REAL NOT NULL,
                measurements TEXT,
                span_block INTEGER
            );
            CREATE INDEX transactions_project_time ON transactions (project_id, timestamp);
            CREATE INDEX transactions_trace ON transactions (trace_id) WHERE trace_id IS NOT NULL;
            -- Spans, a block per transaction or streamed container (SpanBlock: distinct texts once, a fixed record per
            -- span with its parameterized description, timing, parent and attributes); transactions point at theirs, and
            -- a trace's blocks are found through its transactions (one random-key index per transaction, not two: each
            -- puts a random page into the commit).
            CREATE TABLE span_blocks (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL,
                trace_id BLOB,
                span_count INTEGER NOT NULL,
                spans BLOB NOT NULL
            );
            """)
        m.register("0017_trace_events", """
            -- Errors and performance occurrences by the trace they happened in (and the span), for the trace view and an
            -- error's link to its trace. One B-tree (no rowid); written with the once-a-second aggregate flush in key
            -- order, as `event_ids` is (one random page per error in each commit cost a tenth of error throughput).
            CREATE TABLE trace_events (
                trace_id BLOB NOT NULL,
                event_row INTEGER NOT NULL,
                span_id INTEGER,
                PRIMARY KEY (trace_id, event_row)
            ) WITHOUT ROWID;
            """)
        m.register("0018_transaction_time_index_covers", """
            -- The performance table and series read name, duration and status of every transaction in a range: kept in
            -- the time index (whose new entries append at its right edge), no row is looked up. No index by name: it
            -- cost ingest a tenth of the mixed throughput, and one endpoint's day reads fast enough from this one.
            DROP INDEX transactions_project_time;
            CREATE INDEX transactions_project_time ON transactions (project_id, timestamp, name, duration, status);
            """)
        m.register("0019_performance_sightings", """
            -- Projects that turn Sentry's noise thresholds on: how often a performance problem has been seen before its
            -- issue opens (one row per problem fingerprint not yet an issue).
            CREATE TABLE performance_sightings (
                project_id INTEGER NOT NULL,
                grouping_hash TEXT NOT NULL,
                seen INTEGER NOT NULL,
                PRIMARY KEY (project_id, grouping_hash)
            ) WITHOUT ROWID;
            """)
        m.register("0020_ignored_until", """
            -- The ignored-issue timer's search (a minute's check reads only the issues ignored until a time).
            CREATE INDEX issues_ignored_until ON issues (json_extract(status_details, '$.ignoreUntil'))
                WHERE status = 'ignored';
            """)
        m.register("0021_issue_search", """
            -- Every issue-list sort reads an index in order instead of sorting a project's issues (by date had one).
            -- The id in each key lets `ORDER BY column DESC, id DESC` read the index backwards.
            CREATE INDEX issues_project_times_seen ON issues (project_id, times_seen, id);
            CREATE INDEX issues_project_user_count ON issues (project_id, user_count, id);
            CREATE INDEX issues_project_first_seen ON issues (project_id, first_seen, id);
            -- Free text: an issue's title and culprit in trigrams, so a substring search (what LIKE '%…%' did by
            -- reading every issue) finds its candidates in the index. Two columns, as LIKE sees them: a NUL ends
            -- only its own column's text for both. Kept by triggers, so every path that writes issues (ingest,
            -- deletions, the seeder) keeps it true; a status change that writes the same text leaves it alone.
            CREATE VIRTUAL TABLE issue_text USING fts5(title, culprit, tokenize = 'trigram');
            INSERT INTO issue_text (rowid, title, culprit) SELECT id, title, culprit FROM issues;
            CREATE TRIGGER issue_text_insert AFTER INSERT ON issues BEGIN
                INSERT INTO issue_text (rowid, title, culprit) VALUES (new.id, new.title, new.culprit);
            END;
            CREATE TRIGGER issue_text_update AFTER UPDATE OF title, culprit ON issues
                WHEN old.title IS NOT new.title OR old.culprit IS NOT new.culprit BEGIN
                UPDATE issue_text SET title = new.title, culprit = new.culprit WHERE rowid = new.id;
            END;
            CREATE TRIGGER issue_text_delete AFTER DELETE ON issues BEGIN
                DELETE FROM issue_text WHERE rowid = old.id;
            END;
            """)
        m.register("0022_trace_span_blocks", """
            -- Span blocks of streamed containers that hold spans of a segment not in the same container: SDKs flush a
            -- trace's finished spans every few seconds, so a long request's children come before its segment span.
            -- Found by trace id with the trace (the segment's transaction row finds only its own block); few rows.
            CREATE TABLE trace_span_blocks (
                trace_id BLOB NOT NULL,
                block_id INTEGER NOT NULL,
                project_id INTEGER NOT NULL,
                PRIMARY KEY (trace_id, block_id)
            ) WITHOUT ROWID;
            """)
        return m
    }
}
