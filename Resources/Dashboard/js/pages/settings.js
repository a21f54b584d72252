// One project's settings: name, DSNs (copy, enable/disable, rate limit), SDK snippets, scrubbing, fingerprint rules,
// grouping strategy and stack-trace rules, performance-issue detectors.
import { api } from '../api.js';
import { h, replace, toast, copyButton } from '../dom.js';
import { snippets } from '../snippets.js';
import { performanceSettingsForm, transactionThresholdForm } from './performance-settings.js';

export async function render(ctx) {
  const { org, project: slug } = ctx.params;
  const base = `/projects/${encodeURIComponent(org)}/${encodeURIComponent(slug)}`;
  const [project, keys, detectors, configs, threshold] = await Promise.all([api(`${base}/`), api(`${base}/keys/`),
    api(`${base}/performance-issues/configure/`), api('/grouping-configs/'), api(`${base}/transaction-threshold/configure/`)]);
  if (!ctx.isCurrent()) return;
  ctx.setTitle(`${project.slug} settings`);
  const reload = () => ctx.navigate(location.pathname, { replace: true });

  async function save(body, message, after) {
    try {
      const updated = await api(`${base}/`, { method: 'PUT', body });
      toast(message);
      if (after) after(updated); else reload();
    } catch (error) {
      toast(error.message);
    }
  }

  // General
  const name = h('input', { type: 'text', id: 'project-name', value: project.name, maxlength: 64 });
  const slugInput = h('input', { type: 'text', id: 'project-slug', value: project.slug, maxlength: 50 });
  const platform = h('input', { type: 'text', id: 'project-platform', value: project.platform || '', placeholder: 'python' });
  const general = h('form', { class: 'stack' },
    h('div', { class: 'filters' }, h('label', null, 'Name', name), h('label', null, 'Slug', slugInput), h('label', null, 'Platform', platform)),
    h('div', null, h('button', { type: 'submit', class: 'primary' }, 'Save')));
  general.addEventListener('submit', (e) => {
    e.preventDefault();
    save({ name: name.value, slug: slugInput.value, platform: platform.value || null }, 'Saved', (updated) =>
      ctx.navigate(`/settings/${encodeURIComponent(org)}/projects/${encodeURIComponent(updated.slug)}/`, { replace: true }));
  });

  // Keys
  const keyRows = keys.map((key) => {
    const windowInput = h('input', { type: 'number', min: 1, max: 86400, value: key.rateLimit ? key.rateLimit.window : '', placeholder: 'seconds', 'aria-label': 'Rate limit window (seconds)' });
    const countInput = h('input', { type: 'number', min: 1, value: key.rateLimit ? key.rateLimit.count : '', placeholder: 'events', 'aria-label': 'Rate limit count' });
    const limitForm = h('form', { class: 'row' }, h('span', { class: 'muted small' }, 'Rate limit:'), countInput,
      h('span', { class: 'muted small' }, 'events per'), windowInput, h('span', { class: 'muted small' }, 's'),
      h('button', { type: 'submit' }, 'Set'),
      key.rateLimit ? h('button', { type: 'button', onclick: () => updateKey(key, { rateLimit: null }, 'Rate limit removed') }, 'Remove') : null);
    limitForm.addEventListener('submit', (e) => {
      e.preventDefault();
      updateKey(key, { rateLimit: { window: Number(windowInput.value), count: Number(countInput.value) } }, 'Rate limit set');
    });
    return h('div', { class: 'panel stack key', dataset: { key: key.id } },
      h('div', { class: 'row', style: { justifyContent: 'space-between' } },
        h('strong', null, key.name), h('span', { class: `badge ${key.isActive ? 'resolved' : 'ignored'}` }, key.isActive ? 'enabled' : 'disabled')),
      h('div', { class: 'dsn' }, h('input', { type: 'text', readonly: true, value: key.dsn.public, 'aria-label': `DSN of ${key.name}`, class: 'dsn-value' }), copyButton(key.dsn.public)),
      limitForm,
      h('div', null, h('button', { type: 'button', class: 'toggle-key', onclick: () => updateKey(key, { isActive: !key.isActive }, key.isActive ? 'Key disabled' : 'Key enabled') },
        key.isActive ? 'Disable key' : 'Enable key')));
  });

  async function updateKey(key, body, message) {
    try {
      await api(`${base}/keys/${encodeURIComponent(key.id)}/`, { method: 'PUT', body });
      toast(message);
      reload();
    } catch (error) {
      toast(error.message);
    }
  }

  const newKey = h('button', { type: 'button', onclick: async () => {
    try {
      await api(`${base}/keys/`, { method: 'POST', body: { name: `Key ${keys.length + 1}` } });
      toast('Key created');
      reload();
    } catch (error) {
      toast(error.message);
    }
  } }, 'New key');

  // SDK snippets for the first active key
  const dsn = (keys.find((k) => k.isActive) || keys[0] || { dsn: { public: 'https://<key>@<host>/<project>' } }).dsn.public;
  const all = snippets(dsn);
  const code = h('pre', { id: 'snippet' });
  const tabs = all.map((s, i) => h('button', { type: 'button', 'aria-pressed': String(i === 0), dataset: { sdk: s.id }, onclick: () => show(s.id) }, s.name));
  function show(id) {
    const s = all.find((x) => x.id === id);
    code.textContent = s.code;
    tabs.forEach((t) => t.setAttribute('aria-pressed', String(t.dataset.sdk === id)));
  }
  show(all[0].id);

  // Scrubbing
  const scrubber = h('input', { type: 'checkbox', id: 'opt-scrubber', checked: project.dataScrubber });
  const defaults = h('input', { type: 'checkbox', id: 'opt-defaults', checked: project.dataScrubberDefaults });
  const ips = h('input', { type: 'checkbox', id: 'opt-ips', checked: project.scrubIPAddresses });
  const sensitive = h('textarea', { id: 'opt-sensitive', rows: 3, placeholder: 'one field name per line' }, (project.sensitiveFields || []).join('\n'));
  const safe = h('textarea', { id: 'opt-safe', rows: 3, placeholder: 'one field name per line' }, (project.safeFields || []).join('\n'));
  const lines = (el) => el.value.split('\n').map((s) => s.trim()).filter(Boolean);
  const scrubbing = h('form', { class: 'stack' },
    h('label', { class: 'row' }, scrubber, 'Scrub data (passwords, tokens, card numbers…) before storing'),
    h('label', { class: 'row' }, defaults, 'Use the default list of sensitive fields'),
    h('label', { class: 'row' }, ips, 'Scrub IP addresses'),
    h('label', null, 'Additional sensitive fields', sensitive),
    h('label', null, 'Safe fields (never scrubbed)', safe),
    h('div', null, h('button', { type: 'submit', class: 'primary' }, 'Save scrubbing')));
  scrubbing.addEventListener('submit', (e) => {
    e.preventDefault();
    save({ dataScrubber: scrubber.checked, dataScrubberDefaults: defaults.checked, scrubIPAddresses: ips.checked,
      sensitiveFields: lines(sensitive), safeFields: lines(safe) }, 'Scrubbing saved');
  });

  // Fingerprint rules
  const rules = h('textarea', { id: 'opt-fingerprinting', rows: 6, placeholder: 'error.type:DatabaseUnavailable -> system-down' },
    typeof project.fingerprintingRules === 'string' ? project.fingerprintingRules : '');
  const fingerprinting = h('form', { class: 'stack' },
    h('p', { class: 'muted small' }, 'One rule per line, in Sentry\u2019s syntax: matchers -> fingerprint. New events are grouped by the first rule that matches.'),
    rules, h('div', null, h('button', { type: 'submit', class: 'primary' }, 'Save rules')));
  fingerprinting.addEventListener('submit', (e) => {
    e.preventDefault();
    save({ fingerprintingRules: rules.value }, 'Fingerprint rules saved');
  });

  // Grouping strategy and stack-trace rules
  const strategy = h('select', { id: 'opt-grouping-config' },
    ...configs.map((c) => h('option', { value: c.id, selected: c.id === project.groupingConfig }, c.latest ? `${c.id} (default for new projects)` : c.id)));
  const changelog = h('p', { class: 'muted small', id: 'grouping-changelog' });
  const switchNote = h('p', { class: 'small', id: 'grouping-switch-note' });
  const showChangelog = () => {
    changelog.textContent = (configs.find((c) => c.id === strategy.value) || {}).changelog || '';
    switchNote.textContent = strategy.value === project.groupingConfig ? ''
      : `Saving switches from ${project.groupingConfig}: for 90 days an event whose new grouping is unknown also joins the issue the old strategy would give it (a project with no issues yet has nothing to keep).`;
  };
  strategy.addEventListener('change', showChangelog);
  showChangelog();
  const transition = project.secondaryGroupingConfig
    ? h('p', { class: 'small', id: 'grouping-transition' },
      `In transition from ${project.secondaryGroupingConfig} until ${new Date(project.secondaryGroupingExpiry * 1000).toLocaleDateString()}: events whose new grouping is unknown join the issues the old strategy gives them.`)
    : null;
  const stackRules = h('textarea', { id: 'opt-stack-trace-rules', rows: 6, placeholder: 'stack.module:vendor/** -app\nfunction:assert_* -group' },
    typeof project.groupingEnhancements === 'string' ? project.groupingEnhancements : '');
  const rulesError = h('p', { class: 'error-text small', id: 'stack-trace-rules-error', role: 'alert' });
  const grouping = h('form', { class: 'stack' },
    h('label', null, 'Grouping strategy', strategy), changelog, transition, switchNote,
    h('label', null, 'Stack-trace rules', stackRules),
    h('p', { class: 'muted small' }, 'One rule per line, in Sentry\u2019s syntax: matchers then actions (+app, -app, -group, ^-group, v-group, category=\u2026, max-frames=N). They run after the strategy\u2019s own rules (faultline:2026-12-03 has Sentry\u2019s built-in rules for every platform); an issue\u2019s grouping explanation names the rule that changed a frame.'),
    rulesError, h('div', null, h('button', { type: 'submit', class: 'primary' }, 'Save grouping')));
  grouping.addEventListener('submit', async (e) => {
    e.preventDefault();
    rulesError.textContent = '';
    try {
      await api(`${base}/`, { method: 'PUT', body: { groupingConfig: strategy.value, groupingEnhancements: stackRules.value } });
      toast('Grouping saved');
      reload();
    } catch (error) {
      // Next to the rules, where the line it names can be fixed (a toast goes away).
      rulesError.textContent = error.message;
      toast(error.message);
    }
  });

  replace(ctx.main,
    h('div', { class: 'toolbar' }, h('h1', null, `${project.name} settings`)),
    h('section', { class: 'panel', id: 'settings-general' }, h('h2', null, 'Project'), general),
    h('section', { class: 'panel', id: 'settings-keys' }, h('div', { class: 'row', style: { justifyContent: 'space-between' } }, h('h2', null, 'Client keys (DSN)'), newKey), keyRows),
    h('section', { class: 'panel snippets', id: 'settings-sdk' }, h('h2', null, 'Set up an SDK'), h('div', { class: 'trace-toggle row' }, tabs), code),
    h('section', { class: 'panel', id: 'settings-scrubbing' }, h('h2', null, 'Data scrubbing'), scrubbing),
    h('section', { class: 'panel', id: 'settings-fingerprinting' }, h('h2', null, 'Fingerprint rules'), fingerprinting),
    h('section', { class: 'panel', id: 'settings-grouping' }, h('h2', null, 'Grouping'), grouping),
    h('section', { class: 'panel', id: 'settings-performance' }, h('h2', null, 'Performance issues'), performanceSettingsForm(base, detectors)),
    h('section', { class: 'panel', id: 'settings-apdex' }, h('h2', null, 'Apdex'), transactionThresholdForm(base, threshold)));
}
