// Alert rules: every project's issue alert rules (mute, unmute), an editor for new and existing ones, and each
// rule's firing history with the state of its deliveries.
import { api } from '../api.js';
import { h, replace, toast, errorBox } from '../dom.js';
import { relativeTime, absoluteTime } from '../format.js';
import { section as metricSection } from './metric-alerts.js';
import { keepSecrets, secretNotice, deliveryList, deleteButton } from '../alert-parts.js';

const ID = {
  firstSeen: 'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition',
  regression: 'sentry.rules.conditions.regression_event.RegressionEventCondition',
  reappeared: 'sentry.rules.conditions.reappeared_event.ReappearedEventCondition',
  frequency: 'sentry.rules.conditions.event_frequency.EventFrequencyCondition',
  users: 'sentry.rules.conditions.event_frequency.EventUniqueUserFrequencyCondition',
  level: 'sentry.rules.filters.level.LevelFilter',
  tagged: 'sentry.rules.filters.tagged_event.TaggedEventFilter',
  attribute: 'sentry.rules.filters.event_attribute.EventAttributeFilter',
};
const INTERVALS = ['1m', '5m', '15m', '1h', '1d', '1w', '30d'];
const EVERY = [[5, '5 minutes'], [10, '10 minutes'], [30, '30 minutes'], [60, '1 hour'], [180, '3 hours'], [720, '12 hours'],
  [1440, '1 day'], [10080, '1 week'], [43200, '30 days']];
const LEVELS = [['', 'Any level'], ['50', 'fatal'], ['40', 'error or worse'], ['30', 'warning or worse'], ['20', 'info or worse']];

export function describe(rule) {
  const parts = (rule.conditions || []).map((c) => {
    if (c.id === ID.firstSeen) return 'new issue';
    if (c.id === ID.regression) return 'regression';
    if (c.id === ID.reappeared) return 'reappeared';
    if (c.id === ID.frequency) return `> ${c.value} events / ${c.interval}`;
    if (c.id === ID.users) return `> ${c.value} users / ${c.interval}`;
    return c.id;
  });
  return parts.join(rule.actionMatch === 'all' ? ' and ' : ' or ');
}

function actionsText(rule) {
  return (rule.actions || []).map((a) => a.id === 'webhook' ? `webhook ${a.url}` : a.id === 'slack' ? `Slack ${a.webhook}` : `email ${a.targetIdentifier}`).join(', ');
}

export async function render(ctx) {
  const { org } = ctx.params;
  if (ctx.params.ruleId || ctx.params.isNew) return editor(ctx);
  ctx.setTitle('Alerts');
  const projects = await api(`/organizations/${encodeURIComponent(org)}/projects/`);
  const lists = await Promise.all(projects.map((p) => api(`/projects/${encodeURIComponent(org)}/${encodeURIComponent(p.slug)}/rules/`)
    .then((rules) => rules.map((r) => ({ ...r, project: p })))));
  if (!ctx.isCurrent()) return;
  const metrics = await metricSection(ctx, org);
  if (!ctx.isCurrent()) return;
  const rules = lists.flat();
  const rows = rules.map((rule) => {
    const base = `/projects/${encodeURIComponent(org)}/${encodeURIComponent(rule.project.slug)}/rules/${encodeURIComponent(rule.id)}/`;
    const muted = rule.status === 'disabled';
    return h('tr', { dataset: { rule: rule.id } },
      h('td', null, h('a', { href: `/organizations/${encodeURIComponent(org)}/alerts/rules/${encodeURIComponent(rule.project.slug)}/${encodeURIComponent(rule.id)}/` }, rule.name)),
      h('td', null, rule.project.slug),
      h('td', null, describe(rule)),
      h('td', { class: 'small muted' }, actionsText(rule)),
      h('td', null, h('span', { class: `badge ${muted ? 'ignored' : 'resolved'}` }, muted ? 'muted' : 'active')),
      h('td', null, h('button', { type: 'button', class: 'toggle-mute', onclick: async () => {
        try {
          const current = await api(base);
          await api(base, { method: 'PUT', body: { ...current, status: muted ? 'active' : 'disabled' } });
          toast(muted ? 'Rule unmuted' : 'Rule muted');
          ctx.navigate(location.pathname, { replace: true });
        } catch (error) {
          toast(error.message);
        }
      } }, muted ? 'Unmute' : 'Mute')));
  });
  replace(ctx.main,
    h('div', { class: 'toolbar' }, h('h1', null, 'Alert rules'),
      projects.length ? h('a', { class: 'button primary', id: 'new-rule', href: `/organizations/${encodeURIComponent(org)}/alerts/rules/new/?project=${encodeURIComponent(projects[0].slug)}` }, 'New issue alert') : null),
    rules.length
      ? h('section', { class: 'panel' }, h('table', { class: 'kv rules' },
        h('thead', null, h('tr', null, ['Name', 'Project', 'When', 'Actions', 'Status', ''].map((t) => h('th', null, t)))),
        h('tbody', null, rows)))
      : h('div', { class: 'panel empty', id: 'no-rules' }, h('h2', null, 'No issue alert rules yet'),
        h('p', null, 'Issue alerts tell you when a new error appears, an old one comes back, or an issue gets busy.')),
    metrics);
}

async function editor(ctx) {
  const { org } = ctx.params;
  const isNew = ctx.params.ruleId === undefined;
  const projects = await api(`/organizations/${encodeURIComponent(org)}/projects/`);
  const slug = isNew ? (ctx.query.get('project') || (projects[0] && projects[0].slug)) : ctx.params.project;
  const ruleURL = (s, id) => `/projects/${encodeURIComponent(org)}/${encodeURIComponent(s)}/rules/` + (id ? `${encodeURIComponent(id)}/` : '');
  const [rule, history] = isNew ? [null, []] : await Promise.all([api(ruleURL(slug, ctx.params.ruleId)), api(ruleURL(slug, ctx.params.ruleId) + 'history/')]);
  if (!ctx.isCurrent()) return;
  ctx.setTitle(isNew ? 'New alert rule' : rule.name);

  const has = (id) => rule && (rule.conditions || []).find((c) => c.id === id);
  const filter = (id, pred = () => true) => rule && (rule.filters || []).find((f) => f.id === id && pred(f));
  const known = new Set([ID.level, ID.tagged, ID.attribute]);
  const otherFilters = rule ? (rule.filters || []).filter((f) => !known.has(f.id) || (f.id === ID.attribute && f.attribute !== 'message')) : [];

  const projectSelect = h('select', { id: 'rule-project', disabled: !isNew }, projects.map((p) => h('option', { value: p.slug, selected: p.slug === slug }, p.slug)));
  const name = h('input', { type: 'text', id: 'rule-name', required: true, maxlength: 256, value: rule ? rule.name : '', placeholder: 'New errors in production' });
  const environment = h('input', { type: 'text', id: 'rule-environment', value: rule && rule.environment ? rule.environment : '', placeholder: 'any environment' });
  const check = (id, label, on) => {
    const box = h('input', { type: 'checkbox', id, checked: Boolean(on) });
    return [box, h('label', { class: 'row', for: id }, box, label)];
  };
  const [firstSeen, firstSeenRow] = check('when-first-seen', 'A new issue is created', isNew || has(ID.firstSeen));
  const [regression, regressionRow] = check('when-regression', 'A resolved issue comes back (regression)', has(ID.regression));
  const [reappeared, reappearedRow] = check('when-reappeared', 'An ignored issue comes back', has(ID.reappeared));
  const countRow = (prefix, id, label) => {
    const c = has(id);
    const [box, row] = check(`when-${prefix}`, label, c);
    const value = h('input', { type: 'number', min: 0, id: `${prefix}-value`, value: c ? c.value : 10, 'aria-label': `${label} threshold` });
    const interval = h('select', { id: `${prefix}-interval`, 'aria-label': `${label} interval` }, INTERVALS.map((i) => h('option', { value: i, selected: c ? c.interval === i : i === '1m' }, `in ${i}`)));
    return { box, value, interval, row: h('div', { class: 'row' }, row, value, interval) };
  };
  const frequency = countRow('frequency', ID.frequency, 'The issue is seen more than');
  const users = countRow('users', ID.users, 'More distinct users than');
  const all = h('select', { id: 'rule-action-match' }, [['any', 'any of these happens'], ['all', 'all of these happen']].map(([v, l]) => h('option', { value: v, selected: (rule ? rule.actionMatch : 'any') === v }, l)));
  const levelFilter = filter(ID.level);
  const level = h('select', { id: 'filter-level' }, LEVELS.map(([v, l]) => h('option', { value: v, selected: levelFilter ? levelFilter.level === v && levelFilter.match === 'gte' : v === '' }, l)));
  const tagFilter = filter(ID.tagged);
  const tagKey = h('input', { type: 'text', id: 'filter-tag-key', value: tagFilter ? tagFilter.key : '', placeholder: 'tag, e.g. payment.failed' });
  const tagValue = h('input', { type: 'text', id: 'filter-tag-value', value: tagFilter && tagFilter.match === 'eq' ? tagFilter.value : '', placeholder: 'value (empty: is set)' });
  const messageFilter = filter(ID.attribute, (f) => f.attribute === 'message');
  const message = h('input', { type: 'text', id: 'filter-message', value: messageFilter ? messageFilter.value : '', placeholder: 'message contains…' });
  const lines = (kind, key) => rule ? (rule.actions || []).filter((a) => a.id === kind).map((a) => a[key]).join('\n') : '';
  const webhooks = h('textarea', { id: 'action-webhooks', rows: 2, placeholder: 'https://hooks.example.com/faultline (one per line)' }, lines('webhook', 'url'));
  const slacks = h('textarea', { id: 'action-slack', rows: 2, placeholder: 'https://hooks.slack.com/services/… (one per line)' }, lines('slack', 'webhook'));
  const emails = h('textarea', { id: 'action-emails', rows: 2, placeholder: 'oncall@example.com (one per line)' }, lines('email', 'targetIdentifier'));
  const every = h('select', { id: 'rule-frequency' }, EVERY.map(([v, l]) => h('option', { value: v, selected: (rule ? rule.frequency : 30) === v }, l)));
  const secrets = h('div', { id: 'rule-secrets' });

  function body() {
    const conditions = [];
    if (firstSeen.checked) conditions.push({ id: ID.firstSeen });
    if (regression.checked) conditions.push({ id: ID.regression });
    if (reappeared.checked) conditions.push({ id: ID.reappeared });
    if (frequency.box.checked) conditions.push({ id: ID.frequency, value: Number(frequency.value.value), interval: frequency.interval.value });
    if (users.box.checked) conditions.push({ id: ID.users, value: Number(users.value.value), interval: users.interval.value });
    const filters = [...otherFilters];
    if (level.value) filters.push({ id: ID.level, match: 'gte', level: level.value });
    if (tagKey.value.trim()) filters.push(tagValue.value.trim() ? { id: ID.tagged, key: tagKey.value.trim(), match: 'eq', value: tagValue.value.trim() } : { id: ID.tagged, key: tagKey.value.trim(), match: 'is' });
    if (message.value.trim()) filters.push({ id: ID.attribute, attribute: 'message', match: 'co', value: message.value.trim() });
    const split = (el) => el.value.split('\n').map((s) => s.trim()).filter(Boolean);
    const actions = [...split(webhooks).map((url) => ({ id: 'webhook', url })), ...split(slacks).map((webhook) => ({ id: 'slack', webhook })),
      ...split(emails).map((targetIdentifier) => ({ id: 'email', targetIdentifier }))];
    return { name: name.value.trim(), actionMatch: all.value, filterMatch: 'all', frequency: Number(every.value),
      environment: environment.value.trim() || null, conditions, filters, actions, status: rule ? rule.status : 'active' };
  }

  const form = h('form', { class: 'stack', id: 'rule-form' },
    h('div', { class: 'filters' }, h('label', null, 'Project', projectSelect), h('label', null, 'Name', name), h('label', null, 'Environment', environment)),
    h('h3', null, 'When'), h('div', { class: 'row' }, h('span', { class: 'muted small' }, 'Fire when'), all),
    firstSeenRow, regressionRow, reappearedRow, frequency.row, users.row,
    h('h3', null, 'If'), h('div', { class: 'filters' }, h('label', null, 'Level', level), h('label', null, 'Tag', tagKey), h('label', null, 'Tag value', tagValue), h('label', null, 'Message', message)),
    otherFilters.length ? h('p', { class: 'muted small' }, `${otherFilters.length} more filter(s) from the API are kept as they are.`) : null,
    h('h3', null, 'Then'), h('label', null, 'Webhooks (signed with HMAC-SHA256)', webhooks), h('label', null, 'Slack-compatible webhooks', slacks), h('label', null, 'Email', emails),
    h('div', { class: 'row' }, h('span', { class: 'muted small' }, 'At most once per issue every'), every),
    secrets,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: 'rule-save' }, isNew ? 'Create rule' : 'Save rule'),
      isNew ? null : deleteButton(ctx, { id: 'rule-delete', what: 'rule', name: rule.name, url: ruleURL(slug, rule.id) })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const saved = await api(ruleURL(projectSelect.value, isNew ? null : rule.id), { method: isNew ? 'POST' : 'PUT', body: body() });
      keepSecrets(saved.actions || []);
      const target = `/organizations/${encodeURIComponent(org)}/alerts/rules/${encodeURIComponent(projectSelect.value)}/${encodeURIComponent(saved.id)}/`;
      toast(isNew ? 'Rule created' : 'Rule saved');
      ctx.navigate(target, { replace: !isNew });
    } catch (error) {
      replace(secrets, errorBox(error));
    }
  });

  if (!isNew) replace(secrets, secretNotice());

  replace(ctx.main,
    h('div', { class: 'toolbar' }, h('a', { href: `/organizations/${encodeURIComponent(org)}/alerts/rules/` }, '← Alert rules'), h('h1', null, isNew ? 'New alert rule' : rule.name)),
    h('section', { class: 'panel', id: 'rule-editor' }, form),
    isNew ? null : historyPanel(org, history));
}

function historyPanel(org, firings) {
  return h('section', { class: 'panel', id: 'rule-history' }, h('h2', null, 'History'),
    firings.length ? h('table', { class: 'kv' },
      h('thead', null, h('tr', null, ['Fired', 'Why', 'Issue', 'Deliveries'].map((t) => h('th', null, t)))),
      h('tbody', null, firings.map((f) => h('tr', null,
        h('td', { title: absoluteTime(f.dateFired) }, relativeTime(f.dateFired)),
        h('td', null, f.trigger.replace(/_/g, ' ')),
        h('td', null, f.issue ? h('a', { href: `/organizations/${encodeURIComponent(org)}/issues/${encodeURIComponent(f.issue.id)}/` }, `#${f.issue.id}`) : '—'),
        h('td', null, deliveryList(f.deliveries))))))
      : h('p', { class: 'muted' }, 'This rule has not fired yet.'));
}
