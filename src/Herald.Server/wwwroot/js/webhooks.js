// Webhooks: the list with health over 24 h, and one webhook's page.
import { api, allWebhooks, webhookStats } from './api.js';
import {
  el, pageHeader, card, button, link, badge, rateCell, ms, percent, ago, when, applyWidths, toast, empty, confirmAction, dialog, copyButton,
} from './dom.js';
import { deliveriesPanel } from './deliveries.js';

/** The secret to show once on the next render of a webhook page (after create or rotate). */
let freshSecret = null;

export function showSecretOnce(webhookId, secret, why) {
  freshSecret = { webhookId, secret, why };
}

export async function renderWebhooks(main, ctx) {
  const [webhooks, stats] = await Promise.all([allWebhooks(), webhookStats()]);
  if (!ctx.live()) return;
  const counts = { ENABLED: 0, FAILING: 0, PAUSED: 0, DISABLED: 0 };
  for (const w of webhooks) counts[w.status]++;
  const header = pageHeader('Webhooks', `${webhooks.length} endpoint${webhooks.length === 1 ? '' : 's'} · success rate and p95 latency over the last 24 hours`,
    link('New webhook', '#/webhooks/new', 'btn btn-primary'));
  if (webhooks.length === 0) {
    main.replaceChildren(header, card(null, empty('No webhooks yet', 'Create one to start delivering events to your endpoints.', link('New webhook', '#/webhooks/new', 'btn btn-primary'))));
    return;
  }
  const summary = el('div', { className: 'pills' }, ...Object.entries(counts).map(([s, n]) => el('span', { className: 'pill' }, badge(s), el('strong', { textContent: n }))));
  const table = el('table', { className: 'table', id: 'webhooks' },
    el('thead', {}, el('tr', {}, ...['Webhook', 'Events', 'Status', 'Success (24 h)', 'p95', ''].map((h) => el('th', { textContent: h, scope: 'col' })))),
    el('tbody', {}, ...webhooks.map((w) => webhookRow(w, stats.get(w.id), () => renderWebhooks(main, ctx)))));
  main.replaceChildren(header, summary, card(null, table, { className: 'card-flush' }));
  applyWidths(main);
}

function eventChips(w) {
  const scope = [w.realm || 'any realm', w.operation || 'all operations'].join(' · ');
  return el('div', { className: 'event-scope' },
    el('div', { className: 'event-line' }, el('span', { className: 'chip chip-strong', textContent: w.event_type }), el('span', { className: 'small', textContent: scope })),
    w.object_id || w.query ? el('div', { className: 'event-extra small muted' },
      w.object_id ? 'object ' + w.object_id + (w.query ? ' · ' : '') : '', w.query ? el('code', { textContent: w.query, title: w.query }) : null) : null);
}

function statusCell(w) {
  const cell = el('div', { className: 'status-cell' }, badge(w.status));
  if (w.status === 'FAILING') {
    cell.append(el('span', { className: 'small muted', textContent: 'since ' + ago(w.first_failed_at), title: when(w.first_failed_at) }));
  }
  if (w.last_error && (w.status === 'FAILING' || w.status === 'DISABLED')) {
    cell.append(el('span', { className: 'small error-text last-error', textContent: w.last_error, title: w.last_error }));
  }
  return cell;
}

function webhookRow(w, stats, reload) {
  return el('tr', { dataset: { id: w.id } },
    el('td', {}, el('a', { href: '#/webhooks/' + encodeURIComponent(w.id), className: 'row-title', textContent: w.name || 'Untitled webhook' }),
      el('div', { className: 'mono small muted truncate', textContent: w.url, title: w.url })),
    el('td', {}, eventChips(w)),
    el('td', {}, statusCell(w)),
    el('td', {}, rateCell(stats)),
    el('td', { className: 'num' }, stats && stats.p95_ms !== null && stats.attempts ? ms(stats.p95_ms) : el('span', { className: 'muted', textContent: '—' })),
    el('td', { className: 'actions' }, ...statusActions(w, reload, true)));
}

/** Enable / disable / pause / resume / delete, each through the public API. */
function statusActions(w, reload, compact) {
  const set = (status, verb) => async () => {
    try {
      await api('PATCH', 'api/v1/webhooks/' + encodeURIComponent(w.id), { status });
      toast(`${w.name || 'Webhook'} ${verb}`);
      reload();
    } catch (e) { toast(e.message, 'error'); }
  };
  const remove = async () => {
    if (!await confirmAction('Delete this webhook?', `“${w.name || w.url}” stops receiving events and its pending deliveries are cancelled. This cannot be undone.`, 'Delete webhook')) return;
    try {
      await api('DELETE', 'api/v1/webhooks/' + encodeURIComponent(w.id));
      toast('Webhook deleted');
      if (compact) reload(); else location.hash = '#/webhooks';
    } catch (e) { toast(e.message, 'error'); }
  };
  const pause = w.status === 'PAUSED' ? button('Resume', set('ENABLED', 'resumed'), 'secondary')
    : w.status !== 'DISABLED' ? button('Pause', set('PAUSED', 'paused'), 'secondary') : null;
  const toggle = w.status === 'DISABLED' ? button('Enable', set('ENABLED', 'enabled'), compact ? 'menu' : 'secondary')
    : button('Disable', set('DISABLED', 'disabled'), compact ? 'menu' : 'ghost');
  const del = button('Delete', remove, compact ? 'menu-danger' : 'ghost-danger');
  if (!compact) return [pause, toggle, del].filter(Boolean);
  // In the list, the rarer actions sit behind a small menu so rows stay calm.
  const menu = el('details', { className: 'menu' },
    el('summary', { className: 'btn btn-ghost menu-toggle', attrs: { 'aria-label': 'More actions for ' + (w.name || w.url) } }, '•••'),
    el('div', { className: 'menu-items' }, toggle, del));
  return [pause || el('span'), menu];
}

export async function renderWebhook(main, ctx, id) {
  let w;
  try {
    w = await api('GET', 'api/v1/webhooks/' + encodeURIComponent(id));
  } catch (e) {
    if (e.status !== 404) throw e;
    main.replaceChildren(pageHeader('Webhook not found'), card(null, empty('No such webhook', 'It may have been deleted, or it belongs to another domain.', link('All webhooks', '#/webhooks', 'btn btn-secondary'))));
    return;
  }
  const stats = (await webhookStats()).get(w.id);
  if (!ctx.live()) return;
  const reload = ctx.reload;
  const header = pageHeader(el('span', { className: 'title-with-badge' }, w.name || 'Untitled webhook', badge(w.status)), el('span', { className: 'mono', textContent: w.url }),
    ...statusActions(w, reload, false),
    button('Rotate secret', () => rotate(w, reload), 'secondary'),
    link('Edit', '#/webhooks/' + encodeURIComponent(w.id) + '/edit', 'btn btn-primary'));
  const blocks = [el('nav', { className: 'crumbs' }, link('Webhooks', '#/webhooks'), ' / ', w.name || w.id), header];
  if (freshSecret && freshSecret.webhookId === w.id) {
    blocks.push(secretBanner(freshSecret));
    freshSecret = null;
  }
  if (w.status === 'FAILING' || (w.status === 'DISABLED' && w.last_error)) {
    blocks.push(el('div', { className: 'alert alert-error' },
      el('strong', { textContent: w.status === 'FAILING' ? `Failing since ${when(w.first_failed_at)}` : 'Disabled after repeated failures' }),
      el('span', { textContent: w.last_error || '' })));
  }
  blocks.push(el('div', { className: 'kpis' },
    kpi('Success rate', stats && stats.attempts ? percent(stats.success_rate) : '—', '24 hours'),
    kpi('Attempts', stats ? String(stats.attempts) : '0', '24 hours'),
    kpi('p95 latency', stats && stats.attempts ? ms(stats.p95_ms) : '—', '24 hours'),
    kpi('Timeout', w.timeout_seconds + ' s', 'per attempt')));
  blocks.push(el('div', { className: 'grid-2' }, card('Configuration', configList(w)), card('Request', requestList(w))));
  const panel = el('div');
  blocks.push(panel);
  main.replaceChildren(...blocks);
  await deliveriesPanel(panel, ctx, { webhook: w });
}

function kpi(label, value, hint, tone) {
  return el('div', { className: 'kpi' + (tone ? ' kpi-' + tone : '') },
    el('span', { className: 'kpi-label', textContent: label }),
    el('span', { className: 'kpi-value', textContent: value }),
    hint ? el('span', { className: 'kpi-hint', textContent: hint }) : null);
}

export { kpi };

function definition(rows) {
  return el('dl', { className: 'deflist' }, ...rows.filter(Boolean).flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', {}, v === null || v === undefined || v === '' ? el('span', { className: 'muted', textContent: '—' }) : v)]));
}

function configList(w) {
  return definition([
    ['Event type', w.event_type],
    ['Operation', w.operation || 'all'],
    ['Realm', w.realm],
    ['Object ID', w.object_id],
    ['Query', w.query ? el('code', { className: 'code-block', textContent: w.query }) : null],
    w.domain_id ? ['Domain', w.domain_id] : null,
    ['Description', w.description],
    ['Created', when(w.date_created)],
    ['Modified', when(w.date_modified)],
  ]);
}

function requestList(w) {
  const headers = Object.entries(w.headers || {});
  const auth = w.auth || { type: 'none' };
  return definition([
    ['URL', el('span', { className: 'mono break', textContent: w.url })],
    ['Headers', headers.length ? el('ul', { className: 'plain' }, ...headers.map(([k, v]) => el('li', { className: 'mono small' }, el('strong', { textContent: k + ': ' }), v))) : null],
    ['Auth', auth.type === 'none' ? 'None' : `${auth.type}${auth.username ? ' · ' + auth.username : ''}${auth.client_id ? ' · client ' + auth.client_id : ''} (secret stored, write-only)`],
    ['Payload', w.payload.body === 'data' ? 'data only' : 'full envelope'],
    ['Fields', w.payload.fields && w.payload.fields.length ? w.payload.fields.join(', ') : 'all'],
    ['Ordering', w.ordering === 'object' ? 'in order per object' : 'none'],
    ['Limits', `${w.max_concurrency ? w.max_concurrency + ' in flight' : 'default concurrency'} · ${w.rate_limit ? w.rate_limit + ' req/s' : 'no rate limit'}`],
    ['Retries', w.retry_schedule ? (w.retry_schedule.length ? w.retry_schedule.map((s) => s + ' s').join(', ') : 'none') : 'default schedule'],
  ]);
}

function secretBanner({ secret, why }) {
  const value = el('code', { className: 'secret-value', textContent: secret, id: 'signing-secret' });
  return el('div', { className: 'alert alert-secret', attrs: { role: 'region', 'aria-label': 'Signing secret' } },
    el('div', {}, el('strong', { textContent: why === 'rotate' ? 'New signing secret' : 'Webhook created — here is its signing secret' }),
      el('p', { className: 'small', textContent: 'Copy it now: Herald shows it only this once. Receivers verify the webhook-signature header with it.' })),
    el('div', { className: 'secret-row' }, value, copyButton(secret)));
}

async function rotate(w, reload) {
  const grace = el('select', { id: 'grace', name: 'grace' },
    ...[['0', 'Immediately'], ['3600', '1 hour'], ['86400', '24 hours'], ['604800', '7 days']].map(([v, t]) => el('option', { value: v, textContent: t, selected: v === '86400' })));
  const answer = await dialog('Rotate signing secret', el('div', { className: 'stack' },
    el('p', { textContent: 'A new secret signs every delivery from now on. The current one keeps signing beside it for the grace period, so receivers can switch without dropping requests.' }),
    el('label', { htmlFor: 'grace', textContent: 'Old secret keeps signing for' }), grace), [
    { text: 'Cancel', value: '' },
    { text: 'Rotate secret', value: 'yes', kind: 'primary', submit: true },
  ]);
  if (answer !== 'yes') return;
  try {
    const rotated = await api('POST', `api/v1/webhooks/${encodeURIComponent(w.id)}/secret/rotate`, { grace_seconds: Number(grace.value) });
    showSecretOnce(w.id, rotated.secret, 'rotate');
    reload();
  } catch (e) { toast(e.message, 'error'); }
}
