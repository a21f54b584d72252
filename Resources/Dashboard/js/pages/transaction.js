// One transaction's summary: its percentiles and duration histogram, the slowest and the most recent events (each
// opening its trace), the spans that take the time, its performance issues and errors, and two releases compared.
import { api } from '../api.js';
import { h, replace, errorBox } from '../dom.js';
import { duration, percent, relativeTime, toISO, compactNumber } from '../format.js';
import { barChart } from '../charts.js';
import { periods, formatField, bucketLabel } from './performance.js';

const stats = ['count()', 'tpm()', 'p50()', 'p75()', 'p95()', 'p99()', 'avg()', 'failure_rate()', 'apdex()', 'count_unique(user)'];
const statLabels = { 'count()': 'Events', 'tpm()': 'TPM', 'p50()': 'p50', 'p75()': 'p75', 'p95()': 'p95', 'p99()': 'p99',
  'avg()': 'Average', 'failure_rate()': 'Failure rate', 'apdex()': 'Apdex', 'count_unique(user)': 'Users' };

function quoted(value) {
  return `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export async function render(ctx) {
  const { org } = ctx.params;
  const params = ctx.query;
  const name = params.get('transaction') || '';
  const project = params.get('project') || '';
  const environment = params.get('environment') || '';
  const period = params.get('statsPeriod') || '24h';
  const base = `/organizations/${encodeURIComponent(org)}`;
  ctx.setTitle(name ? `${name} — Performance` : 'Transaction');
  const query = `event.type:transaction transaction:${quoted(name)}`;
  const common = { project: project || undefined, environment: environment || undefined, statsPeriod: period, query };
  const go = (changes) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) { if (value) next.set(key, value); else next.delete(key); }
    ctx.navigate(`${base}/performance/summary/?${next}`);
  };
  const events = (sort) => api(`${base}/events/`, { query: { ...common, field: ['id', 'transaction.duration', 'timestamp', 'trace', 'user', 'release'], sort, per_page: 10 } });
  const issueQuery = `is:unresolved transaction:${quoted(name)}`;
  const [summary, histogram, slowest, recent, spans, issues, releases] = await Promise.all([
    api(`${base}/events/`, { query: { ...common, field: stats } }),
    api(`${base}/events-histogram/`, { query: { ...common, field: 'transaction.duration', numBuckets: 30 } }),
    events('-transaction.duration'),
    events('-timestamp'),
    api(`${base}/events-spans-performance/`, { query: { ...common, per_page: 10 } }),
    api(`${base}/issues/`, { query: { query: issueQuery, project: project || undefined, limit: 10 } }).catch((error) => ({ error })),
    api(`${base}/events/`, { query: { ...common, field: ['release', 'count()'], sort: '-count()', per_page: 20 } }),
  ]);
  if (!ctx.isCurrent()) return;
  const figures = (summary.data && summary.data[0]) || {};

  const periodSelect = h('select', { id: 'summary-period', onchange: (e) => go({ statsPeriod: e.target.value }) },
    periods.map(([v, label]) => h('option', { value: v, selected: v === period }, label)));
  const bins = histogram['transaction.duration'] || [];
  const width = bins.length > 1 ? bins[1].bin - bins[0].bin : 0;
  const histogramChart = bins.length
    ? barChart(bins.map((b) => [b.bin, b.count]), { bucketLabel: (b) => `${duration(b)}–${duration(b + width)}`,
      valueText: (n) => `${n} events`, label: 'Duration histogram' })
    : h('p', { class: 'muted small' }, 'No events in this range.');
  const histogramAxis = bins.length ? h('div', { class: 'row small muted', style: { justifyContent: 'space-between' } },
    h('span', null, duration(bins[0].bin)), h('span', null, `${bins.length} bins of ${duration(width)}`),
    h('span', null, duration(bins[bins.length - 1].bin + width))) : null;

  const eventTable = (id, data) => h('table', { class: 'grid', id },
    h('thead', null, h('tr', null, h('th', null, 'Event'), h('th', { class: 'num' }, 'Duration'), h('th', null, 'When'), h('th', null, 'User'), h('th', null, 'Release'))),
    h('tbody', null, (data.data || []).map((r) => h('tr', null,
      h('td', null, r.trace ? h('a', { href: `${base}/performance/trace/${encodeURIComponent(r.trace)}/`, class: 'mono trace-link' }, String(r.id).slice(0, 8)) : String(r.id).slice(0, 8)),
      h('td', { class: 'num' }, duration(r['transaction.duration'])),
      h('td', null, relativeTime(toISO(r.timestamp))),
      h('td', null, r.user || '—'),
      h('td', null, r.release || '—')))));

  // Span operations by the self time they add up to, then the span groups themselves.
  const byOp = new Map();
  for (const s of spans) byOp.set(s.op, (byOp.get(s.op) || 0) + s.sumExclusiveTime);
  const opTotal = [...byOp.values()].reduce((a, b) => a + b, 0) || 1;
  const opsBar = h('div', { class: 'ops-bar', id: 'span-ops' }, [...byOp.entries()].sort((a, b) => b[1] - a[1]).map(([op, time], i) =>
    h('span', { class: `op-${i % 6}`, title: `${op}: ${duration(time)}`, style: { width: `${(time / opTotal) * 100}%` } })));
  const opsLegend = h('ul', { class: 'ops-legend' }, [...byOp.entries()].sort((a, b) => b[1] - a[1]).map(([op, time], i) =>
    h('li', null, h('span', { class: `swatch op-${i % 6}` }), op, ' ', h('span', { class: 'muted' }, `${percent(time / opTotal)} · ${duration(time)}`))));
  const spansTable = h('table', { class: 'grid', id: 'suspect-spans' },
    h('thead', null, h('tr', null, h('th', null, 'Operation'), h('th', null, 'Description'), h('th', { class: 'num' }, 'Per event'),
      h('th', { class: 'num' }, 'Frequency'), h('th', { class: 'num' }, 'p95 self time'), h('th', { class: 'num' }, 'Total self time'))),
    h('tbody', null, spans.map((s) => h('tr', null, h('td', null, s.op), h('td', { class: 'mono wrap' }, s.description),
      h('td', { class: 'num' }, Number(s.avgOccurrences).toFixed(1)), h('td', { class: 'num' }, percent(s.frequency)),
      h('td', { class: 'num' }, duration(s.p95ExclusiveTime)), h('td', { class: 'num' }, duration(s.sumExclusiveTime))))));

  const issueList = issues.error ? errorBox(issues.error) : (issues.length
    ? h('ul', { class: 'related', id: 'related-issues' }, issues.map((i) => h('li', null,
      h('span', { class: `badge ${i.issueCategory === 'performance' ? 'perf' : ''}` }, i.issueCategory || 'error'), ' ',
      h('a', { href: `${base}/issues/${encodeURIComponent(i.id)}/` }, i.title), ' ',
      h('span', { class: 'muted small' }, `${compactNumber(i.count)} events`))))
    : h('p', { class: 'muted small', id: 'related-issues' }, 'No unresolved issues for this transaction.'));

  // Two releases side by side: the two with the most events unless chosen, the earlier version on the left, so
  // "Change" reads from the older release to the newer one.
  const versions = (releases.data || []).map((r) => r.release).filter(Boolean);
  const byVersion = (a, b) => a.localeCompare(b, undefined, { numeric: true });
  const [older, newer] = [versions[0] || '', versions[1] || versions[0] || ''].sort(byVersion);
  const left = params.get('releaseA') || older;
  const right = params.get('releaseB') || newer;
  const releaseSelect = (id, value, key) => h('select', { id, onchange: (e) => go({ [key]: e.target.value }) },
    versions.map((v) => h('option', { value: v, selected: v === value }, v)));
  const compareArea = h('div', { id: 'release-compare' });
  if (versions.length === 1) {
    replace(compareArea, h('p', { class: 'muted small' }, `Only ${versions[0]} has events in this range.`));
  } else if (versions.length) {
    const compareFields = ['count()', 'p50()', 'p95()', 'failure_rate()', 'apdex()'];
    const sides = await Promise.all([left, right].map((v) => api(`${base}/events/`, {
      query: { ...common, query: `${query} release:${quoted(v)}`, field: compareFields } })));
    if (!ctx.isCurrent()) return;
    const [a, b] = sides.map((s) => (s.data && s.data[0]) || {});
    replace(compareArea, h('p', { class: 'muted small' }, `Change from ${left} to ${right}`), h('table', { class: 'grid' },
      h('thead', null, h('tr', null, h('th', null, ''), h('th', { class: 'num' }, left), h('th', { class: 'num' }, right), h('th', { class: 'num' }, 'Change'))),
      h('tbody', null, compareFields.map((f) => {
        const change = Number(a[f]) ? (Number(b[f]) - Number(a[f])) / Number(a[f]) : null;
        return h('tr', null, h('th', null, statLabels[f]), h('td', { class: 'num' }, formatField(f, a[f])),
          h('td', { class: 'num' }, formatField(f, b[f])), h('td', { class: 'num' }, change == null ? '—' : `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%`));
      }))));
  } else {
    replace(compareArea, h('p', { class: 'muted small' }, 'No releases in this range.'));
  }

  replace(ctx.main,
    h('section', { class: 'panel' },
      h('div', { class: 'row small' }, h('a', { href: `${base}/performance/` }, '← Performance')),
      h('div', { class: 'row', style: { justifyContent: 'space-between' } },
        h('h1', { id: 'transaction-name' }, name), h('label', null, 'Time range', periodSelect)),
      h('div', { class: 'counts', id: 'transaction-stats' }, stats.map((f) =>
        h('div', null, h('span', { class: 'muted small' }, statLabels[f]), h('span', { class: 'big', dataset: { field: f } }, formatField(f, figures[f])))))),
    h('div', { class: 'layout' },
      h('div', { class: 'stack' },
        h('section', { class: 'panel' }, h('h2', null, 'Duration'), h('div', { id: 'histogram' }, histogramChart, histogramAxis)),
        h('section', { class: 'panel' }, h('h2', null, 'Where the time goes'), opsBar, opsLegend, h('div', { class: 'table-scroll' }, spansTable)),
        h('section', { class: 'panel' }, h('h2', null, 'Slowest events'), h('div', { class: 'table-scroll' }, eventTable('slowest-events', slowest))),
        h('section', { class: 'panel' }, h('h2', null, 'Recent events'), h('div', { class: 'table-scroll' }, eventTable('recent-events', recent)))),
      h('aside', { class: 'stack' },
        h('section', { class: 'panel' }, h('h2', null, 'Issues'), issueList),
        h('section', { class: 'panel' }, h('h2', null, 'Compare releases'),
          versions.length > 1 ? h('div', { class: 'row' }, releaseSelect('release-a', left, 'releaseA'), 'vs', releaseSelect('release-b', right, 'releaseB')) : null,
          compareArea))));
}
