// The dashboard: attempts per minute over the last hour, queue depth, webhooks by status, the
// slowest and the most failing endpoints. Charts are SVG drawn by the server.
import { api, svg } from './api.js';
import { el, pageHeader, card, link, percent, ms, empty, applyWidths } from './dom.js';
import { kpi } from './webhooks.js';

const REFRESH_MS = 10000;

export async function renderDashboard(main, ctx) {
  const throughput = el('div', { className: 'chart-box', id: 'chart-throughput' });
  const statuses = el('div', { className: 'chart-box', id: 'chart-webhooks' });
  const kpis = el('div', { className: 'kpis' });
  const slowest = el('div');
  const failing = el('div');
  const legend = el('div', { className: 'legend' },
    el('span', { className: 'legend-item' }, el('span', { className: 'swatch swatch-green' }), 'Succeeded'),
    el('span', { className: 'legend-item' }, el('span', { className: 'swatch swatch-red' }), 'Failed'));
  main.replaceChildren(
    pageHeader('Dashboard', 'Delivery health across ' + (ctx.session.admin ? 'every domain' : 'domain ' + ctx.session.domain_id), link('New webhook', '#/webhooks/new', 'btn btn-primary')),
    kpis,
    el('div', { className: 'grid-dash' },
      card('Deliveries per minute', el('div', {}, legend, throughput), { actions: [el('span', { className: 'muted small', textContent: 'last hour · attempts' })] }),
      card('Webhooks by status', statuses)),
    el('div', { className: 'grid-2' },
      card('Slowest endpoints', slowest, { className: 'card-flush', actions: [el('span', { className: 'muted small', textContent: 'p95 latency · 24 h' })] }),
      card('Most failing endpoints', failing, { className: 'card-flush', actions: [el('span', { className: 'muted small', textContent: 'failed attempts · 24 h' })] })));

  async function refresh() {
    const [data, chart, ring] = await Promise.all([api('GET', 'ui/dashboard'), svg('ui/charts/throughput.svg'), svg('ui/charts/webhooks.svg')]);
    if (!ctx.live()) return;
    throughput.replaceChildren(chart);
    statuses.replaceChildren(ring);
    const t = data.totals;
    const failingCount = data.webhooks_by_status.FAILING || 0;
    kpis.replaceChildren(
      kpi('Success rate', t.attempts ? percent(t.success_rate) : '—', `${t.succeeded} of ${t.attempts} attempts · 24 h`, t.attempts ? (t.success_rate >= 0.99 ? 'green' : t.success_rate >= 0.9 ? 'amber' : 'red') : null),
      kpi('Last hour', String(data.last_hour.succeeded + data.last_hour.failed), `${data.last_hour.failed} failed`),
      kpi('Queue depth', String(data.queue_depth), 'pending deliveries', data.queue_depth > 1000 ? 'amber' : null),
      kpi('Failing webhooks', String(failingCount), `${data.webhooks_by_status.DISABLED || 0} disabled · ${data.webhooks_by_status.PAUSED || 0} paused`, failingCount ? 'red' : 'green'));
    slowest.replaceChildren(endpointTable(data.slowest, 'slowest', (e) => [el('span', { className: 'num-strong', textContent: ms(e.p95_ms) }), el('span', { className: 'muted small', textContent: `${e.attempts} attempts` })]));
    failing.replaceChildren(endpointTable(data.most_failing, 'failing', (e) => [el('span', { className: 'num-strong error-text', textContent: `${e.failed} failed` }), el('span', { className: 'muted small', textContent: `${percent(e.success_rate)} success` })]));
    applyWidths(main);
  }

  await refresh();
  ctx.every(REFRESH_MS, () => refresh().catch(() => {}));
}

function endpointTable(rows, id, value) {
  if (!rows.length) return empty(id === 'failing' ? 'Nothing is failing' : 'No traffic yet', id === 'failing' ? 'Every attempt in the last 24 hours succeeded.' : 'Latency appears once deliveries are attempted.');
  return el('table', { className: 'table table-compact', id: 'endpoints-' + id }, el('tbody', {}, ...rows.map((e) => el('tr', {},
    el('td', {}, link(e.name, '#/webhooks/' + encodeURIComponent(e.webhook_id), 'row-title'), el('div', { className: 'mono small muted truncate', textContent: e.url })),
    el('td', { className: 'num' }, el('div', { className: 'stack-tight' }, ...value(e)))))));
}
