// Every project with its unresolved issues and last 24 hours of events; a form to make a new one.
import { api, request } from '../api.js';
import { h, replace, errorBox, toast } from '../dom.js';
import { sparkline } from '../charts.js';
import { plural } from '../format.js';

export async function render(ctx) {
  const { org } = ctx.params;
  ctx.setTitle('Projects');
  const projects = await api(`/organizations/${encodeURIComponent(org)}/projects/`);
  if (!ctx.isCurrent()) return;

  const name = h('input', { type: 'text', id: 'new-project-name', required: true, maxlength: 64, placeholder: 'checkout-service', 'aria-label': 'Project name' });
  const platform = h('select', { id: 'new-project-platform', 'aria-label': 'Platform' },
    [['', 'Platform…'], ['python', 'Python'], ['javascript', 'JavaScript'], ['node', 'Node.js'], ['go', 'Go'], ['java', 'Java'], ['other', 'Other']]
      .map(([v, label]) => h('option', { value: v }, label)));
  const create = h('form', { class: 'row', id: 'new-project' }, name, platform, h('button', { type: 'submit', class: 'primary' }, 'Create project'));
  create.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!name.value.trim()) { name.focus(); return; }
    try {
      const project = await api(`/organizations/${encodeURIComponent(org)}/projects/`, {
        method: 'POST', body: { name: name.value.trim(), ...(platform.value ? { platform: platform.value } : {}) },
      });
      toast(`Project ${project.slug} created`);
      ctx.navigate(`/settings/${encodeURIComponent(org)}/projects/${encodeURIComponent(project.slug)}/`);
    } catch (error) {
      toast(error.message);
    }
  });

  const cards = projects.map((project) => projectCard(org, project));
  replace(ctx.main,
    h('div', { class: 'toolbar' }, h('h1', null, 'Projects')),
    h('section', { class: 'panel' }, h('h2', null, 'New project'), create),
    projects.length ? h('div', { class: 'cards', id: 'project-cards' }, cards.map((c) => c.el)) : h('p', { class: 'muted' }, 'No projects yet.'));
  // Counts arrive per card, so one slow project does not hold the page.
  await Promise.all(cards.map((c) => c.load()));
}

function projectCard(org, project) {
  const slug = encodeURIComponent(project.slug);
  const unresolved = h('span', { class: 'big' }, '…');
  const events = h('span', { class: 'muted small' }, '');
  const chart = h('div');
  const issuesLink = `/organizations/${encodeURIComponent(org)}/issues/?project=${encodeURIComponent(project.id)}`;
  const el = h('section', { class: 'panel card', dataset: { project: project.slug } },
    h('h2', null, h('a', { href: issuesLink }, project.name), h('a', { class: 'small', href: `/settings/${encodeURIComponent(org)}/projects/${slug}/` }, 'Settings')),
    h('div', { class: 'muted small' }, project.slug, project.platform ? ` · ${project.platform}` : ''),
    h('div', { class: 'row', style: { justifyContent: 'space-between', marginTop: '8px' } },
      h('div', { class: 'counts' }, h('div', null, h('span', { class: 'muted small' }, 'Unresolved issues'), h('a', { href: issuesLink, class: 'unresolved-count' }, unresolved))),
      events),
    chart);
  async function load() {
    try {
      const [list, stats] = await Promise.all([
        request(`/organizations/${encodeURIComponent(org)}/issues/`, { query: { project: project.id, query: 'is:unresolved', limit: 1, statsPeriod: '' } }),
        api(`/projects/${encodeURIComponent(org)}/${slug}/stats/`, { query: { stat: 'accepted', resolution: '1h' } }),
      ]);
      const hits = list.hits ?? list.data.length;
      unresolved.textContent = list.maxHits && hits >= list.maxHits ? `${hits}+` : String(hits);
      const series = stats.slice(-24);
      const total = series.reduce((sum, p) => sum + p[1], 0);
      events.textContent = `${plural(total, 'event')} in 24 hours`;
      chart.replaceChildren(sparkline(series, { label: `Events in the last 24 hours for ${project.slug}` }));
    } catch (error) {
      chart.replaceChildren(errorBox(error));
    }
  }
  return { el, load };
}
