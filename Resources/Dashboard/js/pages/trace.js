// The trace view: every transaction and span of one trace as a waterfall — durations, gaps, the critical path,
// errors where they happened — and a span's attributes on click. A large trace is drawn as a window: the list
// scrolls on its own and holds only the rows in view (and a screenful either side), built when first shown — laying
// out 5,000 rows took the browser 1.1–1.5 s before anything appeared.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { duration, absoluteTime, toISO } from '../format.js';
import { buildWaterfall } from '../waterfall.js';

export async function render(ctx) {
  const { org, traceId } = ctx.params;
  ctx.setTitle(`Trace ${traceId.slice(0, 8)}`);
  const trace = await api(`/organizations/${encodeURIComponent(org)}/events-trace/${encodeURIComponent(traceId)}/`,
    { query: { limit: 2000 } });
  if (!ctx.isCurrent()) return;
  const w = buildWaterfall(trace);
  const total = Math.max(w.end - w.start, 1e-6);
  const issueLink = (e) => e.issue_id != null ? `/organizations/${encodeURIComponent(org)}/issues/${encodeURIComponent(e.issue_id)}/` : '#';

  const detail = h('aside', { class: 'panel wf-detail', id: 'span-detail' },
    h('p', { class: 'muted small' }, 'Select a row to see its attributes.'));
  const axis = h('div', { class: 'wf-row wf-axis', 'aria-hidden': 'true' }, h('div', { class: 'wf-label muted' }, 'Span'),
    h('div', { class: 'wf-track' }, [0, 0.25, 0.5, 0.75].map((f) =>
      h('span', { class: 'wf-tick', style: { left: `${f * 100}%` } }, duration(f * total * 1000)))));
  const windowed = w.rows.length > WINDOW_ABOVE;
  const built = new Map();
  const rowAt = (i) => {
    let el = built.get(i);
    if (!el) {
      el = row(w.rows[i], i);
      if (windowed) el.style.top = `${i * ROW_HEIGHT}px`;
      built.set(i, el);
    }
    return el;
  };
  const list = windowed
    ? h('div', { class: 'waterfall wf-window', id: 'waterfall', role: 'list', 'aria-rowcount': String(w.rows.length) },
      h('div', { class: 'wf-spacer', style: { height: `${w.rows.length * ROW_HEIGHT}px` } }))
    : h('div', { class: 'waterfall', id: 'waterfall', role: 'list' }, w.rows.map((n, i) => rowAt(i)));
  let shown = '';
  function draw() {
    // The rows in view and a screenful either side; the same range again changes nothing.
    const view = list.clientHeight || 600;
    const first = Math.max(0, Math.floor(list.scrollTop / ROW_HEIGHT) - Math.ceil(view / ROW_HEIGHT));
    const last = Math.min(w.rows.length, Math.ceil((list.scrollTop + 2 * view) / ROW_HEIGHT));
    if (shown === `${first}:${last}`) return;
    shown = `${first}:${last}`;
    const els = [list.firstChild];
    for (let i = first; i < last; i++) els.push(rowAt(i));
    list.replaceChildren(...els);
  }
  if (windowed) {
    let pending = false;
    list.addEventListener('scroll', () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; draw(); });
    });
  }
  let selected = null;
  list.addEventListener('click', (event) => {
    const el = event.target.closest('.wf-row');
    if (!el || event.target.closest('a')) return;
    const n = w.rows[Number(el.dataset.index)];
    if (!n || n.kind === 'gap') return;
    if (selected) selected.classList.remove('selected');
    selected = el;
    el.classList.add('selected');
    replace(detail, details(n));
  });

  const errorCount = w.rows.reduce((sum, n) => sum + (n.errors ? n.errors.length : 0), 0) + w.orphanErrors.length;
  replace(ctx.main,
    h('section', { class: 'panel' },
      h('div', { class: 'row small' }, h('a', { href: `/organizations/${encodeURIComponent(org)}/performance/` }, '← Performance')),
      h('h1', null, 'Trace ', h('span', { class: 'mono', id: 'trace-id' }, traceId)),
      h('div', { class: 'counts' },
        stat('Duration', duration(total * 1000), 'trace-duration'),
        stat('Transactions', String(w.transactionCount), 'trace-transactions'),
        stat('Spans', String(w.spanCount), 'trace-spans'),
        stat('Errors', String(errorCount), 'trace-errors'),
        stat('Started', w.rows.length ? absoluteTime(toISO(w.start)) : '—')),
      w.orphanErrors.length ? h('div', { class: 'notice wf-orphans', id: 'orphan-errors' },
        h('strong', null, 'Errors in this trace outside any stored transaction: '),
        w.orphanErrors.map((e) => h('a', { href: issueLink(e), class: 'wf-orphan' }, e.title || e.event_id))) : null,
      h('p', { class: 'muted small' }, h('span', { class: 'wf-legend-critical' }), ' critical path · ',
        h('span', { class: 'wf-legend-gap' }), ' gap without spans (≥ 100 ms)')),
    w.rows.length
      ? h('div', { class: 'layout wf-layout' }, h('section', { class: 'panel wf-panel' }, axis, list), detail)
      : h('div', { class: 'panel empty', id: 'trace-empty' }, 'No transactions of this trace are stored.'));
  if (windowed) {
    draw();
    // The list's scrollbar narrows its rows' tracks: the axis above gives up as much, so its ticks stay over the bars.
    axis.style.paddingRight = `${list.offsetWidth - list.clientWidth}px`;
  }

  function row(n, index) {
    const left = ((n.start - w.start) / total) * 100;
    const width = Math.max(((n.end - n.start) / total) * 100, 0.15);
    const ms = (n.end - n.start) * 1000;
    // The duration sits after the bar, before it when the bar reaches the right edge, inside it when it spans both.
    const msStyle = left + width <= 75 ? { left: `calc(${left + width}% + 4px)` }
      : left >= 25 ? { right: `calc(${100 - left}% + 4px)` } : { right: `calc(${100 - left - width}% + 4px)`, color: 'var(--accent-text)' };
    const classes = ['wf-row', `wf-${n.kind}`];
    if (n.critical) classes.push('wf-critical');
    if (n.errors && n.errors.length) classes.push('wf-has-error');
    if (n.kind === 'gap') {
      return h('div', { class: classes.join(' '), role: 'listitem', dataset: { index } },
        h('div', { class: 'wf-label muted', style: { paddingLeft: indent(n.depth) } }, 'Missing instrumentation'),
        h('div', { class: 'wf-track' },
          h('div', { class: 'wf-bar', style: { left: `${left}%`, width: `${width}%` } }),
          h('span', { class: 'wf-ms', style: msStyle }, duration(ms))));
    }
    const deep = n.depth > MAX_INDENT_DEPTH ? h('span', { class: 'wf-depth muted' }, `${n.depth} ›`) : null;
    const label = n.kind === 'transaction'
      ? [deep, h('span', { class: 'wf-op' }, n.op || 'transaction'), ' ', h('strong', null, n.label), n.project ? h('span', { class: 'muted' }, ` · ${n.project}`) : null]
      : [deep, h('span', { class: 'wf-op' }, n.op || 'span'), ' ', n.label];
    return h('div', { class: classes.join(' '), role: 'listitem', tabindex: '-1', dataset: { index, spanId: n.id } },
      h('div', { class: 'wf-label', title: `${n.op} ${n.label}`, style: { paddingLeft: indent(n.depth) } },
        n.errors && n.errors.length ? h('span', { class: 'wf-error', title: n.errors.map((e) => e.title).join('\n') }, '●') : null,
        label),
      h('div', { class: 'wf-track' },
        h('div', { class: 'wf-bar', style: { left: `${left}%`, width: `${width}%` } }),
        h('span', { class: 'wf-ms', style: msStyle }, duration(ms))));
  }

  function details(n) {
    const facts = [
      ['Kind', n.kind], ['Operation', n.op || '—'], [n.kind === 'transaction' ? 'Transaction' : 'Description', n.label || '—'],
      ['Duration', duration((n.end - n.start) * 1000)],
      n.kind === 'span' ? ['Self time', duration(n.selfTime)] : null,
      ['Starts at', `+${duration((n.start - w.start) * 1000)}`], ['Status', n.status || '—'],
      ['Span id', n.id || '—'], n.project ? ['Project', n.project] : null,
      n.critical ? ['Critical path', 'yes'] : null,
    ].filter(Boolean);
    for (const [k, v] of Object.entries(n.data || {})) facts.push([k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
    return [
      h('h2', null, n.kind === 'transaction' ? 'Transaction' : 'Span'),
      h('dl', { class: 'facts', id: 'span-facts' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
      n.errors && n.errors.length ? [h('h3', null, 'Errors'), h('ul', { class: 'wf-errors' }, n.errors.map((e) =>
        h('li', null, h('a', { href: issueLink(e) }, e.title || e.event_id), ' ', h('span', { class: `level-text level-${e.level}` }, e.level || ''))))] : null,
      n.problems && n.problems.length ? [h('h3', null, 'Performance issues'), h('ul', { class: 'wf-errors' }, n.problems.map((e) =>
        h('li', null, h('a', { href: issueLink(e) }, e.title || e.type))))] : null,
    ];
  }
}

/// Indentation stops at this depth (a hostile or generated trace can nest hundreds deep): deeper rows say their depth.
const MAX_INDENT_DEPTH = 16;

function indent(depth) {
  return `${Math.min(depth, MAX_INDENT_DEPTH) * 12 + 6}px`;
}

/// Rows past this many are drawn as a window; below it every row is in the page (and found by the browser's search).
const WINDOW_ABOVE = 400;
/// A row's height in px, as `.wf-row` sets it.
const ROW_HEIGHT = 24;

function stat(label, value, id) {
  return h('div', null, h('span', { class: 'muted small' }, label), h('span', { class: 'big', id }, value));
}
