// Editing the search query the filters stand for: `is:resolved level:error release:"1.0 beta"`.

/// Splits on spaces outside double quotes.
export function tokens(query) {
  const out = [];
  let current = '';
  let quoted = false;
  for (const ch of query || '') {
    if (ch === '"') quoted = !quoted;
    if (ch === ' ' && !quoted) {
      if (current) out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) out.push(current);
  return out;
}

function keyOf(token) {
  const colon = token.indexOf(':');
  return colon > 0 ? token.slice(0, colon).replace(/^!/, '') : null;
}

function quote(value) {
  return /[\s"]/.test(value) ? '"' + value.replace(/"/g, '\\"') + '"' : value;
}

/// The value of the first `key:value` term, unquoted.
export function termValue(query, key) {
  const token = tokens(query).find((t) => keyOf(t) === key && !t.startsWith('!'));
  if (!token) return '';
  const value = token.slice(token.indexOf(':') + 1);
  return value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).replace(/\\"/g, '"') : value;
}

/// The query with every `key:` term replaced by `key:value` (or removed when value is empty).
export function withTerm(query, key, value, { matches } = {}) {
  const kept = tokens(query).filter((t) => (matches ? !matches(t) : keyOf(t) !== key));
  if (value) kept.push(`${key}:${quote(value)}`);
  return kept.join(' ');
}

const statuses = ['unresolved', 'resolved', 'ignored', 'archived'];

export function statusOf(query) {
  const token = tokens(query).find((t) => t.startsWith('is:') && statuses.includes(t.slice(3)));
  return token ? token.slice(3) : '';
}

export function withStatus(query, status) {
  return withTerm(query, 'is', status, { matches: (t) => t.startsWith('is:') && statuses.includes(t.slice(3)) });
}
