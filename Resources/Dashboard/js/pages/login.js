// Email and password → session cookie; then on to where the user was going.
import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';

export async function render(ctx) {
  ctx.setTitle('Log in');
  const error = h('div', { class: 'error-box', role: 'alert', hidden: true });
  const email = h('input', { type: 'email', name: 'email', id: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', id: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'login-submit' }, 'Log in');
  const form = h('form', { novalidate: true },
    error,
    h('label', { for: 'email' }, 'Email', email),
    h('label', { for: 'password' }, 'Password', password),
    submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (!email.value || !password.value) {
      error.textContent = 'Enter your email and password.';
      error.hidden = false;
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Logging in…';
    try {
      const result = await api('/auth/login/', { method: 'POST', body: { email: email.value, password: password.value } });
      ctx.sessionChanged(result.user);
      const next = ctx.query.get('next');
      // Only our own paths: `next` comes from the URL, which anyone can craft.
      const target = next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : result.nextUri || '/';
      ctx.navigate(target, { replace: true });
    } catch (e) {
      error.textContent = e instanceof ApiError && e.status === 0 ? e.message : e.message || 'Login failed.';
      error.hidden = false;
      password.select();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Log in';
    }
  });
  replace(ctx.main, h('section', { class: 'login panel' },
    h('h1', null, h('img', { src: '/_static/favicon.svg', alt: '', width: 28, height: 28 }), 'Log in to Faultline'),
    form,
    h('p', { class: 'muted small' }, 'The first start of the server printed the owner’s login and password. ',
      'More users: faultline user create.')));
  email.focus();
}
