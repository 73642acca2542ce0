// Herald admin UI: plain DOM, no build step. Everything shown from the API is set as text,
// never as HTML, so a webhook name or a response body cannot inject markup.
'use strict';

const KEY = 'herald.key';
const DELIVERY_PAGE = 25;
const $ = (id) => document.getElementById(id);
let webhookNames = new Map();

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  const { dataset, ...rest } = props || {};
  Object.assign(node, rest);
  Object.assign(node.dataset, dataset || {});
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function say(text, ok) {
  const message = $('message');
  message.textContent = text;
  message.className = ok ? 'ok' : '';
  message.hidden = !text;
}

async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + (sessionStorage.getItem(KEY) || '') };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const error = new Error(data && data.error && data.error.message ? data.error.message : response.status + ' ' + response.statusText);
    error.status = response.status;
    throw error;
  }
  return data;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

function statusBadge(status) {
  return el('span', { className: 'status status-' + status, textContent: status });
}

async function loadWebhooks() {
  const all = [];
  let cursor = null;
  do {
    const page = await api('GET', 'api/v1/webhooks?limit=1000' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    all.push(...page.objects);
    cursor = page.next;
  } while (cursor);

  webhookNames = new Map(all.map((w) => [w.id, w.name || w.id]));
  const body = $('webhooks').tBodies[0];
  body.replaceChildren(...all.map(webhookRow));
  $('webhooks-empty').hidden = all.length > 0;

  const filter = $('filter-webhook');
  const chosen = filter.value;
  filter.replaceChildren(el('option', { value: '', textContent: 'all' }),
    ...all.map((w) => el('option', { value: w.id, textContent: w.name || w.id })));
  filter.value = webhookNames.has(chosen) ? chosen : '';
}

function webhookRow(w) {
  const next = w.status === 'PAUSED' ? ['Resume', 'ENABLED'] : w.status === 'DISABLED' ? ['Enable', 'ENABLED'] : ['Pause', 'PAUSED'];
  const button = el('button', { type: 'button', textContent: next[0] });
  button.addEventListener('click', () => act(button, async () => {
    await api('PATCH', 'api/v1/webhooks/' + encodeURIComponent(w.id), { status: next[1] });
    say('Webhook "' + (w.name || w.id) + '" is now ' + next[1] + '.', true);
  }));
  return el('tr', { dataset: { id: w.id } },
    el('td', {}, w.name || ''),
    el('td', { className: 'url' }, w.url),
    el('td', {}, w.event_type),
    el('td', {}, w.realm || 'any'),
    el('td', {}, statusBadge(w.status)),
    el('td', { className: 'error' }, w.last_error || ''),
    el('td', {}, button));
}

async function loadDeliveries() {
  const query = new URLSearchParams({ limit: String(DELIVERY_PAGE) });
  if ($('filter-webhook').value) query.set('webhook_id', $('filter-webhook').value);
  if ($('filter-status').value) query.set('status', $('filter-status').value);
  const page = await api('GET', 'api/v1/deliveries?' + query);
  $('deliveries').tBodies[0].replaceChildren(...page.objects.map(deliveryRow));
  $('deliveries-empty').hidden = page.objects.length > 0;
}

function deliveryRow(d) {
  const attempts = el('details', {}, el('summary', { textContent: d.attempt_count + (d.attempt_count === 1 ? ' attempt' : ' attempts') }));
  attempts.addEventListener('toggle', () => {
    if (attempts.open && !attempts.dataset.loaded) {
      attempts.dataset.loaded = 'yes';
      loadAttempts(d.id, attempts).catch(fail);
    }
  });

  const last = d.last_status_code ? 'HTTP ' + d.last_status_code : '';
  const result = [last, d.last_error].filter(Boolean).join(' · ');
  const next = d.status === 'pending' && d.next_attempt_at ? 'next ' + when(d.next_attempt_at) : '';
  let action = null;
  if (d.status === 'failed' || d.status === 'cancelled') {
    action = el('button', { type: 'button', textContent: 'Retry' });
    action.addEventListener('click', () => act(action, async () => {
      await api('POST', 'api/v1/deliveries/' + encodeURIComponent(d.id) + '/retry');
      say('Delivery ' + d.id + ' will be attempted again.', true);
    }));
  }

  return el('tr', { dataset: { id: d.id } },
    el('td', { title: d.id }, when(d.date_created)),
    el('td', {}, webhookNames.get(d.webhook_id) || d.webhook_id),
    el('td', {}, d.object_id || ''),
    el('td', {}, statusBadge(d.status), next ? el('div', { className: 'hint', textContent: next }) : null),
    el('td', {}, attempts),
    el('td', { className: d.last_error || d.status === 'failed' ? 'error' : '' }, result),
    el('td', {}, action));
}

async function loadAttempts(id, container) {
  const delivery = await api('GET', 'api/v1/deliveries/' + encodeURIComponent(id));
  const rows = (delivery.attempts || []).map((a) => el('tr', {},
    el('td', {}, a.number),
    el('td', {}, when(a.started_at)),
    el('td', {}, a.status_code === null || a.status_code === undefined ? '-' : a.status_code),
    el('td', {}, Math.round(a.duration_ms) + ' ms'),
    el('td', { className: 'error' }, a.error || ''),
    el('td', {}, el('pre', { textContent: a.response_body || '' }))));
  container.append(rows.length === 0
    ? el('p', { className: 'empty', textContent: 'Not attempted yet.' })
    : el('table', {},
      el('thead', {}, el('tr', {}, ...['#', 'Started', 'Status', 'Duration', 'Error', 'Response'].map((h) => el('th', { textContent: h })))),
      el('tbody', {}, ...rows)));
}

async function act(button, action) {
  button.disabled = true;
  try {
    await action();
    await refresh();
  } catch (error) {
    fail(error);
  } finally {
    button.disabled = false;
  }
}

function fail(error) {
  if (error.status === 401) {
    $('app').hidden = true;
    say('The key was rejected: paste a valid admin or domain key.');
    return;
  }
  say(error.message || String(error));
}

async function refresh() {
  if (!sessionStorage.getItem(KEY)) return;
  await loadWebhooks();
  await loadDeliveries();
  $('app').hidden = false;
}

function start() {
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('key').value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY, key);
    $('key').value = '';
    say('');
    refresh().catch(fail);
  });
  $('forget').addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    $('app').hidden = true;
    $('webhooks').tBodies[0].replaceChildren();
    $('deliveries').tBodies[0].replaceChildren();
    say('Key forgotten.', true);
  });
  $('refresh').addEventListener('click', () => refresh().catch(fail));
  $('filter-webhook').addEventListener('change', () => loadDeliveries().catch(fail));
  $('filter-status').addEventListener('change', () => loadDeliveries().catch(fail));
  refresh().catch(fail);
}

start();
