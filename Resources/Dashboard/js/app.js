// Boot, routing and the page frame. Pages are modules with `render(ctx)`; URLs are real, so links can be shared,
// reloaded and walked with the back button.
import { api, setUnauthorizedHandler, ApiError } from './api.js';
import { h, replace, errorBox, toast } from './dom.js';
import * as login from './pages/login.js';
import * as issues from './pages/issues.js';
import * as issue from './pages/issue.js';
import * as projects from './pages/projects.js';
import * as settings from './pages/settings.js';
import * as alerts from './pages/alerts.js';
import * as metricAlerts from './pages/metric-alerts.js';
import * as performancePage from './pages/performance.js';
import * as serviceMapPage from './pages/service-map.js';
import * as transactionPage from './pages/transaction.js';
import * as tracePage from './pages/trace.js';

const routes = [
  { pattern: /^\/auth\/login\/$/, page: login, public: true },
  { pattern: /^\/organizations\/([^/]+)\/issues\/$/, page: issues, names: ['org'], nav: 'issues' },
  { pattern: /^\/organizations\/([^/]+)\/issues\/(\d+)\/$/, page: issue, names: ['org', 'issueId'], nav: 'issues' },
  { pattern: /^\/organizations\/([^/]+)\/issues\/(\d+)\/events\/([^/]+)\/$/, page: issue, names: ['org', 'issueId', 'eventId'], nav: 'issues' },
  { pattern: /^\/organizations\/([^/]+)\/performance\/$/, page: performancePage, names: ['org'], nav: 'performance' },
  { pattern: /^\/organizations\/([^/]+)\/performance\/service-map\/$/, page: serviceMapPage, names: ['org'], nav: 'performance' },
  { pattern: /^\/organizations\/([^/]+)\/performance\/summary\/$/, page: transactionPage, names: ['org'], nav: 'performance' },
  { pattern: /^\/organizations\/([^/]+)\/performance\/trace\/([0-9a-fA-F-]+)\/$/, page: tracePage, names: ['org', 'traceId'], nav: 'performance' },
  { pattern: /^\/organizations\/([^/]+)\/projects\/$/, page: projects, names: ['org'], nav: 'projects' },
  { pattern: /^\/organizations\/([^/]+)\/alerts\/rules\/$/, page: alerts, names: ['org'], nav: 'alerts' },
  { pattern: /^\/organizations\/([^/]+)\/alerts\/rules\/new\/$/, page: alerts, names: ['org'], nav: 'alerts', isNew: true },
  { pattern: /^\/organizations\/([^/]+)\/alerts\/rules\/([^/]+)\/(\d+)\/$/, page: alerts, names: ['org', 'project', 'ruleId'], nav: 'alerts' },
  { pattern: /^\/organizations\/([^/]+)\/alerts\/metric-rules\/new\/$/, page: metricAlerts, names: ['org'], nav: 'alerts' },
  { pattern: /^\/organizations\/([^/]+)\/alerts\/metric-rules\/(\d+)\/$/, page: metricAlerts, names: ['org', 'metricRuleId'], nav: 'alerts' },
  { pattern: /^\/settings\/projects\/([^/]+)\/$/, page: settings, names: ['project'], nav: 'settings' },
  { pattern: /^\/settings\/([^/]+)\/projects\/([^/]+)\/$/, page: settings, names: ['org', 'project'], nav: 'settings' },
];

const state = { user: null, organization: null, generation: 0, cleanup: null };
const main = document.getElementById('app');

export function navigate(url, { replace: replaceState = false, state: pageState = null } = {}) {
  if (replaceState) history.replaceState(pageState, '', url);
  else history.pushState(pageState, '', url);
  render();
}

function loginURL() {
  const next = location.pathname + location.search;
  return '/auth/login/' + (next && !next.startsWith('/auth/') && next !== '/' ? '?next=' + encodeURIComponent(next) : '');
}

setUnauthorizedHandler(() => {
  state.user = null;
  if (!location.pathname.startsWith('/auth/login/')) navigate(loginURL(), { replace: true });
});

async function loadSession() {
  if (state.user && state.organization) return true;
  const config = await api('/client-config/', { prefix: '/api' });
  if (!config.isAuthenticated) return false;
  state.user = config.user;
  state.organization = { slug: config.lastOrganization };
  return true;
}

function frame(nav) {
  const bar = document.getElementById('topbar');
  if (!state.user) {
    bar.hidden = true;
    return;
  }
  bar.hidden = false;
  const org = state.organization ? state.organization.slug : '';
  replace(document.getElementById('mainnav'),
    h('a', { href: `/organizations/${encodeURIComponent(org)}/issues/`, class: nav === 'issues' ? 'active' : null }, 'Issues'),
    h('a', { href: `/organizations/${encodeURIComponent(org)}/performance/`, class: nav === 'performance' ? 'active' : null }, 'Performance'),
    h('a', { href: `/organizations/${encodeURIComponent(org)}/projects/`, class: nav === 'projects' || nav === 'settings' ? 'active' : null }, 'Projects'),
    h('a', { href: `/organizations/${encodeURIComponent(org)}/alerts/rules/`, class: nav === 'alerts' ? 'active' : null }, 'Alerts'));
  replace(document.getElementById('account'),
    h('span', { class: 'email', title: state.user.email }, state.user.email),
    h('button', { type: 'button', id: 'logout', onclick: logout }, 'Log out'));
}

async function logout() {
  try {
    await api('/auth/', { method: 'DELETE' });
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) { toast(error.message); return; }
  }
  state.user = null;
  navigate('/auth/login/');
}

async function render() {
  const generation = ++state.generation;
  if (state.cleanup) { state.cleanup(); state.cleanup = null; }
  const path = location.pathname.endsWith('/') ? location.pathname : location.pathname + '/';
  const route = routes.find((r) => r.pattern.test(path));
  try {
    if (!route) {
      if (!(await loadSession())) return navigate(loginURL(), { replace: true });
      if (path === '/' && state.organization) {
        return navigate(`/organizations/${encodeURIComponent(state.organization.slug)}/issues/`, { replace: true });
      }
      frame(null);
      replace(main, h('div', { class: 'panel' }, h('h1', null, 'Page not found'), h('p', null, h('a', { href: '/' }, 'Go to the issues'))));
      return;
    }
    if (!route.public && !(await loadSession())) return navigate(loginURL(), { replace: true });
    if (generation !== state.generation) return;
    frame(route.nav);
    const match = route.pattern.exec(path);
    const params = {};
    (route.names || []).forEach((name, i) => { params[name] = decodeURIComponent(match[i + 1]); });
    if (!params.org && state.organization) params.org = state.organization.slug;
    if (route.isNew) params.isNew = true;
    replace(main, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
    await route.page.render({
      main, params, query: new URLSearchParams(location.search), state, navigate,
      isCurrent: () => generation === state.generation,
      onLeave: (fn) => { state.cleanup = fn; },
      setTitle: (title) => { document.title = title ? `${title} — Faultline` : 'Faultline'; },
      sessionChanged: () => { state.user = null; state.organization = null; },
    });
    // The moment the page is drawn with its data, for the browser suite's timings (ms since navigation start).
    // `painted`: two frames later, once the browser has laid out and drawn it (what a person waits for).
    if (generation === state.generation) {
      performance.clearMarks('faultline:rendered');
      performance.mark('faultline:rendered');
      performance.clearMarks('faultline:painted');
      requestAnimationFrame(() => requestAnimationFrame(() => {
        if (generation === state.generation) performance.mark('faultline:painted');
      }));
    }
  } catch (error) {
    if (generation !== state.generation) return;
    if (error instanceof ApiError && error.status === 401) return;
    replace(main, errorBox(error));
  }
}

// Same-origin links navigate in place; modified clicks (new tab) and downloads keep the browser's behaviour.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest('a');
  if (!link || link.target || link.hasAttribute('download') || link.dataset.external !== undefined) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/_static/')) return;
  if (link.getAttribute('href') === '#') { event.preventDefault(); return; }
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});

window.addEventListener('popstate', render);
render();
