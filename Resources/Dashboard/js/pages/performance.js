// The Performance page: a project's transactions in a sortable table (tpm, percentiles, failure rate, apdex, users)
// and the chosen aggregate over time, filtered by environment, release, time range and the search language.
import { api, request } from '../api.js';
import { h, replace, errorBox } from '../dom.js';
import { duration, percent, compactNumber } from '../format.js';
import { barChartWithAxes } from '../charts.js';

export const periods = [['1h', 'Last hour'], ['24h', 'Last 24 hours'], ['7d', 'Last 7 days'], ['14d', 'Last 14 days'], ['30d', 'Last 30 days']];
export const axes = [['tpm()', 'Throughput (tpm)'], ['p50()', 'p50'], ['p95()', 'p95'], ['p99()', 'p99'],
  ['failure_rate()', 'Failure rate'], ['apdex()', 'Apdex']];
const columns = [
  ['transaction', 'Transaction'], ['project', 'Project'], ['tpm()', 'TPM'], ['p50()', 'p50'], ['p95()', 'p95'],
  ['p99()', 'p99'], ['failure_rate()', 'Failure rate'], ['apdex()', 'Apdex'], ['count_unique(user)', 'Users'],
];

/// A value of one of Discover's fields, for people.
export function formatField(key, value) {
  if (value == null) return '—';
  if (/^(p\d+|avg|max|min)\(/.test(key) || key === 'transaction.duration') return duration(value);
  if (key === 'failure_rate()') return percent(value);
  if (key === 'apdex()' || key === 'user_misery()') return Number(value).toFixed(2);
  if (key === 'tpm()' || key === 'epm()') {
    const n = Number(value);
    if (n > 0 && n < 0.01) return n.toPrecision(2);
    return n < 10 ? n.toFixed(2) : compactNumber(Math.round(n));
  }
  if (key === 'count()' || key === 'count_unique(user)') return compactNumber(value);
  return String(value);
}

/// The search-language query the filters stand for: what was typed, plus `release:`.
export function discoverQuery(text, release) {
  const parts = ['event.type:transaction'];
  if (text) parts.push(text);
  if (release) parts.push(`release:"${release.replace(/"/g, '\\"')}"`);
  return parts.join(' ');
}

export function bucketLabel(period) {
  return (t) => new Date(t * 1000).toLocaleString([], period === '1h' || period === '24h'
    ? { hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric', hour: '2-digit' });
}

export async function render(ctx) {
  const { org } = ctx.params;
  const params = ctx.query;
  const project = params.get('project') || '';
  const environment = params.get('environment') || '';
  const release = params.get('release') || '';
  const period = params.get('statsPeriod') || '24h';
  const text = params.get('query') || '';
  const sort = params.get('sort') || '-tpm()';
  const yAxis = params.get('yAxis') || 'p95()';
  const cursor = params.get('cursor') || '';
  ctx.setTitle('Performance');
  const base = `/organizations/${encodeURIComponent(org)}`;
  const common = { project: project || undefined, environment: environment || undefined, statsPeriod: period,
    query: discoverQuery(text, release) };

  const go = (changes) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) { if (value) next.set(key, value); else next.delete(key); }
    if (!('cursor' in changes)) next.delete('cursor');
    const qs = next.toString();
    ctx.navigate(`${base}/performance/` + (qs ? '?' + qs : ''));
  };

  const search = h('input', { type: 'search', id: 'perf-search', value: text, placeholder: 'transaction:/checkout* http.method:POST',
    'aria-label': 'Search transactions', autocomplete: 'off', spellcheck: 'false' });
  const form = h('form', { class: 'search', role: 'search' }, search, h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (e) => { e.preventDefault(); go({ query: search.value.trim() }); });
  const projectSelect = h('select', { id: 'perf-project', onchange: (e) => go({ project: e.target.value }) }, h('option', { value: '' }, 'All projects'));
  const input = (id, value, placeholder, key) => {
    const el = h('input', { type: 'text', id, value, placeholder });
    el.addEventListener('change', () => go({ [key]: el.value.trim() }));
    return el;
  };
  const periodSelect = h('select', { id: 'perf-period', onchange: (e) => go({ statsPeriod: e.target.value === '24h' ? '' : e.target.value }) },
    periods.map(([v, label]) => h('option', { value: v, selected: v === period }, label)));
  const axisSelect = h('select', { id: 'perf-axis', onchange: (e) => go({ yAxis: e.target.value === 'p95()' ? '' : e.target.value, cursor: cursor || '' }) },
    axes.map(([v, label]) => h('option', { value: v, selected: v === yAxis }, label)));

  const chartArea = h('div', { id: 'perf-chart' }, h('p', { class: 'muted small' }, 'Loading…'));
  const tableArea = h('div', { id: 'perf-table' }, h('p', { class: 'loading' }, 'Loading transactions…'));
  replace(ctx.main,
    h('div', { class: 'toolbar' }, h('h1', null, 'Performance'), h('a', { href: `${base}/performance/service-map/`, id: 'perf-service-map' }, 'Service map'), form),
    h('div', { class: 'filters' },
      h('label', null, 'Project', projectSelect),
      h('label', null, 'Environment', input('perf-environment', environment, 'production', 'environment')),
      h('label', null, 'Release', input('perf-release', release, 'a version', 'release')),
      h('label', null, 'Time range', periodSelect)),
    h('section', { class: 'panel' }, h('div', { class: 'row', style: { justifyContent: 'space-between' } },
      h('h2', null, axes.find(([v]) => v === yAxis)?.[1] || yAxis), h('label', null, 'Chart', axisSelect)), chartArea),
    h('section', { class: 'panel table-panel' }, tableArea));

  const [projects, page, series] = await Promise.all([
    api(`${base}/projects/`),
    request(`${base}/events/`, { query: { ...common, field: columns.map(([k]) => k), sort, per_page: 25, cursor: cursor || undefined } })
      .catch((error) => ({ error })),
    api(`${base}/events-stats/`, { query: { ...common, yAxis } }).catch((error) => ({ error })),
  ]);
  if (!ctx.isCurrent()) return;
  for (const p of projects) projectSelect.append(h('option', { value: p.id, selected: String(p.id) === project }, p.slug));

  if (series.error) replace(chartArea, errorBox(series.error));
  else {
    const points = (series.data || []).map(([t, values]) => [t, values && values[0] ? values[0].count : 0]);
    replace(chartArea, barChartWithAxes(points, { bucketLabel: bucketLabel(period), valueText: (v) => formatField(yAxis, v), label: yAxis }));
  }
  if (page.error) { replace(tableArea, errorBox(page.error)); return; }
  const rows = (page.data && page.data.data) || [];
  if (!rows.length) {
    replace(tableArea, h('div', { class: 'empty', id: 'perf-empty' },
      h('p', null, 'No transactions in this range.'),
      h('p', { class: 'small' }, 'Turn on tracing in the SDK: ', h('code', null, 'sentry_sdk.init(dsn=…, traces_sample_rate=1.0)'))));
    return;
  }
  const header = h('tr', null, columns.map(([key, label]) => {
    const active = sort === key || sort === '-' + key;
    const next = sort === '-' + key ? key : '-' + key;
    return h('th', { class: key === 'transaction' || key === 'project' ? null : 'num', 'aria-sort': active ? (sort.startsWith('-') ? 'descending' : 'ascending') : null },
      h('button', { type: 'button', class: 'link sort', dataset: { key }, onclick: () => go({ sort: next === '-tpm()' ? '' : next }) },
        label, active ? (sort.startsWith('-') ? ' ↓' : ' ↑') : ''));
  }));
  const body = rows.map((r) => h('tr', { class: 'perf-row' }, columns.map(([key]) => {
    if (key === 'transaction') {
      const projectID = projects.find((p) => p.slug === r.project)?.id;
      const qs = new URLSearchParams({ transaction: r.transaction, statsPeriod: period });
      if (projectID) qs.set('project', projectID);
      if (environment) qs.set('environment', environment);
      return h('td', { class: 'perf-name' }, h('a', { href: `${base}/performance/summary/?${qs}`, class: 'transaction-link' }, r.transaction));
    }
    return h('td', { class: key === 'project' ? null : 'num' }, formatField(key, r[key]));
  })));
  replace(tableArea, h('div', { class: 'table-scroll' }, h('table', { class: 'grid', id: 'transactions' }, h('thead', null, header), h('tbody', null, body))),
    h('div', { class: 'pager' }, h('span', { class: 'muted small' }, `${rows.length} transactions`),
      h('div', { class: 'row' },
        cursor ? h('button', { type: 'button', id: 'perf-first', onclick: () => go({ cursor: '' }) }, 'First page') : null,
        page.next ? h('button', { type: 'button', id: 'perf-next', onclick: () => go({ cursor: page.next }) }, 'Next ›') : null)));
}
