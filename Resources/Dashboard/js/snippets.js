// SDK setup snippets for a DSN (shown in an empty project and in its settings).

export function snippets(dsn) {
  return [
    { id: 'python', name: 'Python', code: `pip install sentry-sdk

import sentry_sdk
sentry_sdk.init(
    dsn="${dsn}",
    traces_sample_rate=1.0,
)

division_by_zero = 1 / 0` },
    { id: 'browser', name: 'JavaScript (browser)', code: `npm install @sentry/browser

import * as Sentry from "@sentry/browser";
Sentry.init({
  dsn: "${dsn}",
  tracesSampleRate: 1.0,
});

myUndefinedFunction();` },
    { id: 'node', name: 'Node.js', code: `npm install @sentry/node

const Sentry = require("@sentry/node");
Sentry.init({
  dsn: "${dsn}",
  tracesSampleRate: 1.0,
});

Sentry.captureException(new Error("Hello from Node"));` },
    { id: 'go', name: 'Go', code: `go get github.com/getsentry/sentry-go

err := sentry.Init(sentry.ClientOptions{
    Dsn: "${dsn}",
    TracesSampleRate: 1.0,
})
if err != nil {
    log.Fatalf("sentry.Init: %s", err)
}
defer sentry.Flush(2 * time.Second)
sentry.CaptureMessage("It works!")` },
  ];
}
