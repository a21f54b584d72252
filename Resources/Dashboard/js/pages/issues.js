// The issue list: search (kept in the URL), filters, sort, pages, bulk triage, keyboard (j/k, x, o, /).
import { api, request } from '../api.js';
import { h, replace, errorBox, toast, copyButton } from '../dom.js';
import { relativeTime, absoluteTime, compactNumber } from '../format.js';
import { sparkline } from '../charts.js';
import { termValue, withTerm, statusOf, withStatus } from '../search.js';
import { snippets } from '../snippets.js';

const DEFAULT_QUERY = 'is:unresolved';
const sorts = [['date', 'Last seen'], ['new', 'First seen'], ['freq', 'Events'], ['user', 'Users']];
const levels = ['', 'fatal', 'error', 'warning', 'info', 'debug'];

export async function render(ctx) {
  const { org } = ctx.params;
  const params = ctx.query;
  const query = params.has('query') ? params.get('query') : DEFAULT_QUERY;
  const sort = params.get('sort') || 'date';
  const project = params.get('project') || '';
  const cursor = params.get('cursor') || '';
  ctx.setTitle('Issues');

  const projectsPromise = api(`/organizations/${encodeURIComponent(org)}/projects/`);
  const listPromise = request(`/organizations/${encodeURIComponent(org)}/issues/`, {
    query: { query, sort, project: project || undefined, cursor: cursor || undefined, limit: 25, statsPeriod: '24h' },
  });

  const go = (changes, options) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      // An empty query is kept (`query=`): it means every issue, where no query means `is:unresolved`.
      if (value == null || (value === '' && key !== 'query')) next.delete(key); else next.set(key, value);
    }
    if (!('cursor' in changes)) next.delete('cursor');
    const qs = next.toString();
    ctx.navigate(`/organizations/${encodeURIComponent(org)}/issues/` + (qs ? '?' + qs : ''), options);
  };

  // Search box and filters, drawn at once so typing can start while the list loads.
  const search = h('input', { type: 'search', id: 'search', name: 'query', value: query, placeholder: 'Search: is:unresolved level:error release:1.0 TypeError',
    'aria-label': 'Search issues', autocomplete: 'off', spellcheck: 'false' });
  const searchForm = h('form', { class: 'search', role: 'search' }, search, h('button', { type: 'submit' }, 'Search'));
  searchForm.addEventListener('submit', (e) => { e.preventDefault(); go({ query: search.value.trim() }); });

  const projectSelect = h('select', { id: 'filter-project', onchange: (e) => go({ project: e.target.value }) },
    h('option', { value: '' }, 'All projects'));
  const statusSelect = h('select', { id: 'filter-status', onchange: (e) => go({ query: withStatus(query, e.target.value) }) },
    [['unresolved', 'Unresolved'], ['resolved', 'Resolved'], ['ignored', 'Ignored'], ['', 'Any status']].map(([v, label]) =>
      h('option', { value: v, selected: statusOf(query) === v }, label)));
  const levelSelect = h('select', { id: 'filter-level', onchange: (e) => go({ query: withTerm(query, 'level', e.target.value) }) },
    levels.map((v) => h('option', { value: v, selected: termValue(query, 'level') === v }, v || 'Any level')));
  const termInput = (key, id, placeholder) => {
    const input = h('input', { type: 'text', id, value: termValue(query, key), placeholder });
    input.addEventListener('change', () => go({ query: withTerm(query, key, input.value.trim()) }));
    return input;
  };
  const sortSelect = h('select', { id: 'sort', onchange: (e) => go({ sort: e.target.value === 'date' ? '' : e.target.value }) },
    sorts.map(([v, label]) => h('option', { value: v, selected: sort === v }, label)));

  const listArea = h('div', { class: 'issue-list', id: 'issue-list' }, h('p', { class: 'loading empty', role: 'status' }, 'Loading issues…'));
  const pager = h('div', { class: 'pager' });
  replace(ctx.main,
    h('div', { class: 'toolbar' }, h('h1', null, 'Issues'), searchForm),
    h('div', { class: 'filters' },
      h('label', null, 'Project', projectSelect),
      h('label', null, 'Status', statusSelect),
      h('label', null, 'Level', levelSelect),
      h('label', null, 'Environment', termInput('environment', 'filter-environment', 'production')),
      h('label', null, 'Release', termInput('release', 'filter-release', 'latest or a version')),
      h('label', null, 'Sort by', sortSelect)),
    listArea, pager);

  let projects = [];
  let page;
  try {
    [projects, page] = await Promise.all([projectsPromise, listPromise]);
  } catch (error) {
    if (!ctx.isCurrent()) return;
    replace(listArea, h('div', { class: 'empty' }, errorBox(error)));
    return;
  }
  if (!ctx.isCurrent()) return;
  for (const p of projects) projectSelect.append(h('option', { value: p.id, selected: p.id === project }, p.slug));

  const issues = page.data || [];
  const selected = new Set();
  let cursorIndex = -1;
  const rows = [];

  const bulkButtons = [
    ['resolved', 'Resolve'], ['ignored', 'Ignore'], ['unresolved', 'Unresolve'],
  ].map(([status, label]) => h('button', { type: 'button', disabled: true, dataset: { status },
    onclick: () => bulkUpdate(status) }, label));
  const selectAll = h('input', { type: 'checkbox', 'aria-label': 'Select all issues on this page', onchange: (e) => {
    const on = e.target.checked; // read once: each row's update recomputes this box
    rows.forEach((row) => setSelected(row, on));
  } });
  const selectionText = h('span', { class: 'muted small' });

  function refreshBulk() {
    bulkButtons.forEach((b) => { b.disabled = selected.size === 0; });
    selectionText.textContent = selected.size ? `${selected.size} selected` : '';
    selectAll.checked = selected.size > 0 && selected.size === rows.length;
  }

  function setSelected(row, on) {
    row.checkbox.checked = on;
    if (on) selected.add(row.issue.id); else selected.delete(row.issue.id);
    refreshBulk();
  }

  async function bulkUpdate(status) {
    const byProject = new Map();
    for (const issue of issues.filter((i) => selected.has(i.id))) {
      const slug = issue.project.slug;
      byProject.set(slug, [...(byProject.get(slug) || []), issue.id]);
    }
    bulkButtons.forEach((b) => { b.disabled = true; });
    try {
      for (const [slug, ids] of byProject) {
        await api(`/projects/${encodeURIComponent(org)}/${encodeURIComponent(slug)}/issues/`, {
          method: 'PUT', query: { id: ids }, body: { status },
        });
      }
      toast(`${selected.size} ${selected.size === 1 ? 'issue' : 'issues'} marked ${status}`);
      ctx.navigate(location.pathname + location.search, { replace: true });
    } catch (error) {
      toast(error.message);
      refreshBulk();
    }
  }

  if (issues.length === 0) {
    replace(listArea, await emptyState(ctx, org, projects, project, query, cursor));
  } else {
    const head = h('div', { class: 'list-head' },
      selectAll,
      h('div', { class: 'bulk' }, bulkButtons, selectionText),
      h('div', { class: 'col-graph' }, 'Last 24 hours'),
      h('div', { class: 'num' }, 'Events'),
      h('div', { class: 'num' }, 'Users'));
    for (const issue of issues) rows.push(issueRow(issue, org, (row, on) => setSelected(row, on)));
    replace(listArea, head, rows.map((r) => r.el));
  }

  // Sentry's cursors go forward only; the way back is the history entry "Next" made (a page opened from a
  // shared link goes back to the first page instead).
  const cameFromPrevious = Boolean(history.state && history.state.paged);
  const hits = page.hits == null ? '' : page.hitsEstimated ? ` of about ${page.hits.toLocaleString('en-US')}`
    : page.maxHits && page.hits >= page.maxHits ? ` of ${page.hits}+` : ` of ${page.hits}`;
  replace(pager,
    h('span', { class: 'muted small', id: 'page-count' }, issues.length ? `${issues.length} issues on this page${cursor ? '' : hits}` : ''),
    h('div', { class: 'row' },
      cameFromPrevious || !cursor
        ? h('button', { type: 'button', id: 'page-prev', disabled: !cameFromPrevious, onclick: () => history.back() }, '← Previous')
        : h('button', { type: 'button', id: 'page-first', onclick: () => go({ cursor: '' }) }, '« First page'),
      h('button', { type: 'button', id: 'page-next', disabled: !page.next, onclick: () => go({ cursor: page.next }, { state: { paged: true } }) }, 'Next →')));

  function moveCursor(delta) {
    if (!rows.length) return;
    if (cursorIndex >= 0) rows[cursorIndex].el.classList.remove('cursor');
    cursorIndex = Math.max(0, Math.min(rows.length - 1, cursorIndex + delta));
    const row = rows[cursorIndex];
    row.el.classList.add('cursor');
    row.link.focus({ preventScroll: true });
    row.el.scrollIntoView({ block: 'nearest' });
  }

  const onKey = (event) => {
    const target = event.target;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
    if (event.key === 'Escape' && target === search) { search.blur(); return; }
    if (typing || event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.key === '/') { event.preventDefault(); search.focus(); search.select(); }
    else if (event.key === 'j') { event.preventDefault(); moveCursor(1); }
    else if (event.key === 'k') { event.preventDefault(); moveCursor(-1); }
    else if ((event.key === 'o' || event.key === 'Enter') && cursorIndex >= 0) { event.preventDefault(); rows[cursorIndex].link.click(); }
    else if (event.key === 'x' && cursorIndex >= 0) { const row = rows[cursorIndex]; setSelected(row, !row.checkbox.checked); }
  };
  document.addEventListener('keydown', onKey);
  ctx.onLeave(() => document.removeEventListener('keydown', onKey));
  refreshBulk();
}

function issueRow(issue, org, onSelect) {
  const link = h('a', { href: `/organizations/${encodeURIComponent(org)}/issues/${encodeURIComponent(issue.id)}/`, class: 'issue-link' }, issue.title || '(no title)');
  const checkbox = h('input', { type: 'checkbox', 'aria-label': `Select ${issue.shortId}` });
  const series = issue.stats && issue.stats['24h'];
  const badges = [];
  if (issue.status && issue.status !== 'unresolved') badges.push(h('span', { class: `badge ${issue.status}` }, issue.status));
  if (issue.isUnhandled) badges.push(h('span', { class: 'badge unhandled' }, 'unhandled'));
  if (issue.issueCategory === 'performance') badges.push(h('span', { class: 'badge perf' }, 'performance'));
  if (issue.errorClass && issue.errorClass !== 'other') {
    badges.push(h('a', { class: 'badge error-class', title: 'Error class: show all of this class',
      href: `/organizations/${encodeURIComponent(org)}/issues/?query=${encodeURIComponent(`is:unresolved error.class:${issue.errorClass}`)}` },
    issue.errorClass.replace('_', ' ')));
  }
  const el = h('div', { class: 'issue-row' + (issue.hasSeen ? '' : ' unseen'), dataset: { issueId: issue.id } },
    checkbox,
    h('div', { class: 'issue-main' },
      h('div', { class: 'issue-title' }, h('span', { class: `level level-${issue.level}`, title: issue.level }), link),
      h('div', { class: 'issue-culprit' }, issue.culprit || ''),
      h('div', { class: 'issue-meta' },
        h('span', { class: 'mono' }, issue.shortId),
        h('span', { class: `level-text level-${issue.level}` }, issue.level),
        badges,
        h('span', { title: 'Last seen ' + absoluteTime(issue.lastSeen) }, relativeTime(issue.lastSeen)),
        h('span', { title: 'First seen ' + absoluteTime(issue.firstSeen) }, `first seen ${relativeTime(issue.firstSeen)}`),
        issue.project ? h('span', null, issue.project.slug) : null,
        issue.assignedTo ? h('span', null, `→ ${issue.assignedTo.name || issue.assignedTo.email}`) : null)),
    h('div', { class: 'col-graph' }, sparkline(series, { label: `Events in the last 24 hours for ${issue.shortId}` })),
    h('div', { class: 'num', title: `${issue.count} events` }, compactNumber(issue.count)),
    h('div', { class: 'num', title: `${issue.userCount} users` }, compactNumber(issue.userCount)));
  const row = { el, link, checkbox, issue };
  checkbox.addEventListener('change', () => onSelect(row, checkbox.checked));
  return row;
}

async function emptyState(ctx, org, projects, projectID, query, cursor) {
  const candidates = projectID ? projects.filter((p) => p.id === projectID) : projects;
  const isDefault = (query === DEFAULT_QUERY || query === '') && !cursor;
  if (isDefault && candidates.length) {
    // A project that never received an event gets its DSN and a snippet instead of a bare "nothing here".
    try {
      const target = candidates[0];
      const base = `/projects/${encodeURIComponent(org)}/${encodeURIComponent(target.slug)}`;
      const events = await api(`${base}/events/`, { query: { limit: 1 } });
      if (!events.length) {
        const keys = await api(`${base}/keys/`);
        const dsn = keys.length ? keys[0].dsn.public : '';
        const python = snippets(dsn)[0];
        return h('div', { class: 'empty setup', id: 'empty-setup' },
          h('h2', null, `${target.slug} has no events yet`),
          h('p', null, 'Point a Sentry SDK at this DSN and errors will appear here.'),
          h('div', { class: 'dsn' }, h('input', { type: 'text', readonly: true, value: dsn, 'aria-label': 'DSN' }), copyButton(dsn)),
          h('pre', null, python.code),
          h('p', null, h('a', { href: `/settings/${encodeURIComponent(org)}/projects/${encodeURIComponent(target.slug)}/` }, 'More SDKs and settings')));
      }
    } catch {
      // The plain empty state below still says something useful.
    }
  }
  return h('div', { class: 'empty', id: 'empty-list' },
    h('h2', null, 'No issues match'),
    h('p', null, query === '' ? 'No issues yet. ' : isDefault ? 'Nothing unresolved. ' : 'Try a broader search. ',
      h('a', { href: `/organizations/${encodeURIComponent(org)}/issues/?query=` }, 'Show all issues')));
}
