// Times and numbers for people.

export function relativeTime(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const seconds = Math.round((now - t) / 1000);
  const future = seconds < 0;
  const s = Math.abs(seconds);
  let text;
  if (s < 45) text = 'just now';
  else if (s < 90) text = '1 min';
  else if (s < 3600) text = `${Math.round(s / 60)} min`;
  else if (s < 5400) text = '1 hr';
  else if (s < 86400) text = `${Math.round(s / 3600)} hr`;
  else if (s < 172800) text = '1 day';
  else if (s < 2592000) text = `${Math.round(s / 86400)} days`;
  else if (s < 31536000) text = `${Math.round(s / 2592000)} mo`;
  else text = `${Math.round(s / 31536000)} yr`;
  if (text === 'just now') return text;
  return future ? `in ${text}` : `${text} ago`;
}

export function absoluteTime(iso) {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? String(iso) : t.toLocaleString();
}

export function clockTime(iso) {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return String(iso ?? '');
  return t.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function compactNumber(value) {
  const n = Number(value) || 0;
  if (n < 1000) return String(n);
  if (n < 10000) return (n / 1000).toFixed(1).replace(/\.0$/, '') + 'k';
  if (n < 1e6) return Math.round(n / 1000) + 'k';
  return (n / 1e6).toFixed(1).replace(/\.0$/, '') + 'M';
}

/// An ISO time or epoch seconds (breadcrumbs use both) as ISO.
export function toISO(value) {
  if (typeof value === 'number') return new Date(value * 1000).toISOString();
  return value;
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/// Milliseconds for people: `840 ms`, `1.25 s`, `2.5 min`.
export function duration(ms) {
  const n = Number(ms);
  if (!Number.isFinite(n)) return '—';
  if (n === 0) return '0 ms';
  if (n < 1) return `${n.toFixed(2)} ms`;
  if (n < 1000) return `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
  if (n < 60000) return `${(n / 1000).toFixed(2)} s`;
  return `${(n / 60000).toFixed(1)} min`;
}

export function percent(fraction) {
  const n = Number(fraction);
  return Number.isFinite(n) ? `${(n * 100).toFixed(n < 0.1 && n > 0 ? 2 : 1)}%` : '—';
}
