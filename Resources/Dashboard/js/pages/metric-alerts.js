// Metric alert rules: the organization's rules with where each stands (on the alerts page), an editor for new and
// existing ones, and each rule's history of state changes with the value measured and the deliveries they made.
import { api } from '../api.js';
import { h, replace, toast, errorBox } from '../dom.js';
import { relativeTime, absoluteTime } from '../format.js';
import { keepSecrets, secretNotice, deliveryList, deleteButton } from '../alert-parts.js';

const AGGREGATES = [
  ['count()', 'Number of errors'],
  ['count_unique(user)', 'Users experiencing errors'],
  ['error_rate()', 'Error rate (errors ÷ transactions)'],
  ['failure_rate()', 'Failure rate of transactions'],
  ['p50(transaction.duration)', 'Transaction duration p50'],
  ['p75(transaction.duration)', 'Transaction duration p75'],
  ['p95(transaction.duration)', 'Transaction duration p95'],
  ['p99(transaction.duration)', 'Transaction duration p99'],
  ['avg(transaction.duration)', 'Average transaction duration'],
];
const WINDOWS = [[1, '1 minute'], [5, '5 minutes'], [10, '10 minutes'], [15, '15 minutes'], [30, '30 minutes'], [60, '1 hour'],
  [120, '2 hours'], [240, '4 hours'], [1440, '1 day']];
const STATE_BADGE = { critical: 'unhandled', warning: 'ignored', ok: 'resolved', resolved: 'resolved' };

const rulesURL = (org, id) => `/organizations/${encodeURIComponent(org)}/alert-rules/` + (id ? `${encodeURIComponent(id)}/` : '');
const pageURL = (org, id) => `/organizations/${encodeURIComponent(org)}/alerts/metric-rules/` + (id ? `${encodeURIComponent(id)}/` : 'new/');

/// Rates are fractions in the API and percentages on screen; durations are milliseconds.
const isRate = (aggregate) => aggregate === 'error_rate()' || aggregate === 'failure_rate()';
function formatValue(aggregate, value) {
  if (value === null || value === undefined) return '—';
  if (isRate(aggregate)) return `${(value * 100).toFixed(value < 0.1 ? 2 : 1)} %`;
  if (aggregate.includes('transaction.duration')) return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
  return String(Math.round(value * 100) / 100);
}

export function stateBadge(state) {
  return h('span', { class: `badge ${STATE_BADGE[state] || ''} state` }, state);
}

function thresholds(rule) {
  const sign = rule.thresholdType === 1 ? '<' : '>';
  return rule.triggers.map((t) => `${t.label} ${sign} ${formatValue(rule.aggregate, t.alertThreshold)}`).join(', ');
}

/// The metric rules section of the alerts page.
export async function section(ctx, org) {
  const rules = await api(rulesURL(org));
  const rows = rules.map((rule) => h('tr', { dataset: { metricRule: rule.id } },
    h('td', null, h('a', { href: pageURL(org, rule.id) }, rule.name)),
    h('td', null, rule.projects.join(', ')),
    h('td', null, `${(AGGREGATES.find(([a]) => a === rule.aggregate) || [null, rule.aggregate])[1]} over ${windowName(rule.timeWindow)}`,
      rule.query ? h('div', { class: 'mono small muted' }, rule.query) : null),
    h('td', { class: 'small' }, thresholds(rule)),
    h('td', null, formatValue(rule.aggregate, rule.currentValue)),
    h('td', null, rule.status === 'disabled' ? h('span', { class: 'badge ignored' }, 'muted') : stateBadge(rule.state))));
  return h('section', { class: 'panel', id: 'metric-rules' },
    h('div', { class: 'toolbar' }, h('h2', null, 'Metric alerts'),
      h('a', { class: 'button', id: 'new-metric-rule', href: pageURL(org) }, 'New metric alert')),
    rules.length
      ? h('table', { class: 'kv rules' },
        h('thead', null, h('tr', null, ['Name', 'Projects', 'Measures', 'Thresholds', 'Now', 'State'].map((t) => h('th', null, t)))),
        h('tbody', null, rows))
      : h('p', { class: 'muted', id: 'no-metric-rules' }, 'Metric alerts watch a number — errors a minute, p95 latency, error rate — and tell you when it crosses a threshold and when it recovers.'));
}

function windowName(minutes) {
  return (WINDOWS.find(([m]) => m === minutes) || [0, `${minutes} minutes`])[1];
}

export async function render(ctx) {
  const { org } = ctx.params;
  const isNew = ctx.params.metricRuleId === undefined;
  const [projects, rule, history] = await Promise.all([
    api(`/organizations/${encodeURIComponent(org)}/projects/`),
    isNew ? null : api(rulesURL(org, ctx.params.metricRuleId)),
    isNew ? [] : api(rulesURL(org, ctx.params.metricRuleId) + 'history/'),
  ]);
  if (!ctx.isCurrent()) return;
  ctx.setTitle(isNew ? 'New metric alert' : rule.name);

  const trigger = (label) => rule && rule.triggers.find((t) => t.label === label);
  const name = h('input', { type: 'text', id: 'metric-name', required: true, maxlength: 256, value: rule ? rule.name : '', placeholder: 'Errors per minute' });
  const chosen = new Set(rule ? rule.projects : projects.slice(0, 1).map((p) => p.slug));
  const projectSelect = h('select', { id: 'metric-projects', multiple: true, size: Math.min(4, Math.max(2, projects.length)) },
    projects.map((p) => h('option', { value: p.slug, selected: chosen.has(p.slug) }, p.slug)));
  const environment = h('input', { type: 'text', id: 'metric-environment', value: rule && rule.environment ? rule.environment : '', placeholder: 'any environment' });
  const aggregate = h('select', { id: 'metric-aggregate' }, AGGREGATES.map(([a, label]) => h('option', { value: a, selected: rule ? rule.aggregate === a : a === 'count()' }, label)));
  const query = h('input', { type: 'text', id: 'metric-query', value: rule ? rule.query : '', placeholder: 'e.g. level:error transaction:/checkout (empty: everything)' });
  const window_ = h('select', { id: 'metric-window' }, WINDOWS.map(([m, label]) => h('option', { value: m, selected: (rule ? rule.timeWindow : 1) === m }, label)));
  const direction = h('select', { id: 'metric-direction' }, [[0, 'above'], [1, 'below']].map(([v, l]) => h('option', { value: v, selected: (rule ? rule.thresholdType : 0) === v }, l)));
  const toShown = (v) => (v === null || v === undefined ? '' : String(isRate(aggregate.value) ? Math.round(v * 100000) / 1000 : v));
  const fromShown = (text) => (text.trim() === '' ? null : Number(text) / (isRate(aggregate.value) ? 100 : 1));
  const triggerBlock = (label, title) => {
    const t = trigger(label);
    const threshold = h('input', { type: 'number', step: 'any', id: `${label}-threshold`, value: t ? toShown(t.alertThreshold) : '', 'aria-label': `${title} threshold` });
    const list = (type, key) => (t ? t.actions.filter((a) => a.type === type).map((a) => a[key]).join('\n') : '');
    const webhooks = h('textarea', { id: `${label}-webhooks`, rows: 2, placeholder: 'https://pager.example.com/hook (one per line)' }, list('webhook', 'url'));
    const slacks = h('textarea', { id: `${label}-slack`, rows: 2, placeholder: 'https://hooks.slack.com/services/… (one per line)' }, list('slack', 'targetIdentifier'));
    const emails = h('textarea', { id: `${label}-emails`, rows: 1, placeholder: 'oncall@example.com (one per line)' }, list('email', 'targetIdentifier'));
    const node = h('fieldset', { class: 'stack', id: `${label}-trigger` }, h('legend', null, title),
      h('div', { class: 'row' }, h('span', { class: 'muted small' }, `${title} when the value is`), h('span', { class: 'small direction' }),
        threshold, h('span', { class: 'muted small unit' })),
      h('label', null, 'Webhooks (signed with HMAC-SHA256)', webhooks), h('label', null, 'Slack-compatible webhooks', slacks),
      h('label', null, 'Email', emails));
    return { threshold, webhooks, slacks, emails, node };
  };
  const critical = triggerBlock('critical', 'Critical');
  const warning = triggerBlock('warning', 'Warning');
  const resolve = h('input', { type: 'number', step: 'any', id: 'metric-resolve', value: rule ? toShown(rule.resolveThreshold) : '', placeholder: 'when no trigger holds' });
  const muted = h('input', { type: 'checkbox', id: 'metric-muted', checked: rule ? rule.status === 'disabled' : false });
  const message = h('div', { id: 'metric-message' });

  function updateUnits() {
    const text = isRate(aggregate.value) ? '%' : aggregate.value.includes('transaction.duration') ? 'ms' : '';
    for (const el of form.querySelectorAll('.unit')) el.textContent = text;
    for (const el of form.querySelectorAll('.direction')) el.textContent = direction.value === '1' ? 'below' : 'above';
  }
  aggregate.addEventListener('change', updateUnits);
  direction.addEventListener('change', updateUnits);

  function body() {
    const split = (el) => el.value.split('\n').map((s) => s.trim()).filter(Boolean);
    const actions = (t) => [...split(t.webhooks).map((url) => ({ type: 'webhook', url })),
      ...split(t.slacks).map((targetIdentifier) => ({ type: 'slack', targetIdentifier })),
      ...split(t.emails).map((targetIdentifier) => ({ type: 'email', targetType: 'specific', targetIdentifier }))];
    const triggers = [{ label: 'critical', alertThreshold: fromShown(critical.threshold.value), actions: actions(critical) }];
    if (warning.threshold.value.trim() !== '') triggers.push({ label: 'warning', alertThreshold: fromShown(warning.threshold.value), actions: actions(warning) });
    return { name: name.value.trim(), aggregate: aggregate.value, query: query.value.trim(), timeWindow: Number(window_.value),
      projects: [...projectSelect.selectedOptions].map((o) => o.value), environment: environment.value.trim() || null,
      thresholdType: Number(direction.value), resolveThreshold: fromShown(resolve.value), triggers,
      status: muted.checked ? 'disabled' : 'active' };
  }

  const form = h('form', { class: 'stack', id: 'metric-form' },
    h('div', { class: 'filters' }, h('label', null, 'Name', name), h('label', null, 'Projects', projectSelect), h('label', null, 'Environment', environment)),
    h('h3', null, 'Measure'),
    h('div', { class: 'filters' }, h('label', null, 'What', aggregate), h('label', null, 'Over the last', window_), h('label', null, 'Alert when', direction)),
    h('label', null, 'Of the events matching', query),
    h('h3', null, 'Thresholds'), critical.node, warning.node,
    h('div', { class: 'row' }, h('label', null, 'Resolve once back past', resolve), h('span', { class: 'muted small unit' })),
    h('label', { class: 'row', for: 'metric-muted' }, muted, 'Muted (not measured, nothing sent)'),
    message,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: 'metric-save' }, isNew ? 'Create metric alert' : 'Save metric alert'),
      isNew ? null : deleteButton(ctx, { id: 'metric-delete', what: 'metric alert', name: rule.name, url: rulesURL(org, rule.id) })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const saved = await api(rulesURL(org, isNew ? null : rule.id), { method: isNew ? 'POST' : 'PUT', body: body() });
      keepSecrets(saved.triggers.flatMap((t) => t.actions));
      toast(isNew ? 'Metric alert created' : 'Metric alert saved');
      ctx.navigate(pageURL(org, saved.id), { replace: !isNew });
    } catch (error) {
      replace(message, errorBox(error));
    }
  });
  if (!isNew) replace(message, secretNotice());

  replace(ctx.main,
    h('div', { class: 'toolbar' }, h('a', { href: `/organizations/${encodeURIComponent(org)}/alerts/rules/` }, '← Alert rules'),
      h('h1', null, isNew ? 'New metric alert' : rule.name),
      isNew ? null : h('span', { id: 'metric-state' }, stateBadge(rule.state), ' ', formatValue(rule.aggregate, rule.currentValue))),
    h('section', { class: 'panel', id: 'metric-editor' }, form),
    isNew ? null : historyPanel(rule, history));
  updateUnits();
}

function historyPanel(rule, changes) {
  return h('section', { class: 'panel', id: 'metric-history' }, h('h2', null, 'History'),
    changes.length ? h('table', { class: 'kv' },
      h('thead', null, h('tr', null, ['When', 'Change', 'Value', 'Deliveries'].map((t) => h('th', null, t)))),
      h('tbody', null, changes.map((c) => h('tr', null,
        h('td', { title: absoluteTime(c.dateFired) }, relativeTime(c.dateFired)),
        h('td', null, c.metric ? `${c.metric.previousState} → ` : '', stateBadge(c.trigger)),
        h('td', null, c.metric ? formatValue(rule.aggregate, c.metric.value) : '—',
          c.metric && c.metric.threshold !== null ? h('span', { class: 'muted small' }, ` (threshold ${formatValue(rule.aggregate, c.metric.threshold)})`) : null),
        h('td', null, c.deliveries.length ? deliveryList(c.deliveries) : h('span', { class: 'muted small' }, 'no actions'))))))
      : h('p', { class: 'muted' }, 'No changes of state yet.'));
}
