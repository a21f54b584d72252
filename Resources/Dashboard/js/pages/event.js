// One event: exceptions and stack traces, message, breadcrumbs, request, tags, user, contexts, SDK.
// Every value comes from the SDK and is untrusted: it is only ever text.
import { h } from '../dom.js';
import { clockTime, toISO } from '../format.js';

export function eventView(event, { tagLink, traceLink }) {
  const entries = event.entries || [];
  const entry = (type) => entries.find((e) => e.type === type);
  const sections = [];
  const traceContext = isObject(event.contexts) && isObject(event.contexts.trace) ? event.contexts.trace : null;
  if (traceLink && traceContext && /^[0-9a-f]{32}$/i.test(String(traceContext.trace_id || ''))) {
    sections.push(h('p', { class: 'event-trace', id: 'event-trace' }, 'Part of trace ',
      h('a', { href: traceLink(traceContext.trace_id), id: 'event-trace-link', class: 'mono' }, String(traceContext.trace_id).slice(0, 16) + '…'),
      traceContext.span_id ? h('span', { class: 'muted small' }, ` · span ${traceContext.span_id}`) : null));
  }
  if (isObject(event.occurrence) && Array.isArray(event.occurrence.evidenceDisplay)) {
    sections.push(section('Evidence', 'event-evidence', h('table', { class: 'kv evidence' }, h('tbody', null,
      event.occurrence.evidenceDisplay.filter(isObject).map((row) => h('tr', { class: row.important ? 'important' : null },
        h('th', null, String(row.name ?? '')), h('td', null, h('pre', null, String(row.value ?? '')))))))));
  }
  const exception = entry('exception');
  const message = entry('message');
  if (message && message.data) {
    const text = message.data.formatted || message.data.message || '';
    if (text && !(exception && exceptionValues(exception).some((v) => v.value === text))) {
      sections.push(section('Message', 'event-message', h('pre', { class: 'exc-value' }, text)));
    }
  }
  if (exception) sections.push(section('Exception', 'event-exception', exceptionsView(exceptionValues(exception))));
  const threads = entry('threads');
  if (!exception && threads && threads.data && Array.isArray(threads.data.values)) {
    const all = threads.data.values.filter(isObject);
    const thread = all.find((t) => t.crashed) || all.find((t) => t.current) || all[0];
    if (thread && thread.stacktrace) {
      sections.push(section('Stack trace', 'event-stacktrace',
        exceptionsView([{ type: thread.name || `Thread ${thread.id ?? ''}`, value: '', stacktrace: thread.stacktrace }])));
    }
  }
  const crumbs = entry('breadcrumbs');
  if (crumbs && crumbs.data && Array.isArray(crumbs.data.values) && crumbs.data.values.length) {
    sections.push(section('Breadcrumbs', 'event-breadcrumbs', breadcrumbsView(crumbs.data.values)));
  }
  const req = entry('request');
  if (req && isObject(req.data)) sections.push(section('Request', 'event-request', requestView(req.data)));
  if ((event.tags || []).length) {
    sections.push(section('Tags', 'event-tags', h('div', { class: 'tags' }, event.tags.map((t) =>
      h('a', { class: 'tag', href: tagLink(t.key, t.value), title: `${t.key}: ${t.value}` },
        h('span', { class: 'k' }, t.key), h('span', null, t.value))))));
  }
  if (isObject(event.user) && Object.keys(event.user).length) sections.push(section('User', 'event-user', kvTable(event.user)));
  const contexts = isObject(event.contexts) ? event.contexts : {};
  if (Object.keys(contexts).length) {
    sections.push(section('Contexts', 'event-contexts', Object.entries(contexts).map(([name, value]) =>
      h('div', null, h('h3', null, name), isObject(value) ? kvTable(withoutKey(value, 'type')) : h('pre', null, String(value))))));
  }
  if (isObject(event.context) && Object.keys(event.context).length) {
    sections.push(section('Additional data', 'event-extra', kvTable(event.context)));
  }
  if (isObject(event.sdk)) {
    const sdk = event.sdk;
    sections.push(section('SDK', 'event-sdk', h('dl', { class: 'facts' },
      h('dt', null, 'Name'), h('dd', null, sdk.name || '—'),
      h('dt', null, 'Version'), h('dd', null, sdk.version || '—'),
      Array.isArray(sdk.integrations) && sdk.integrations.length ? [h('dt', null, 'Integrations'), h('dd', null, sdk.integrations.map(String).join(', '))] : null)));
  }
  return h('div', { class: 'event' }, sections);
}

function section(title, id, ...content) {
  return h('section', { class: 'event-section', id }, h('h3', null, title), content);
}

function exceptionValues(entry) {
  const values = entry.data && entry.data.values;
  return Array.isArray(values) ? values.filter(isObject) : [];
}

/// The raised exception first, then what caused it (SDKs send the chain oldest first).
function exceptionsView(values) {
  const ordered = [...values].reverse();
  const hasInApp = ordered.some((v) => frames(v).some((f) => f.inApp));
  let mode = hasInApp ? 'app' : 'full';
  const body = h('div');
  const buttons = [['app', 'In-app'], ['full', 'Full'], ['raw', 'Raw']].map(([value, label]) =>
    h('button', { type: 'button', dataset: { mode: value }, 'aria-pressed': String(value === mode), onclick: () => {
      mode = value;
      buttons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.mode === mode)));
      draw();
    } }, label));
  function draw() {
    body.replaceChildren(...(mode === 'raw'
      ? [h('pre', { class: 'raw', id: 'raw-trace' }, rawTrace(values))]
      : ordered.map((v, i) => exceptionBlock(v, i, mode))));
  }
  draw();
  return [h('div', { class: 'row', style: { justifyContent: 'flex-end', marginBottom: '8px' } },
    h('div', { class: 'trace-toggle', role: 'group', 'aria-label': 'Stack trace display' }, buttons)), body];
}

/// Frames as the API gives them (Sentry's shape: camelCase, `context` as [line, text] pairs, `inApp` decided by
/// the server's in-app rules, the same ones grouping used).
function frames(value) {
  const list = (value.stacktrace && value.stacktrace.frames) || [];
  return Array.isArray(list) ? list.filter(isObject) : [];
}

function exceptionBlock(value, index, mode) {
  const mech = value.mechanism || {};
  const badges = [];
  if (mech.type) badges.push(h('span', { class: 'badge' }, `mechanism: ${mech.type}`));
  if (mech.handled === false) badges.push(h('span', { class: 'badge unhandled' }, 'unhandled'));
  if (mech.handled === true) badges.push(h('span', { class: 'badge' }, 'handled'));
  const list = frames(value);
  return h('div', { class: 'exception' },
    index > 0 ? h('div', { class: 'muted small' }, 'The above was caused by:') : null,
    h('div', { class: 'exc-type' }, [value.module, value.type].filter(Boolean).join('.') || 'Error'),
    value.value ? h('pre', { class: 'exc-value' }, value.value) : null,
    badges.length ? h('div', { class: 'exc-mechanism' }, badges) : null,
    list.length ? framesView(list, mode) : h('p', { class: 'muted small' }, 'No stack trace.'));
}

/// Newest call first. In-app frames open; system frames closed, and in "In-app" mode folded into one line.
function framesView(list, mode) {
  const newestFirst = [...list].reverse();
  const anyInApp = newestFirst.some((f) => f.inApp);
  const out = h('div', { class: 'frames' });
  let hidden = [];
  const flush = () => {
    if (!hidden.length) return;
    const group = hidden;
    const line = h('button', { type: 'button', class: 'system-group link', style: { width: '100%', textAlign: 'left' } },
      `${group.length} system ${group.length === 1 ? 'frame' : 'frames'} hidden — show`);
    line.addEventListener('click', () => line.replaceWith(...group.map((f) => frameView(f))));
    out.append(line);
    hidden = [];
  };
  newestFirst.forEach((frame, i) => {
    if (mode === 'app' && anyInApp && !frame.inApp) { hidden.push(frame); return; }
    flush();
    out.append(frameView(frame, i === 0 && !anyInApp));
  });
  flush();
  return out;
}

function frameView(frame, openAnyway = false) {
  const where = frame.filename || frame.absPath || frame.module || '?';
  const context = Array.isArray(frame.context) ? frame.context.filter((c) => Array.isArray(c)) : [];
  const vars = isObject(frame.vars) && Object.keys(frame.vars).length ? frame.vars : null;
  const details = h('details', { class: 'frame' + (frame.inApp ? ' in-app-frame' : ' system'), open: Boolean(frame.inApp || openAnyway) },
    h('summary', null,
      h('span', { class: 'file' }, where),
      frame.function ? [h('span', { class: 'muted' }, 'in'), h('span', { class: 'fn' }, frame.function)] : null,
      frame.lineNo != null ? h('span', { class: 'muted' }, `at line ${frame.lineNo}${frame.colNo != null ? ':' + frame.colNo : ''}`) : null,
      frame.inApp ? h('span', { class: 'badge in-app' }, 'in app') : null));
  if (context.length) {
    details.append(h('div', { class: 'context' }, h('ol', null, context.map(([line, text]) =>
      h('li', { class: line === frame.lineNo ? 'active' : null },
        h('span', { class: 'ln' }, String(line)), h('code', null, text == null ? '' : String(text)))))));
  }
  if (vars) details.append(h('div', { class: 'vars' }, kvTable(vars)));
  if (!context.length && !vars) details.append(h('p', { class: 'muted small', style: { margin: '4px 10px' } }, 'No source context for this frame.'));
  return details;
}

/// A Python-style traceback, oldest call first, for copying into a terminal or a ticket.
function rawTrace(values) {
  const lines = [];
  values.forEach((value, i) => {
    if (i > 0) lines.push('', 'During handling of the above exception, another exception occurred:', '');
    lines.push('Traceback (most recent call last):');
    for (const f of frames(value)) {
      lines.push(`  File "${f.filename || f.absPath || f.module || '?'}", line ${f.lineNo ?? '?'}, in ${f.function || '?'}`);
      const current = (Array.isArray(f.context) ? f.context : []).find((c) => Array.isArray(c) && c[0] === f.lineNo);
      if (current && typeof current[1] === 'string') lines.push('    ' + current[1].trim());
    }
    lines.push(`${[value.module, value.type].filter(Boolean).join('.') || 'Error'}: ${value.value || ''}`);
  });
  return lines.join('\n');
}

function breadcrumbsView(values) {
  const rows = values.filter(isObject).slice(-200).reverse().map((c) => {
    const data = c.data && Object.keys(c.data).length ? h('pre', { class: 'small muted' }, JSON.stringify(c.data, null, 2)) : null;
    const level = c.level || 'info';
    return h('tr', { class: level === 'error' || level === 'fatal' ? 'crumb-error' : null },
      h('td', { class: 'c-time mono', title: String(c.timestamp ?? '') }, c.timestamp != null ? clockTime(toISO(c.timestamp)) : ''),
      h('td', { class: 'c-cat' }, c.category || c.type || 'default'),
      h('td', { class: 'c-level' }, h('span', { class: `level-text level-${level}` }, level)),
      h('td', null, c.message ? h('div', null, c.message) : null, data));
  });
  return h('table', { class: 'crumbs' },
    h('thead', null, h('tr', null, h('th', { class: 'c-time' }, 'Time'), h('th', { class: 'c-cat' }, 'Category'),
      h('th', { class: 'c-level' }, 'Level'), h('th', null, 'Message and data'))),
    h('tbody', null, rows));
}

function requestView(data) {
  const rows = [];
  const url = data.url || '';
  rows.push(h('p', { class: 'mono' }, h('strong', null, data.method || 'GET'), ' ', url));
  const pairs = (value) => Array.isArray(value) ? Object.fromEntries(value.filter((p) => Array.isArray(p)).map(([k, v]) => [k, v])) : value;
  if (data.query_string || data.query) {
    const q = data.query_string ?? data.query;
    rows.push(h('h3', null, 'Query'), typeof q === 'string' ? h('pre', null, q) : kvTable(pairs(q)));
  }
  if (data.data != null) {
    rows.push(h('h3', null, 'Body'), typeof data.data === 'string' ? h('pre', null, data.data) : kvTable(pairs(data.data)));
  }
  if (data.cookies) rows.push(h('h3', null, 'Cookies'), typeof data.cookies === 'string' ? h('pre', null, data.cookies) : kvTable(pairs(data.cookies)));
  if (data.headers) rows.push(h('h3', null, 'Headers'), kvTable(pairs(data.headers)));
  if (data.env) rows.push(h('h3', null, 'Environment'), kvTable(data.env));
  return rows;
}

function isObject(value) {
  return value && typeof value === 'object' && !Array.isArray(value);
}

function withoutKey(object, key) {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

export function kvTable(object) {
  if (!isObject(object)) return h('pre', null, JSON.stringify(object, null, 2));
  return h('table', { class: 'kv' }, h('tbody', null, Object.entries(object).map(([key, value]) =>
    h('tr', null, h('th', { scope: 'row' }, key),
      h('td', null, typeof value === 'string' ? value : h('pre', null, JSON.stringify(value, null, 2)))))));
}
