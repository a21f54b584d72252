// The service map: which service (project) calls which, from the traces of the range — each edge with its calls,
// p95 and error rate, drawn left to right from the services nobody calls, with the same edges in a table below.
import { api } from '../api.js';
import { h, svg, replace, errorBox } from '../dom.js';
import { duration, percent, compactNumber } from '../format.js';
import { periods } from './performance.js';

/// Columns left to right: a node sits one past the furthest caller that reaches it (cycles cut at the node count).
export function layers(nodes, edges) {
  const depth = new Map(nodes.map((n) => [n.slug, 0]));
  for (let round = 0; round < nodes.length; round++) {
    let changed = false;
    for (const e of edges) {
      if (e.source === e.target || !depth.has(e.source) || !depth.has(e.target)) continue;
      const want = depth.get(e.source) + 1;
      if (want > depth.get(e.target) && want < nodes.length) { depth.set(e.target, want); changed = true; }
    }
    if (!changed) break;
  }
  return depth;
}

function drawing(nodes, edges) {
  const depth = layers(nodes, edges);
  const columns = [];
  for (const n of nodes) (columns[depth.get(n.slug)] ||= []).push(n);
  const W = 180, H = 44, GAP_X = 220, GAP_Y = 48, PAD = 20;
  const at = new Map();
  columns.forEach((column, x) => column.forEach((n, y) => at.set(n.slug, { x: PAD + x * (W + GAP_X), y: PAD + y * (H + GAP_Y) })));
  const width = PAD * 2 + columns.length * W + Math.max(0, columns.length - 1) * GAP_X;
  const height = PAD * 2 + Math.max(...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y;
  const arrow = svg('marker', { id: 'sm-arrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '8', markerHeight: '8', orient: 'auto-start-reverse' },
    svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'sm-arrow' }));
  const lines = edges.map((e) => {
    const a = at.get(e.source), b = at.get(e.target);
    if (!a || !b) return null;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    const mid = (x1 + x2) / 2;
    // Two short lines over the middle of the curve, within the gap between the columns.
    const y = (y1 + y2) / 2;
    return svg('g', { class: 'sm-edge' + (e.errorRate >= 0.05 ? ' failing' : ''), dataset: { source: e.source, target: e.target } },
      svg('path', { d: `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`, 'marker-end': 'url(#sm-arrow)' }),
      svg('text', { x: String(mid), y: String(y - 20), 'text-anchor': 'middle' }, `${compactNumber(e.calls)} calls`),
      svg('text', { x: String(mid), y: String(y - 7), 'text-anchor': 'middle' }, `p95 ${duration(e.p95)} · ${percent(e.errorRate)} errors`));
  });
  const boxes = nodes.map((n) => {
    const p = at.get(n.slug);
    return svg('g', { class: 'sm-node', dataset: { slug: n.slug } },
      svg('rect', { x: String(p.x), y: String(p.y), width: String(W), height: String(H), rx: '6' }),
      svg('text', { x: String(p.x + W / 2), y: String(p.y + 18), 'text-anchor': 'middle', class: 'sm-name' }, n.slug),
      svg('text', { x: String(p.x + W / 2), y: String(p.y + 34), 'text-anchor': 'middle', class: 'sm-stats' },
        `${compactNumber(n.callsOut)} out · ${compactNumber(n.callsIn)} in`));
  });
  return svg('svg', { id: 'service-map', viewBox: `0 0 ${width} ${height}`, width: String(width), height: String(height),
    role: 'img', 'aria-label': 'Service map' }, svg('defs', null, arrow), ...lines, ...boxes);
}

export async function render(ctx) {
  const { org } = ctx.params;
  const period = ctx.query.get('statsPeriod') || '24h';
  const base = `/organizations/${encodeURIComponent(org)}`;
  ctx.setTitle('Service map');
  const periodSelect = h('select', { id: 'sm-period', onchange: (e) => ctx.navigate(`${base}/performance/service-map/` + (e.target.value === '24h' ? '' : `?statsPeriod=${encodeURIComponent(e.target.value)}`)) },
    periods.map(([v, label]) => h('option', { value: v, selected: v === period }, label)));
  const area = h('div', { id: 'sm-area' }, h('p', { class: 'loading' }, 'Loading…'));
  replace(ctx.main,
    h('div', { class: 'toolbar' }, h('h1', null, 'Service map'), h('a', { href: `${base}/performance/` }, '‹ Performance')),
    h('div', { class: 'filters' }, h('label', null, 'Time range', periodSelect)),
    area);
  let map;
  try {
    map = await api(`${base}/service-map/`, { query: { statsPeriod: period } });
  } catch (error) {
    if (ctx.isCurrent()) replace(area, errorBox(error));
    return;
  }
  if (!ctx.isCurrent()) return;
  if (!map.edges.length) {
    replace(area, h('div', { class: 'empty', id: 'sm-empty' },
      h('p', null, 'No calls between services in this range.'),
      h('p', { class: 'small' }, 'Services show up here when a traced request in one project starts a transaction in another (the SDKs propagate the trace over HTTP).')));
    return;
  }
  const rows = map.edges.map((e) => h('tr', { class: 'sm-row' },
    h('td', null, e.source), h('td', null, e.target), h('td', { class: 'num' }, compactNumber(e.calls)),
    h('td', { class: 'num' }, duration(e.p95)), h('td', { class: 'num' }, percent(e.errorRate)),
    h('td', { class: 'small' }, e.operations.join(', '))));
  replace(area,
    h('section', { class: 'panel sm-panel' }, h('div', { class: 'table-scroll' }, drawing(map.nodes, map.edges))),
    h('section', { class: 'panel table-panel' }, h('table', { class: 'grid', id: 'sm-edges' },
      h('thead', null, h('tr', null, h('th', null, 'Caller'), h('th', null, 'Service called'), h('th', { class: 'num' }, 'Calls'),
        h('th', { class: 'num' }, 'p95'), h('th', { class: 'num' }, 'Errors'), h('th', null, 'Operations'))),
      h('tbody', null, rows))));
}
