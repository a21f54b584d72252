// The JSON API, called with the session cookie. Unsafe methods carry the CSRF token from the readable cookie.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)faultline_csrf=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : '';
}

export function queryString(params) {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value == null) continue; // absent; an empty string is sent (`query=` means every issue)
    if (Array.isArray(value)) value.forEach((v) => qs.append(key, v));
    else qs.append(key, value);
  }
  const text = qs.toString();
  return text ? '?' + text : '';
}

/// `{data, next, previous, hits, hitsEstimated}`: the body, the cursors of Sentry's `Link` header and its `X-Hits`
/// count (an estimate when `X-Hits-Estimated` says so).
export async function request(path, { method = 'GET', body, query, prefix = '/api/0' } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRFToken'] = csrfToken();
  let response;
  try {
    response = await fetch(prefix + path + queryString(query), {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Is Faultline running?');
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    if (response.status === 401 && onUnauthorized) onUnauthorized();
    const detail = data && typeof data.detail === 'string' ? data.detail : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, detail);
  }
  const links = parseLink(response.headers.get('Link'));
  const hits = response.headers.get('X-Hits');
  const maxHits = response.headers.get('X-Max-Hits');
  return { data, next: links.next, previous: links.previous, hits: hits == null ? null : Number(hits),
    maxHits: maxHits == null ? null : Number(maxHits), hitsEstimated: response.headers.get('X-Hits-Estimated') === '1' };
}

export async function api(path, options) {
  return (await request(path, options)).data;
}

let onUnauthorized = null;
export function setUnauthorizedHandler(handler) { onUnauthorized = handler; }

/// Sentry's pagination: `<url>; rel="next"; results="true"; cursor="…"`, one entry per direction.
export function parseLink(header) {
  const out = {};
  if (!header) return out;
  for (const part of header.split(/,\s*(?=<)/)) {
    const rel = /rel="([^"]+)"/.exec(part);
    const results = /results="([^"]+)"/.exec(part);
    const cursor = /cursor="([^"]*)"/.exec(part);
    if (rel && cursor && results && results[1] === 'true') out[rel[1]] = cursor[1];
  }
  return out;
}
