// Herald admin console: hash routes, a cookie session, one module per page. No build step.
import { api, setCsrf } from './api.js';
import { $, el, toast } from './dom.js';
import { renderDashboard } from './dashboard.js';
import { renderWebhooks, renderWebhook } from './webhooks.js';
import { renderWebhookForm } from './webhook-form.js';
import { renderDeliveries, renderDelivery } from './deliveries.js';
import { renderQueryTester } from './query.js';

const routes = [
  [/^#\/dashboard$/, 'dashboard', () => renderDashboard],
  [/^#\/webhooks$/, 'webhooks', () => renderWebhooks],
  [/^#\/webhooks\/new$/, 'webhooks', () => (main, ctx) => renderWebhookForm(main, ctx, null)],
  [/^#\/webhooks\/([^/?]+)\/edit$/, 'webhooks', (m) => (main, ctx) => renderWebhookForm(main, ctx, decodeURIComponent(m[1]))],
  [/^#\/webhooks\/([^/?]+)$/, 'webhooks', (m) => (main, ctx) => renderWebhook(main, ctx, decodeURIComponent(m[1]))],
  [/^#\/deliveries$/, 'deliveries', () => renderDeliveries],
  [/^#\/deliveries\/([^/?]+)$/, 'deliveries', (m) => (main, ctx) => renderDelivery(main, ctx, decodeURIComponent(m[1]))],
  [/^#\/query$/, 'query', () => renderQueryTester],
];

const state = { session: null, cleanup: [], generation: 0 };

async function start() {
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  window.addEventListener('hashchange', route);
  window.addEventListener('herald:signed-out', () => showSignIn('Your session has ended; sign in again.'));
  try {
    state.session = await api('GET', 'ui/session');
    showShell();
  } catch {
    showSignIn();
  }
}

async function signIn(event) {
  event.preventDefault();
  const input = $('api-key');
  const error = $('signin-error');
  error.hidden = true;
  input.removeAttribute('aria-invalid');
  if (!input.value.trim()) {
    return fail('Enter an API key.');
  }
  try {
    state.session = await api('POST', 'ui/session', { key: input.value.trim() });
    input.value = '';
    showShell();
  } catch (e) {
    fail(e.status === 401 ? 'This API key is not valid.' : e.message);
  }

  function fail(text) {
    error.textContent = text;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

async function signOut() {
  try { await api('DELETE', 'ui/session'); } catch { /* the cookie may already be gone */ }
  state.session = null;
  showSignIn('Signed out.');
}

function showSignIn(message) {
  stopPage();
  setCsrf('');
  $('shell').hidden = true;
  $('main').replaceChildren();
  $('signin').hidden = false;
  if (message) toast(message, 'info');
  $('api-key').focus();
}

function showShell() {
  setCsrf(state.session.csrf_token);
  $('signin').hidden = true;
  $('shell').hidden = false;
  $('whoami').textContent = state.session.admin ? 'Admin · all domains' : 'Domain ' + (state.session.domain_id || '—');
  if (!location.hash || location.hash === '#' || location.hash === '#/') location.hash = '#/dashboard';
  else route();
}

function stopPage() {
  for (const stop of state.cleanup) stop();
  state.cleanup = [];
  state.generation++;
}

function route() {
  if (!state.session) return;
  stopPage();
  const [path, query] = location.hash.split('?');
  const found = routes.find(([pattern]) => pattern.test(path));
  const main = $('main');
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (found && a.dataset.nav === found[1]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!found) {
    location.hash = '#/dashboard';
    return;
  }
  const generation = state.generation;
  const ctx = {
    session: state.session,
    params: new URLSearchParams(query || ''),
    // Pages register timers here; they stop when the route changes.
    every(ms, fn) {
      const id = setInterval(() => { if (!document.hidden) fn(); }, ms);
      state.cleanup.push(() => clearInterval(id));
    },
    live: () => generation === state.generation,
    // Renders the page again from scratch (its timers too).
    reload: () => { if (generation === state.generation) route(); },
  };
  main.replaceChildren(el('div', { className: 'loading', textContent: 'Loading…' }));
  const render = found[2](path.match(found[0]));
  Promise.resolve(render(main, ctx)).catch((e) => {
    if (!ctx.live()) return;
    main.replaceChildren(el('div', { className: 'card error-card' }, el('h2', { textContent: 'Something went wrong' }), el('p', { textContent: e.message })));
  });
  main.focus({ preventScroll: true });
}

start();
