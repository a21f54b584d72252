// Building DOM without HTML strings: every value becomes a text node or an attribute, never markup.
// Event data is untrusted; nothing in the dashboards assigns innerHTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

export function svg(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setProps(el, props);
  append(el, children);
  return el;
}

function setProps(el, props) {
  if (!props) return;
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === 'class') el.setAttribute('class', value);
    else if (key === 'text') el.textContent = String(value);
    // Handlers only as functions: an `on…` attribute from a string would be inline script.
    else if (key.startsWith('on')) { if (typeof value === 'function') el.addEventListener(key.slice(2), value); }
    else if (key === 'href') el.setAttribute('href', internalHref(value));
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style') Object.assign(el.style, value); // CSSOM, which the CSP allows (no inline style markup)
    else if (key === 'value' && 'value' in el) el.value = value;
    else if (key === 'checked' || key === 'selected' || key === 'disabled') el[key] = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/// Links go only to our own pages and API: anything else (an event's `javascript:` URL among them) is inert.
export function internalHref(value) {
  const text = String(value);
  return text.startsWith('/') && !text.startsWith('//') && !text.startsWith('/\\') ? text : '#';
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

let toastTimer;
export function toast(message) {
  document.querySelectorAll('.toast').forEach((t) => t.remove());
  const el = h('div', { class: 'toast', role: 'status' }, message);
  document.body.append(el);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.remove(), 3500);
}

export function errorBox(error) {
  return h('div', { class: 'error-box', role: 'alert' }, error && error.message ? error.message : String(error));
}

/// A button that copies text to the clipboard (falls back to selecting it where the clipboard API is missing).
export function copyButton(text, label = 'Copy') {
  return h('button', {
    type: 'button',
    onclick: async (e) => {
      try {
        await navigator.clipboard.writeText(text);
        toast('Copied');
      } catch {
        const input = e.currentTarget.parentElement.querySelector('input');
        if (input) { input.select(); toast('Press Ctrl+C to copy'); }
      }
    },
  }, label);
}
