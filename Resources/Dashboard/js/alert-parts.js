// What the issue and metric alert editors share: webhook secrets carried once to the page after saving, the delete
// button, and the list of a firing's deliveries.
import { api } from './api.js';
import { h, toast } from './dom.js';

const SECRETS_KEY = 'faultline:secrets';

/// Keeps the secrets of a saved rule's new webhooks for the next page: they are shown once, and the page that follows
/// the save cannot read them again.
export function keepSecrets(actions) {
  const shown = actions.filter((a) => a.secret);
  if (shown.length) sessionStorage.setItem(SECRETS_KEY, JSON.stringify(shown.map((a) => [a.url, a.secret])));
}

/// The kept secrets as a notice (then forgotten), or null.
export function secretNotice() {
  const kept = sessionStorage.getItem(SECRETS_KEY);
  if (!kept) return null;
  sessionStorage.removeItem(SECRETS_KEY);
  try {
    return h('div', { class: 'notice', id: 'secret-notice' }, h('strong', null, 'Signing secrets (shown once): '),
      JSON.parse(kept).map(([url, secret]) => h('div', { class: 'mono small' }, `${url}: ${secret}`)));
  } catch {
    return null;
  }
}

/// One line per delivery: its state, kind, attempts and last error.
export function deliveryList(deliveries) {
  return deliveries.map((d) => h('div', { class: 'small' },
    h('span', { class: `badge ${d.status === 'delivered' ? 'resolved' : d.status === 'failed' ? 'unhandled' : 'ignored'}` }, d.status),
    ` ${d.kind} · ${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}`, d.lastError ? ` · ${d.lastError}` : ''));
}

/// A button that deletes the rule at `url` (after asking) and goes back to the alerts page.
export function deleteButton(ctx, { id, what, name, url }) {
  return h('button', { type: 'button', id, onclick: async () => {
    if (!window.confirm(`Delete the ${what} “${name}”?`)) return;
    try {
      await api(url, { method: 'DELETE' });
      toast(`${what[0].toUpperCase()}${what.slice(1)} deleted`);
      ctx.navigate(`/organizations/${encodeURIComponent(ctx.params.org)}/alerts/rules/`);
    } catch (error) {
      toast(error.message);
    }
  } }, 'Delete');
}
