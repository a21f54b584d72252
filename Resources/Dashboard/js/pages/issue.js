// The issue page: what broke, how often, for whom, since which release; its events one at a time; triage.
import { api } from '../api.js';
import { h, replace, errorBox, toast } from '../dom.js';
import { relativeTime, absoluteTime, compactNumber, plural } from '../format.js';
import { barChart } from '../charts.js';
import { eventView } from './event.js';

const ignoreChoices = [
  ['forever', 'Ignore forever', {}],
  ['30m', 'for 30 minutes', { ignoreDuration: 30 }],
  ['2h', 'for 2 hours', { ignoreDuration: 120 }],
  ['24h', 'for 24 hours', { ignoreDuration: 1440 }],
  ['100e', 'until 100 more events', { ignoreCount: 100 }],
  ['10u', 'until 10 more users', { ignoreUserCount: 10 }],
];

export async function render(ctx) {
  const { org, issueId } = ctx.params;
  const which = ctx.params.eventId || 'latest';
  const base = `/organizations/${encodeURIComponent(org)}/issues/${encodeURIComponent(issueId)}/`;
  const [issue, event] = await Promise.all([
    api(`/issues/${encodeURIComponent(issueId)}/`),
    api(`/issues/${encodeURIComponent(issueId)}/events/${encodeURIComponent(which)}/`).catch((error) => ({ error })),
  ]);
  if (!ctx.isCurrent()) return;
  ctx.setTitle(`${issue.shortId}: ${issue.title}`);
  if (!issue.hasSeen) api(`/issues/${encodeURIComponent(issueId)}/`, { method: 'PUT', body: { hasSeen: true } }).catch(() => {});

  const project = issue.project || {};
  const searchLink = (q) => `/organizations/${encodeURIComponent(org)}/issues/?query=${encodeURIComponent(q)}` +
    (project.id ? `&project=${encodeURIComponent(project.id)}` : '');
  const tagLink = (key, value) => searchLink(`${key}:"${String(value).replace(/"/g, '\\"')}"`);

  async function update(body, done) {
    try {
      await api(`/issues/${encodeURIComponent(issueId)}/`, { method: 'PUT', body });
      toast(done);
      ctx.navigate(location.pathname + location.search, { replace: true });
    } catch (error) {
      toast(error.message);
    }
  }

  const status = issue.status;
  const actions = [];
  if (status !== 'resolved') {
    actions.push(h('button', { type: 'button', class: 'primary', id: 'action-resolve', onclick: () => update({ status: 'resolved' }, 'Resolved') }, 'Resolve'));
    actions.push(h('button', { type: 'button', id: 'action-resolve-next', onclick: () => update({ status: 'resolved', statusDetails: { inNextRelease: true } }, 'Resolved in the next release') }, 'Resolve in next release'));
  }
  if (status !== 'ignored') {
    const select = h('select', { id: 'action-ignore', 'aria-label': 'Ignore' },
      h('option', { value: '' }, 'Ignore…'),
      ignoreChoices.map(([value, label]) => h('option', { value }, label)));
    select.addEventListener('change', () => {
      const choice = ignoreChoices.find(([value]) => value === select.value);
      if (choice) update({ status: 'ignored', statusDetails: choice[2] }, 'Ignored');
    });
    actions.push(select);
  }
  if (status !== 'unresolved') {
    actions.push(h('button', { type: 'button', id: 'action-unresolve', onclick: () => update({ status: 'unresolved' }, 'Unresolved') }, 'Unresolve'));
  }
  actions.push(h('button', { type: 'button', id: 'action-bookmark', 'aria-pressed': String(Boolean(issue.isBookmarked)),
    onclick: () => update({ isBookmarked: !issue.isBookmarked }, issue.isBookmarked ? 'Bookmark removed' : 'Bookmarked') },
  issue.isBookmarked ? '★ Bookmarked' : '☆ Bookmark'));

  const statusText = statusDescription(issue);
  const header = h('section', { class: 'panel issue-header' },
    h('div', { class: 'titles' },
      h('div', { class: 'row small' },
        h('a', { href: `/organizations/${encodeURIComponent(org)}/issues/` }, '← Issues'),
        h('span', { class: `level-text level-${issue.level}` }, issue.level)),
      h('h1', { id: 'issue-title' }, issue.title),
      h('div', { class: 'culprit' }, issue.culprit || ''),
      h('div', { class: 'ids' },
        h('span', { class: 'mono', id: 'short-id' }, issue.shortId),
        h('span', { class: 'muted' }, project.slug || ''),
        h('span', { class: `badge ${status}`, id: 'issue-status' }, status),
        issue.isUnhandled ? h('span', { class: 'badge unhandled' }, 'unhandled') : null,
        statusText ? h('span', { class: 'muted small' }, statusText) : null)),
    h('div', { class: 'actions' }, actions));

  const counts = h('section', { class: 'panel counts' },
    fact('Events', compactNumber(issue.count), `${issue.count} events`, 'count-events'),
    fact('Users', compactNumber(issue.userCount), `${issue.userCount} users`, 'count-users'),
    fact('First seen', relativeTime(issue.firstSeen), absoluteTime(issue.firstSeen)),
    fact('Last seen', relativeTime(issue.lastSeen), absoluteTime(issue.lastSeen)),
    fact('First release', issue.firstRelease ? issue.firstRelease.shortVersion || issue.firstRelease.version : '—'),
    fact('Last release', issue.lastRelease ? issue.lastRelease.shortVersion || issue.lastRelease.version : '—'));

  const main = h('div', { class: 'stack' },
    chartPanel(issue.stats || {}),
    eventPanel(event, { base, org, project, tagLink, issue }),
    groupingPanel(event, org, project),
    activityPanel(issue.activity || []));
  const side = h('aside', { class: 'stack' }, tagsPanel(issue.tags || [], tagLink));
  replace(ctx.main, header, counts, h('div', { class: 'layout' }, main, side));
}

function fact(label, value, title, id) {
  return h('div', null, h('span', { class: 'muted small' }, label), h('span', { class: 'big', title, id }, value));
}

function statusDescription(issue) {
  const d = issue.statusDetails || {};
  if (issue.status === 'resolved' && d.inNextRelease) return 'until the next release';
  if (issue.status === 'resolved' && d.inRelease) return `in release ${d.inRelease}`;
  if (issue.status === 'ignored') {
    if (d.ignoreUntil) return `until ${absoluteTime(d.ignoreUntil)}`;
    if (d.ignoreCount) return `until ${d.ignoreCount} more events`;
    if (d.ignoreUserCount) return `until ${d.ignoreUserCount} more users`;
  }
  return '';
}

function chartPanel(stats) {
  let period = '24h';
  const area = h('div');
  const tabs = [['24h', 'Last 24 hours'], ['30d', 'Last 30 days']].map(([value, label]) =>
    h('button', { type: 'button', 'aria-pressed': String(value === period), dataset: { period: value }, onclick: () => {
      period = value;
      tabs.forEach((t) => t.setAttribute('aria-pressed', String(t.dataset.period === period)));
      draw();
    } }, label));
  function draw() {
    const series = stats[period] || [];
    const label = period === '24h'
      ? (t) => new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
      : (t) => new Date(t * 1000).toLocaleDateString();
    const total = series.reduce((sum, p) => sum + (Number(p[1]) || 0), 0);
    area.replaceChildren(barChart(series, { bucketLabel: label }), h('div', { class: 'muted small' }, `${plural(total, 'event')} in this period`));
  }
  draw();
  return h('section', { class: 'panel', id: 'frequency' },
    h('div', { class: 'row', style: { justifyContent: 'space-between' } }, h('h2', null, 'Events'), h('div', { class: 'chart-tabs' }, tabs)),
    area);
}

function eventPanel(event, { base, org, project, tagLink }) {
  if (event.error) {
    return h('section', { class: 'panel' }, h('h2', null, 'Event'), errorBox(event.error));
  }
  const link = (which) => `${base}events/${encodeURIComponent(which)}/`;
  const nav = (label, which, id) => which
    ? h('a', { class: 'button', href: link(which), id }, label)
    : h('button', { type: 'button', disabled: true, id }, label);
  const raw = `/api/0/projects/${encodeURIComponent(org)}/${encodeURIComponent(project.slug || '')}/events/${encodeURIComponent(event.eventID)}/json/`;
  return h('section', { class: 'panel', id: 'event' },
    h('div', { class: 'event-nav' },
      h('div', null,
        h('h2', { style: { marginBottom: '2px' } }, 'Event ', h('span', { class: 'mono', id: 'event-id' }, String(event.eventID).slice(0, 12))),
        h('div', { class: 'muted small' }, absoluteTime(event.dateCreated),
          event.release && event.release.version ? ` · release ${event.release.version}` : '',
          event.environment ? ` · ${event.environment}` : '')),
      h('div', { class: 'buttons' },
        nav('« Oldest', event.previousEventID ? 'oldest' : null, 'event-oldest'),
        nav('‹ Older', event.previousEventID, 'event-older'),
        nav('Newer ›', event.nextEventID, 'event-newer'),
        nav('Latest »', event.nextEventID ? 'latest' : null, 'event-latest'),
        h('a', { class: 'button', href: raw, target: '_blank', rel: 'noopener', id: 'event-json' }, 'JSON'))),
    eventView(event, { tagLink, traceLink: (id) => `/organizations/${encodeURIComponent(org)}/performance/trace/${encodeURIComponent(id)}/` }));
}

function groupingPanel(event, org, project) {
  const body = h('div', { class: 'grouping' }, h('p', { class: 'muted small' }, 'Loading…'));
  const details = h('details', { class: 'panel', id: 'grouping' }, h('summary', null, h('strong', null, 'Why these events are grouped')), body);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded || event.error) return;
    loaded = true;
    try {
      const info = await api(`/projects/${encodeURIComponent(org)}/${encodeURIComponent(project.slug)}/events/${encodeURIComponent(event.eventID)}/grouping-info/`);
      const current = info.current || {};
      replace(body,
        h('dl', { class: 'facts' },
          h('dt', null, 'Grouped by'), h('dd', null, current.variant || info.strategy || '—'),
          current.variantReason ? [h('dt', null, 'Why'), h('dd', { class: 'variant-reason' }, current.variantReason)] : null,
          current.rule ? [h('dt', null, 'Rule'), h('dd', { class: 'mono' }, current.rule)] : null,
          current.fingerprint ? [h('dt', null, 'Fingerprint'), h('dd', { class: 'mono' }, current.fingerprint.join(', '))] : null,
          h('dt', null, 'Hash'), h('dd', { class: 'mono' }, info.hash),
          h('dt', null, 'Strategy'), h('dd', null, info.strategy)),
        h('p', { class: 'muted small' }, 'Struck-through parts did not count, with the reason in italics.'),
        current.component ? h('ul', null, componentTree(current.component)) : null);
    } catch (error) {
      replace(body, errorBox(error));
    }
  });
  return details;
}

function componentTree(component) {
  const children = Array.isArray(component.values) ? component.values : [];
  const own = children.filter((c) => typeof c !== 'object');
  const nested = children.filter((c) => c && typeof c === 'object');
  const value = component.value != null ? component.value : own.join(' ');
  return h('li', { class: component.contributes === false ? 'off' : null },
    h('span', null, component.id || ''), value !== '' ? [': ', h('span', null, String(value))] : null,
    component.hint ? [' ', h('span', { class: 'hint' }, `(${component.hint})`)] : null,
    nested.length ? h('ul', null, nested.map(componentTree)) : null);
}

const activityText = {
  first_seen: 'First seen', set_resolved: 'Resolved', set_resolved_in_release: 'Resolved in a release',
  set_unresolved: 'Unresolved', set_ignored: 'Ignored', set_regression: 'Regressed', set_escalating: 'Escalating',
  assigned: 'Assigned', unassigned: 'Unassigned',
};

function activityPanel(activity) {
  return h('section', { class: 'panel', id: 'activity' }, h('h2', null, 'Activity'),
    activity.length ? h('ul', { class: 'activity' }, activity.map((a) => h('li', null,
      h('strong', null, activityText[a.type] || a.type),
      a.data && a.data.version ? ` (${a.data.version})` : '',
      a.user && a.user.name ? h('span', { class: 'muted' }, ` by ${a.user.name}`) : null,
      h('span', { class: 'muted', title: absoluteTime(a.dateCreated) }, ` · ${relativeTime(a.dateCreated)}`))))
      : h('p', { class: 'muted' }, 'Nothing yet.'));
}

function tagsPanel(tags, tagLink) {
  return h('section', { class: 'panel', id: 'tags' }, h('h2', null, 'Tags'),
    tags.length ? tags.map((tag) => {
      const total = tag.totalValues || 1;
      const top = tag.topValues || [];
      return h('div', { class: 'tagbar' },
        h('div', { class: 'name' }, h('strong', null, tag.key), h('span', { class: 'muted' }, plural(tag.uniqueValues, 'value'))),
        h('div', { class: 'bars', role: 'img', 'aria-label': `Distribution of ${tag.key}` },
          top.map((v) => h('span', { title: `${v.value}: ${v.count}`, style: { width: `${(100 * v.count / total).toFixed(2)}%` } }))),
        h('ul', null, top.slice(0, 5).map((v) => h('li', null,
          h('a', { href: tagLink(tag.key, v.value), title: String(v.value) }, v.value),
          h('span', { class: 'muted' }, `${Math.round(100 * v.count / total)}%`)))));
    }) : h('p', { class: 'muted' }, 'No tags.'));
}
