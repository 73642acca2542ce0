// Deliveries: the log (global or one webhook's) with filters and recovery actions, and one delivery.
import { api, allWebhooks } from './api.js';
import {
  el, pageHeader, card, button, link, badge, codeBadge, timeCell, when, ago, ms, toast, empty, confirmAction, dialog,
  toLocalInput, fromLocalInput,
} from './dom.js';

const PAGE = 50;
const REFRESH_MS = 4000;

export async function renderDeliveries(main, ctx) {
  const webhooks = await allWebhooks();
  if (!ctx.live()) return;
  const panel = el('div');
  main.replaceChildren(pageHeader('Deliveries', 'Every attempt to deliver an event, newest first'), panel);
  const chosen = ctx.params.get('webhook');
  await deliveriesPanel(panel, ctx, { webhooks, webhook: webhooks.find((w) => w.id === chosen) || null, global: true, status: ctx.params.get('status') });
}

/**
 * The delivery log with its filters. `options.webhook` fixes (or preselects) one webhook, which
 * enables the bulk actions; `options.global` adds the webhook picker.
 */
export async function deliveriesPanel(root, ctx, options) {
  const names = new Map((options.webhooks || (options.webhook ? [options.webhook] : [])).map((w) => [w.id, w.name || w.url]));
  const filters = {
    webhook: options.webhook ? options.webhook.id : '',
    status: options.status || '',
    object: '',
    since: '',
    until: '',
  };
  let next = null;
  let loadedMore = false;

  const statusSelect = el('select', { id: 'filter-status', on: { change: () => { filters.status = statusSelect.value; reload(); } } },
    ...[['', 'Any status'], ['pending', 'Pending'], ['succeeded', 'Succeeded'], ['failed', 'Failed'], ['cancelled', 'Cancelled']]
      .map(([v, t]) => el('option', { value: v, textContent: t, selected: v === filters.status })));
  const objectInput = el('input', { id: 'filter-object', type: 'search', placeholder: 'Object ID', on: { change: () => { filters.object = objectInput.value.trim(); reload(); } } });
  const sinceInput = el('input', { id: 'filter-since', type: 'datetime-local', on: { change: () => { filters.since = fromLocalInput(sinceInput.value); reload(); } } });
  const untilInput = el('input', { id: 'filter-until', type: 'datetime-local', on: { change: () => { filters.until = fromLocalInput(untilInput.value); reload(); } } });
  const autoRefresh = el('input', { type: 'checkbox', id: 'auto-refresh', checked: true });
  const filterBar = el('div', { className: 'filters' },
    options.global ? field('Webhook', el('select', { id: 'filter-webhook', on: { change: (e) => { filters.webhook = e.target.value; reload(); } } },
      el('option', { value: '', textContent: 'All webhooks' }),
      ...options.webhooks.map((w) => el('option', { value: w.id, textContent: w.name || w.url, selected: w.id === filters.webhook })))) : null,
    field('Status', statusSelect),
    field('Object ID', objectInput),
    field('From', sinceInput),
    field('To', untilInput));

  const tbody = el('tbody');
  const table = el('table', { className: 'table', id: 'deliveries' },
    el('thead', {}, el('tr', {}, ...['Created', options.global ? 'Webhook' : null, 'Object', 'Status', 'Attempts', 'Last result', ''].filter((h) => h !== null)
      .map((h) => el('th', { textContent: h, scope: 'col' })))),
    tbody);
  const more = button('Load more', () => load(true), 'secondary');
  const footer = el('div', { className: 'table-foot' }, more);
  const emptyState = el('div', { hidden: true }, empty('No deliveries match', 'Deliveries appear here as soon as a published event matches a webhook.'));
  const bulk = el('div', { className: 'card-actions' });
  const headActions = el('div', { className: 'card-actions' }, el('label', { className: 'toggle' }, autoRefresh, el('span', { textContent: 'Auto refresh' })), bulk);
  const replayStatus = el('div', { className: 'replay-status', attrs: { 'aria-live': 'polite' } });
  root.replaceChildren(card(options.global ? null : 'Deliveries', el('div', {}, filterBar, replayStatus, table, emptyState, footer),
    { className: 'card-flush', actions: [headActions] }));
  if (options.global) root.firstChild.prepend(el('div', { className: 'card-head' }, el('h2', { textContent: 'Log' }), headActions));
  renderBulk();

  function renderBulk() {
    const id = filters.webhook;
    bulk.replaceChildren();
    if (!id) return;
    bulk.append(
      button('Retry failed', async () => {
        if (!await confirmAction('Retry every failed delivery?', 'Each failed delivery of this webhook is queued again and attempted as soon as possible.', 'Retry failed', 'primary')) return;
        try {
          const result = await api('POST', `api/v1/webhooks/${encodeURIComponent(id)}/deliveries/retry`);
          toast(`${result.retried} failed ${result.retried === 1 ? 'delivery' : 'deliveries'} queued again`);
          reload();
        } catch (e) { toast(e.message, 'error'); }
      }, 'secondary'),
      button('Replay range…', () => replay(id), 'secondary'),
      button('Cancel pending', async () => {
        if (!await confirmAction('Cancel every pending delivery?', 'Pending deliveries of this webhook are cancelled and will not be attempted. You can retry them later.', 'Cancel pending')) return;
        try {
          const result = await api('POST', `api/v1/webhooks/${encodeURIComponent(id)}/deliveries/cancel`);
          toast(`${result.cancelled} pending ${result.cancelled === 1 ? 'delivery' : 'deliveries'} cancelled`);
          reload();
        } catch (e) { toast(e.message, 'error'); }
      }, 'ghost-danger'));
  }

  async function replay(id) {
    const now = new Date();
    const since = el('input', { type: 'datetime-local', id: 'replay-since', required: true, value: toLocalInput(new Date(now - 3600_000)) });
    const until = el('input', { type: 'datetime-local', id: 'replay-until', value: toLocalInput(now) });
    const onlyFailed = el('input', { type: 'checkbox', id: 'replay-only-failed' });
    const answer = await dialog('Replay a time range', el('div', { className: 'stack' },
      el('p', { textContent: 'Every event published in the range that matches this webhook is delivered again, as a new delivery.' }),
      el('div', { className: 'form-row' }, field('From', since), field('To', until)),
      el('label', { className: 'toggle' }, onlyFailed, el('span', { textContent: 'Only events whose delivery failed (retry them in place)' }))), [
      { text: 'Cancel', value: '' },
      { text: 'Start replay', value: 'yes', kind: 'primary', submit: true },
    ]);
    if (answer !== 'yes') return;
    try {
      const job = await api('POST', `api/v1/webhooks/${encodeURIComponent(id)}/replay`, {
        since: fromLocalInput(since.value), until: until.value ? fromLocalInput(until.value) : null, only_failed: onlyFailed.checked,
      });
      followReplay(job);
    } catch (e) { toast(e.message, 'error'); }
  }

  async function followReplay(job) {
    const show = (j) => replayStatus.replaceChildren(el('div', { className: 'alert alert-info', id: 'replay-' + j.id, dataset: { status: j.status } },
      el('strong', { textContent: `Replay ${j.status}` }),
      el('span', { textContent: `${when(j.since)} → ${when(j.until)} · ${j.events_scanned} ${j.events_scanned === 1 ? 'event' : 'events'} scanned · ${j.deliveries_created} ${j.deliveries_created === 1 ? 'delivery' : 'deliveries'} ${j.only_failed ? 'requeued' : 'created'}` })));
    show(job);
    while (job.status === 'running' && ctx.live()) {
      await new Promise((r) => setTimeout(r, 700));
      job = await api('GET', 'api/v1/replays/' + encodeURIComponent(job.id));
      if (ctx.live()) show(job);
    }
    reload();
  }

  function query(cursor) {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (filters.webhook) q.set('webhook_id', filters.webhook);
    if (filters.status) q.set('status', filters.status);
    if (filters.object) q.set('object_id', filters.object);
    if (filters.since) q.set('since', filters.since);
    if (filters.until) q.set('until', filters.until);
    if (cursor) q.set('cursor', cursor);
    return 'ui/deliveries?' + q;
  }

  async function load(append) {
    const page = await api('GET', query(append ? next : null));
    if (!ctx.live()) return;
    next = page.next;
    const rows = page.objects.map((d) => deliveryRow(d));
    if (append) { tbody.append(...rows); loadedMore = true; } else tbody.replaceChildren(...rows);
    more.hidden = !next;
    emptyState.hidden = tbody.children.length > 0;
    table.hidden = tbody.children.length === 0;
  }

  function reload() {
    loadedMore = false;
    renderBulk();
    return load(false).catch((e) => toast(e.message, 'error'));
  }

  function deliveryRow(d) {
    const open = '#/deliveries/' + encodeURIComponent(d.id);
    return el('tr', { dataset: { id: d.id, status: d.status } },
      el('td', {}, el('a', { href: open, className: 'row-title' }, timeCell(d.date_created)), el('div', { className: 'small muted', textContent: ago(d.date_created) })),
      options.global ? el('td', {}, el('a', { href: '#/webhooks/' + encodeURIComponent(d.webhook_id), textContent: names.get(d.webhook_id) || 'deleted webhook' })) : null,
      el('td', { className: 'mono small' }, d.object_id || el('span', { className: 'muted', textContent: '—' })),
      el('td', {}, badge(d.status), d.status === 'pending' && d.next_attempt_at ? el('div', { className: 'small muted', textContent: 'next ' + when(d.next_attempt_at) }) : null),
      el('td', { className: 'num' }, String(d.attempt_count)),
      el('td', {}, el('div', { className: 'last-result-inner' }, codeBadge(d.last_status_code), d.last_error ? el('span', { className: 'small error-text truncate', textContent: d.last_error, title: d.last_error }) : null)),
      el('td', { className: 'actions' }, ...rowActions(d, reload)));
  }

  await load(false);
  ctx.every(REFRESH_MS, () => { if (autoRefresh.checked && !loadedMore) load(false).catch(() => {}); });
}

function rowActions(d, reload) {
  const actions = [];
  if (d.status !== 'pending') {
    actions.push(button('Retry', async () => {
      try {
        await api('POST', `api/v1/deliveries/${encodeURIComponent(d.id)}/retry`);
        toast('Delivery queued again');
        reload();
      } catch (e) { toast(e.message, 'error'); }
    }, 'secondary'));
  } else {
    actions.push(button('Cancel', async () => {
      if (!await confirmAction('Cancel this delivery?', 'It will not be attempted again unless you retry it.', 'Cancel delivery')) return;
      try {
        await api('POST', `api/v1/deliveries/${encodeURIComponent(d.id)}/cancel`);
        toast('Delivery cancelled');
        reload();
      } catch (e) { toast(e.message, 'error'); }
    }, 'ghost-danger'));
  }
  return actions;
}

function field(label, control) {
  return el('label', { className: 'field-inline' }, el('span', { textContent: label }), control);
}

export async function renderDelivery(main, ctx, id) {
  let d;
  try {
    d = await api('GET', 'api/v1/deliveries/' + encodeURIComponent(id));
  } catch (e) {
    if (e.status !== 404) throw e;
    main.replaceChildren(pageHeader('Delivery not found'), card(null, empty('No such delivery', 'It may have been removed by retention, or it belongs to another domain.', link('All deliveries', '#/deliveries', 'btn btn-secondary'))));
    return;
  }
  const [request, webhook] = await Promise.all([
    api('GET', `ui/deliveries/${encodeURIComponent(id)}/request`),
    api('GET', 'api/v1/webhooks/' + encodeURIComponent(d.webhook_id)).catch(() => null),
  ]);
  if (!ctx.live()) return;
  const reload = ctx.reload;
  const header = pageHeader(el('span', { className: 'title-with-badge' }, 'Delivery', badge(d.status)), el('span', { className: 'mono', textContent: d.id }), ...rowActions(d, reload));
  const fact = (label, value, mono) => el('div', { className: 'fact' }, el('span', { className: 'fact-label', textContent: label }),
    el('span', { className: 'fact-value' + (mono ? ' mono' : ''), title: typeof value === 'string' ? value : '' }, value));
  const summary = el('section', { className: 'card facts', attrs: { 'aria-label': 'Summary' } },
    fact('Webhook', webhook ? link(webhook.name || webhook.url, '#/webhooks/' + encodeURIComponent(webhook.id)) : 'deleted'),
    fact('Event', request.available ? request.event.name : d.event_id, true),
    fact('Object ID', d.object_id || '—', true),
    fact('Created', when(d.date_created)),
    fact('Attempts', String(d.attempt_count)),
    fact('Next attempt', d.next_attempt_at ? when(d.next_attempt_at) : '—'));
  const attempts = (d.attempts || []).slice().reverse();
  const attemptsBody = attempts.length === 0
    ? empty('No attempts yet', d.status === 'pending' ? 'The first attempt is on its way.' : 'This delivery was never attempted.')
    : el('ol', { className: 'attempts', id: 'attempts' }, ...attempts.map((a) => attemptItem(a)));
  const blocks = [
    el('nav', { className: 'crumbs' }, link('Deliveries', '#/deliveries'), ' / ', d.id),
    header,
    summary,
    card(`Attempts (${attempts.length})`, attemptsBody),
    card('Signed request', requestView(request)),
  ];
  main.replaceChildren(...blocks);
  if (d.status === 'pending') ctx.every(REFRESH_MS / 2, reload);
}

function attemptItem(a) {
  const ok = a.status_code >= 200 && a.status_code < 300;
  return el('li', { className: 'attempt attempt-' + (ok ? 'ok' : 'failed'), dataset: { number: a.number } },
    el('div', { className: 'attempt-head' },
      el('span', { className: 'attempt-number', textContent: '#' + a.number }),
      codeBadge(a.status_code),
      el('span', { className: 'attempt-latency', textContent: ms(a.duration_ms) }),
      timeCell(a.started_at),
      a.error ? el('span', { className: 'error-text', textContent: a.error }) : null),
    a.response_body ? el('details', { className: 'excerpt' }, el('summary', { textContent: 'Response excerpt' }), el('pre', { textContent: a.response_body })) : null);
}

function requestView(request) {
  if (!request.available) return el('p', { className: 'muted', textContent: `Not available: ${request.reason}.` });
  const latest = request.attempts[request.attempts.length - 1];
  const line = el('div', { className: 'request-line mono' }, el('span', { className: 'method', textContent: request.method }), el('span', { className: 'break', textContent: request.url }));
  const headers = latest
    ? el('table', { className: 'headers', id: 'request-headers' }, el('tbody', {}, ...latest.headers.map(([k, v]) => el('tr', {}, el('th', { scope: 'row', textContent: k }), el('td', { textContent: v })))))
    : el('p', { className: 'muted', textContent: 'Headers appear after the first attempt.' });
  let body = request.body;
  try { body = JSON.stringify(JSON.parse(body), null, 2); } catch { /* not JSON: shown as sent */ }
  return el('div', { className: 'stack' }, line,
    latest ? el('p', { className: 'small muted', textContent: `Attempt #${latest.number}, rebuilt from the stored event and signing secrets. Credentials are never shown.` }) : null,
    headers,
    el('details', { className: 'excerpt' }, el('summary', { textContent: `Body (${request.body.length} bytes)` }), el('pre', { textContent: body })));
}
