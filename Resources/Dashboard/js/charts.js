// Bar charts as SVG built element by element (no markup strings).
import { h, svg } from './dom.js';

/// `series`: [[epochSeconds, count], …] as the API's `stats` gives it.
export function sparkline(series, { className = 'spark', label } = {}) {
  const points = Array.isArray(series) ? series : [];
  const max = Math.max(1, ...points.map((p) => Number(p[1]) || 0));
  const width = 100;
  const height = 28;
  const step = points.length ? width / points.length : width;
  const total = points.reduce((sum, p) => sum + (Number(p[1]) || 0), 0);
  const el = svg('svg', {
    class: className, viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img',
    'aria-label': label || `${total} events`,
  });
  points.forEach(([, count], i) => {
    const n = Number(count) || 0;
    const h = n ? Math.max(1.5, (n / max) * height) : 0;
    el.append(svg('rect', { x: (i * step + step * 0.12).toFixed(2), y: (height - h).toFixed(2),
      width: (step * 0.76).toFixed(2), height: h.toFixed(2) }));
  });
  return el;
}

export function barChart(series, { bucketLabel, valueText = (n) => `${n} events`, label = 'Events over time' }) {
  const points = Array.isArray(series) ? series : [];
  const max = Math.max(1, ...points.map((p) => Number(p[1]) || 0));
  const width = 600;
  const height = 90;
  const step = points.length ? width / points.length : width;
  const el = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img',
    'aria-label': label });
  points.forEach(([time, count], i) => {
    const n = Number(count) || 0;
    const h = n ? Math.max(2, (n / max) * (height - 4)) : 0;
    const bar = svg('rect', { x: (i * step + 1).toFixed(2), y: (height - h).toFixed(2),
      width: Math.max(1, step - 2).toFixed(2), height: h.toFixed(2) });
    bar.append(svg('title', null, `${bucketLabel(time)}: ${valueText(n)}`));
    el.append(bar);
  });
  return el;
}

/// The bar chart with its scale: the highest value at the top, the first and last buckets' times below (as text
/// beside the SVG, which is stretched to the panel's width and would distort its own text).
export function barChartWithAxes(series, options) {
  const points = Array.isArray(series) ? series : [];
  const valueText = options.valueText || ((n) => `${n} events`);
  const max = Math.max(0, ...points.map((p) => Number(p[1]) || 0));
  // The ends of the range with their day: a day's buckets begin and end at the same clock time.
  const rangeLabel = (t) => new Date(t * 1000).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return h('figure', { class: 'chart-axes' },
    h('div', { class: 'muted small chart-max' }, `max ${valueText(max)}`),
    barChart(points, options),
    h('div', { class: 'muted small chart-range' },
      h('span', null, points.length ? rangeLabel(points[0][0]) : ''),
      h('span', null, points.length ? rangeLabel(points[points.length - 1][0]) : '')));
}
