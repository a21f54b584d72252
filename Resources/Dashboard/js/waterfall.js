// A trace as waterfall rows: transactions and their spans in one tree (a child transaction under the span that called
// it), errors on the span they happened in, gaps between siblings, and the critical path. Pure data in, data out —
// the trace page draws it. Every id and parent comes from SDKs: lookups only, and a visited set, so a cycle or a
// missing parent makes a shallower tree, never a loop.

/// Sibling gaps at least this long are shown as missing instrumentation (Sentry uses 100 ms too).
export const GAP_SECONDS = 0.1;

export function buildWaterfall(trace) {
  const nodes = [];
  const byId = new Map();
  const roots = [];

  function node(fields) {
    const n = { children: [], errors: [], problems: [], critical: false, ...fields };
    nodes.push(n);
    return n;
  }

  function addTransaction(tx) {
    const start = num(tx.start_timestamp);
    const end = Math.max(start, num(tx.timestamp));
    const txNode = node({
      kind: 'transaction', id: str(tx.span_id), start, end, op: str(tx['transaction.op']), label: str(tx.transaction),
      project: str(tx.project_slug), eventId: str(tx.event_id), status: str(tx['transaction.status']),
      problems: Array.isArray(tx.performance_issues) ? tx.performance_issues : [],
    });
    const local = new Map();
    if (txNode.id) local.set(txNode.id, txNode);
    const spans = (Array.isArray(tx.spans) ? tx.spans : []).map((s) => {
      const sStart = num(s.start_timestamp);
      const n = node({
        kind: 'span', id: str(s.span_id), parentId: str(s.parent_span_id), start: sStart,
        end: Math.max(sStart, num(s.timestamp)), op: str(s.op), label: str(s.description), selfTime: num(s.exclusive_time),
        status: str(s.status), data: s.data && typeof s.data === 'object' ? s.data : {}, group: str(s.group),
        project: txNode.project, eventId: txNode.eventId,
      });
      if (n.id && !local.has(n.id)) local.set(n.id, n);
      return n;
    });
    for (const s of spans) {
      const parent = local.get(s.parentId);
      (parent && parent !== s ? parent : txNode).children.push(s);
    }
    for (const [id, n] of local) if (!byId.has(id)) byId.set(id, n);
    for (const e of Array.isArray(tx.errors) ? tx.errors : []) (local.get(str(e.span)) || txNode).errors.push(e);
    for (const child of Array.isArray(tx.children) ? tx.children : []) {
      const childNode = addTransaction(child);
      (local.get(str(child.parent_span_id)) || txNode).children.push(childNode);
    }
    return txNode;
  }

  for (const tx of Array.isArray(trace.transactions) ? trace.transactions : []) roots.push(addTransaction(tx));
  const orphanErrors = Array.isArray(trace.orphan_errors) ? trace.orphan_errors : [];

  const rows = [];
  let start = Infinity;
  let end = -Infinity;
  const visited = new Set();
  // Depth-first, children by start time, iteratively (a deep hostile trace must not overflow the stack).
  function walk(from, fromDepth) {
  const stack = from.slice().reverse().map((n) => ({ n, depth: fromDepth }));
  while (stack.length) {
    const { n, depth } = stack.pop();
    if (n.kind === 'gap') { rows.push(n); continue; }
    if (visited.has(n)) continue;
    visited.add(n);
    n.depth = depth;
    rows.push(n);
    start = Math.min(start, n.start);
    end = Math.max(end, n.end);
    const kids = n.children.filter((c) => !visited.has(c)).sort((a, b) => a.start - b.start);
    const withGaps = [];
    let cursor = n.start;
    for (const c of kids) {
      if (c.start - cursor >= GAP_SECONDS) withGaps.push({ n: { kind: 'gap', start: cursor, end: c.start, depth: depth + 1 }, depth: depth + 1 });
      withGaps.push({ n: c, depth: depth + 1 });
      cursor = Math.max(cursor, c.end);
    }
    for (let i = withGaps.length - 1; i >= 0; i--) stack.push(withGaps[i]);
  }
  }
  walk(roots, 0);
  // Spans whose parents form a cycle are reachable from no root: shown at the end, one level in.
  for (const n of nodes) if (!visited.has(n)) walk([n], 1);
  for (const r of roots) markCritical(r);
  if (!rows.length) { start = 0; end = 0; }
  return { rows, roots, start, end, orphanErrors, spanCount: nodes.filter((n) => n.kind === 'span').length,
    transactionCount: nodes.filter((n) => n.kind === 'transaction').length, byId };
}

/// The critical path: from the end of a node back to its start, the child that ended last before that point, then
/// the one that ended last before that child started, and so on, each followed down the same way.
export function markCritical(root) {
  const work = [root];
  let guard = 0;
  while (work.length && guard++ < 1e6) {
    const n = work.pop();
    if (n.critical) continue;
    n.critical = true;
    let t = n.end + 1e-6;
    const kids = n.children.slice().sort((a, b) => b.end - a.end);
    for (const c of kids) {
      if (c.end <= t && !c.critical) {
        work.push(c);
        t = c.start + 1e-6;
      }
    }
  }
}

function num(v) {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

function str(v) {
  return v == null ? '' : String(v);
}
