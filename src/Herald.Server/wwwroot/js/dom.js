// DOM helpers. Everything from the API is set as text, never as HTML, so a webhook name or a
// response body cannot inject markup.

export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  const { dataset, attrs, on, ...rest } = props || {};
  Object.assign(node, rest);
  Object.assign(node.dataset, dataset || {});
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? '' : value);
  }
  for (const [name, handler] of Object.entries(on || {})) node.addEventListener(name, handler);
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

export const $ = (id) => document.getElementById(id);

export function pageHeader(title, subtitle, ...actions) {
  return el('header', { className: 'page-header' },
    el('div', {}, el('h1', {}, title), subtitle ? el('p', { className: 'subtitle' }, subtitle) : null),
    el('div', { className: 'page-actions' }, ...actions));
}

export function card(title, body, extra) {
  return el('section', { className: 'card' + (extra && extra.className ? ' ' + extra.className : '') },
    title ? el('div', { className: 'card-head' }, el('h2', { textContent: title }), extra && extra.actions ? el('div', { className: 'card-actions' }, ...extra.actions) : null) : null,
    body);
}

export function button(text, onClick, kind = 'secondary', attrs) {
  return el('button', { type: 'button', className: 'btn btn-' + kind, textContent: text, on: { click: onClick }, attrs });
}

export function link(text, href, className) {
  return el('a', { href, textContent: text, className: className || '' });
}

const WEBHOOK_STATUS = { ENABLED: 'green', FAILING: 'red', DISABLED: 'gray', PAUSED: 'amber' };
const DELIVERY_STATUS = { succeeded: 'green', failed: 'red', pending: 'blue', cancelled: 'gray' };

export function badge(status) {
  const tone = WEBHOOK_STATUS[status] || DELIVERY_STATUS[status] || 'gray';
  return el('span', { className: 'badge badge-' + tone, textContent: status, dataset: { status } });
}

export function codeBadge(code) {
  if (code === null || code === undefined) return el('span', { className: 'code code-none', textContent: '—' });
  const tone = code >= 200 && code < 300 ? 'green' : code >= 500 ? 'red' : 'amber';
  return el('span', { className: 'code code-' + tone, textContent: String(code) });
}

export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function ago(iso) {
  if (!iso) return '';
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return seconds + ' s ago';
  if (seconds < 3600) return Math.round(seconds / 60) + ' min ago';
  if (seconds < 86400) return Math.round(seconds / 3600) + ' h ago';
  return Math.round(seconds / 86400) + ' d ago';
}

export function timeCell(iso) {
  return el('time', { dateTime: iso || '', textContent: when(iso), title: iso || '' });
}

export function ms(value) {
  if (value === null || value === undefined) return '—';
  if (value >= 10000) return (value / 1000).toFixed(1) + ' s';
  if (value >= 1000) return (value / 1000).toFixed(2) + ' s';
  return (value >= 100 ? Math.round(value) : value.toFixed(1)) + ' ms';
}

export function percent(rate) {
  if (rate === null || rate === undefined) return '—';
  const p = rate * 100;
  return (p === 100 || p === 0 ? p.toFixed(0) : p >= 99 ? p.toFixed(2) : p.toFixed(1)) + '%';
}

export function rateCell(stats) {
  if (!stats || !stats.attempts) return el('span', { className: 'muted', textContent: 'no traffic' });
  const rate = stats.success_rate;
  const tone = rate >= 0.99 ? 'green' : rate >= 0.9 ? 'amber' : 'red';
  return el('div', { className: 'rate' },
    el('span', { className: 'rate-value', textContent: percent(rate) }),
    el('span', { className: 'meter' }, el('span', { className: 'meter-fill meter-' + tone, attrs: { 'data-width': Math.round(rate * 100) } })),
    el('span', { className: 'muted small', textContent: stats.attempts + ' attempts' }));
}

// CSP allows no inline style: widths are set through the CSSOM after render.
export function applyWidths(root) {
  for (const node of root.querySelectorAll('[data-width]')) node.style.width = node.dataset.width + '%';
}

export function toast(text, tone = 'ok') {
  const node = el('div', { className: 'toast toast-' + tone, textContent: text });
  document.getElementById('toasts').append(node);
  setTimeout(() => node.remove(), 4500);
}

export function empty(title, text, action) {
  return el('div', { className: 'empty' }, el('div', { className: 'empty-icon', attrs: { 'aria-hidden': 'true' } }),
    el('h3', { textContent: title }), text ? el('p', { className: 'muted', textContent: text }) : null, action || null);
}

/** A modal dialog; resolves with the clicked button's value, or null when dismissed. */
export function dialog(title, body, buttons) {
  const node = document.getElementById('dialog');
  return new Promise((resolve) => {
    const form = el('form', { method: 'dialog', className: 'dialog-body' },
      el('h2', { textContent: title }),
      body,
      el('div', { className: 'dialog-actions' }, ...buttons.map((b) =>
        el('button', { type: b.submit ? 'submit' : 'button', className: 'btn btn-' + (b.kind || 'secondary'), textContent: b.text, value: b.value,
          on: b.submit ? {} : { click: () => node.close(b.value) } }))));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!form.reportValidity()) return;
      node.close(event.submitter ? event.submitter.value : 'ok');
    });
    node.replaceChildren(form);
    node.returnValue = '';
    node.addEventListener('close', () => resolve(node.returnValue || null), { once: true });
    node.showModal();
  });
}

export async function confirmAction(title, text, action, kind = 'danger') {
  const answer = await dialog(title, el('p', { textContent: text }), [
    { text: 'Cancel', value: '' },
    { text: action, value: 'yes', kind, submit: true },
  ]);
  return answer === 'yes';
}

export function copyButton(text, label = 'Copy') {
  const b = button(label, async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = 'Copied';
    } catch {
      const range = document.createRange();
      range.selectNodeContents(b.previousSibling);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      b.textContent = 'Selected — press Ctrl+C';
    }
    setTimeout(() => { b.textContent = label; }, 2000);
  }, 'secondary', { 'aria-label': 'Copy secret' });
  return b;
}

export function debounce(fn, wait) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}

/** Local datetime-local value for an ISO time, and back. */
export function toLocalInput(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function fromLocalInput(value) {
  return value ? new Date(value).toISOString() : '';
}

/** The query text with the character at 1-based column `position` marked. */
export function markedQuery(text, position) {
  const index = Math.max(0, Math.min((position || 1) - 1, text.length));
  const at = text.slice(index, index + 1) || ' ';
  return el('pre', { className: 'query-mark', attrs: { 'aria-hidden': 'true' } },
    text.slice(0, index), el('mark', { className: 'query-error-at', textContent: at }), text.slice(index + 1));
}
