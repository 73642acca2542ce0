// The create / edit form: every field of the webhook object, the query checked as it is typed,
// server errors shown next to their field.
import { api, ApiError } from './api.js';
import { el, pageHeader, card, button, link, toast, debounce, markedQuery } from './dom.js';
import { showSecretOnce } from './webhooks.js';

const OPERATIONS = ['all', 'create', 'update', 'delete', 'purge', 'restore', 'download'];
const MAX_HEADERS = 10;
let uid = 0;

export async function renderWebhookForm(main, ctx, id) {
  const existing = id ? await api('GET', 'api/v1/webhooks/' + encodeURIComponent(id)) : null;
  if (!ctx.live()) return;
  const p = ctx.params;
  const w = existing || {
    name: '', description: '', event_type: p.get('event_type') || '', operation: p.get('operation') || null, realm: p.get('realm') || '',
    object_id: '', query: p.get('query') || '', url: '', headers: {}, auth: { type: 'none' }, payload: { body: 'envelope', fields: [] },
    ordering: 'none', max_concurrency: null, rate_limit: null, retry_schedule: null, timeout_seconds: 30, domain_id: null,
  };
  const f = {};
  const form = el('form', { className: 'webhook-form', id: 'webhook-form', noValidate: true });
  const formError = el('div', { className: 'alert alert-error', hidden: true, attrs: { role: 'alert' } });

  // Basics
  f.name = input('name', 'Name', w.name, { placeholder: 'Proxy ready → transcoder' });
  f.description = textarea('description', 'Description', w.description, { rows: 2, placeholder: 'What this webhook is for (optional)' });
  const basics = [f.name.row, f.description.row];
  if (ctx.session.admin) {
    f.domain = input('domain_id', 'Domain ID', w.domain_id, { placeholder: 'Leave empty for no domain', hint: 'The tenant this webhook belongs to; a domain key only sees its own.' });
    basics.push(f.domain.row);
  }

  // Events
  f.eventType = input('event_type', 'Event type', w.event_type, { required: true, placeholder: 'assets', hint: 'The event_type published events carry, e.g. assets, collections, jobs.' });
  f.operation = select('operation', 'Operation', OPERATIONS.map((o) => [o, o === 'all' ? 'All operations' : o]), w.operation || 'all');
  f.realm = input('realm', 'Realm', w.realm, { placeholder: 'proxies', hint: 'Optional: only events of this realm (proxies, metadata, formats…).' });
  f.objectId = input('object_id', 'Object ID', w.object_id, { placeholder: 'Any object' });
  f.query = textarea('query', 'Query', w.query, { rows: 3, mono: true, placeholder: 'data.status = "CLOSED" AND data.format = "JPEG"', hint: 'Optional filter over the event. Checked as you type.' });
  const queryState = el('div', { className: 'query-state', id: 'query-state', attrs: { 'aria-live': 'polite' } });
  f.query.row.append(queryState);

  // Target
  const mode = el('div', { className: 'segmented', attrs: { role: 'radiogroup', 'aria-label': 'Target' } });
  const modeUrl = radio('target-mode', 'url', 'Full URL', true);
  const modeHost = radio('target-mode', 'host', 'Hostname and path', false);
  mode.append(modeUrl.label, modeHost.label);
  f.url = input('url', 'URL', w.url, { type: 'url', placeholder: 'https://example.com/hooks/herald', mono: true });
  f.hostname = input('hostname', 'Hostname', '', { placeholder: 'example.com', mono: true });
  f.path = input('path', 'Path', '', { placeholder: '/hooks/herald', mono: true });
  const hostRow = el('div', { className: 'form-row', hidden: true }, f.hostname.row, f.path.row);
  const syncMode = () => { f.url.row.hidden = modeHost.input.checked; hostRow.hidden = !modeHost.input.checked; };
  modeUrl.input.addEventListener('change', syncMode);
  modeHost.input.addEventListener('change', syncMode);
  if (existing) modeHost.label.hidden = true;

  // Headers
  const headerRows = el('div', { className: 'header-rows', id: 'header-rows' });
  const addHeader = button('Add header', () => addHeaderRow('', ''), 'secondary');
  const headersField = el('div', { className: 'field', dataset: { path: 'headers' } },
    el('span', { className: 'label', textContent: 'Headers' }),
    el('p', { className: 'hint', textContent: `Sent with every delivery (at most ${MAX_HEADERS}). Herald's own headers cannot be overridden.` }),
    headerRows, addHeader, errorSlot('headers'));
  function addHeaderRow(name, value) {
    const n = ++uid;
    const nameInput = el('input', { type: 'text', value: name, placeholder: 'X-Api-Version', className: 'mono', attrs: { 'aria-label': `Header ${n} name` } });
    const valueInput = el('input', { type: 'text', value, placeholder: 'value', className: 'mono', attrs: { 'aria-label': `Header ${n} value` } });
    const row = el('div', { className: 'header-row' }, nameInput, valueInput,
      button('Remove', () => { row.remove(); syncHeaders(); }, 'ghost', { 'aria-label': `Remove header ${n}` }));
    row.read = () => [nameInput.value.trim(), valueInput.value];
    headerRows.append(row);
    syncHeaders();
    if (!name) nameInput.focus();
  }
  function syncHeaders() { addHeader.disabled = headerRows.children.length >= MAX_HEADERS; }
  for (const [k, v] of Object.entries(w.headers || {})) addHeaderRow(k, v);
  syncHeaders();

  // Auth: secrets are write-only; an empty secret field on edit keeps the stored one.
  const auth = w.auth || { type: 'none' };
  const stored = existing && auth.type !== 'none';
  const keep = stored ? 'Stored — leave empty to keep' : '';
  f.authType = select('auth.type', 'Authentication', [['none', 'None'], ['basic', 'Basic'], ['bearer', 'Bearer token'], ['oauth2', 'OAuth 2.0 client']], auth.type);
  f.username = input('auth.username', 'Username', auth.username || '', {});
  f.password = input('auth.password', 'Password', '', { type: 'password', placeholder: keep, autocomplete: 'new-password' });
  f.token = input('auth.token', 'Token', '', { type: 'password', placeholder: keep, autocomplete: 'off' });
  f.tokenUrl = input('auth.token_url', 'Token URL', auth.token_url || '', { type: 'url', mono: true, placeholder: 'https://auth.example.com/oauth/token' });
  f.grantType = select('auth.grant_type', 'Grant type', [['client_credentials', 'Client credentials'], ['password', 'Password']], auth.grant_type || 'client_credentials');
  f.clientId = input('auth.client_id', 'Client ID', auth.client_id || '', {});
  f.clientSecret = input('auth.client_secret', 'Client secret', '', { type: 'password', placeholder: keep, autocomplete: 'off' });
  f.scope = input('auth.scope', 'Scope', auth.scope || '', { placeholder: 'webhooks.write' });
  const authFields = el('div', { className: 'form-grid' }, f.username.row, f.password.row, f.token.row, f.tokenUrl.row, f.grantType.row, f.clientId.row, f.clientSecret.row, f.scope.row);
  const syncAuth = () => {
    const t = f.authType.control.value;
    const grant = f.grantType.control.value;
    f.username.row.hidden = !(t === 'basic' || (t === 'oauth2' && grant === 'password'));
    f.password.row.hidden = f.username.row.hidden;
    f.token.row.hidden = t !== 'bearer';
    for (const x of [f.tokenUrl, f.grantType, f.clientId, f.clientSecret, f.scope]) x.row.hidden = t !== 'oauth2';
    authFields.hidden = t === 'none';
  };
  f.authType.control.addEventListener('change', syncAuth);
  f.grantType.control.addEventListener('change', syncAuth);
  syncAuth();

  // Payload
  f.payloadBody = select('payload.body', 'Payload body', [['envelope', 'Full event envelope'], ['data', 'Only the event’s data']], w.payload.body);
  f.payloadFields = textarea('payload.fields', 'Payload fields', (w.payload.fields || []).join('\n'), { rows: 3, mono: true, placeholder: 'data.title\ndata.status', hint: 'One dot path per line; empty sends every field.' });

  // Delivery
  f.ordering = select('ordering', 'Ordering', [['none', 'None — fastest'], ['object', 'In order per object ID']], w.ordering);
  f.concurrency = input('max_concurrency', 'Max concurrency', w.max_concurrency ?? '', { type: 'number', min: 1, max: 256, placeholder: '16 (default)' });
  f.rate = input('rate_limit', 'Rate limit', w.rate_limit ?? '', { type: 'number', min: 0.01, step: 'any', placeholder: 'No limit', suffix: 'requests / s' });
  f.retry = input('retry_schedule', 'Retry schedule', w.retry_schedule ? (w.retry_schedule.length ? w.retry_schedule.join(', ') : 'none') : '', { mono: true, placeholder: 'Default: 5, 30, 120, 600, 3600, …', hint: 'Seconds between attempts, comma separated. Empty uses the default schedule; “none” makes one attempt only.' });
  f.timeout = input('timeout_seconds', 'Timeout', w.timeout_seconds, { type: 'number', min: 1, max: 60, suffix: 'seconds' });

  const save = el('button', { type: 'submit', className: 'btn btn-primary', textContent: 'Save' });
  const cancel = link('Cancel', existing ? '#/webhooks/' + encodeURIComponent(existing.id) : '#/webhooks', 'btn btn-secondary');
  form.append(
    formError,
    section('Basics', 'How this webhook is named and who owns it.', ...basics),
    section('Events', 'Which published events are delivered.', el('div', { className: 'form-grid' }, f.eventType.row, f.operation.row, f.realm.row, f.objectId.row), f.query.row),
    section('Target', 'Where deliveries are sent.', mode, f.url.row, hostRow),
    section('Request', 'Headers, authentication and the body sent.', headersField, f.authType.row, authFields, el('div', { className: 'form-grid' }, f.payloadBody.row, f.payloadFields.row)),
    section('Delivery', 'Ordering, limits and retries.', el('div', { className: 'form-grid' }, f.ordering.row, f.timeout.row, f.concurrency.row, f.rate.row), f.retry.row),
    el('div', { className: 'form-actions' }, cancel, save));

  // The query is checked as it is typed; an error marks its column in the text.
  const checkQuery = debounce(async () => {
    const text = f.query.control.value;
    if (!text.trim()) { queryState.replaceChildren(); clear('query'); return; }
    try {
      const result = await api('POST', 'api/v1/query/validate', { query: text });
      if (f.query.control.value !== text) return;
      if (result.valid) {
        clear('query');
        queryState.replaceChildren(el('span', { className: 'ok-text', textContent: '✓ Valid query' }));
      } else {
        showQueryError(result.error.message, result.error.position);
      }
    } catch (e) { queryState.replaceChildren(el('span', { className: 'muted', textContent: e.message })); }
  }, 250);
  function showQueryError(message, position) {
    show('query', `${message} (column ${position})`);
    queryState.replaceChildren(markedQuery(f.query.control.value, position));
  }
  f.query.control.addEventListener('input', checkQuery);
  if (w.query) checkQuery();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const slot of form.querySelectorAll('.field-error')) slot.hidden = true;
    for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
    formError.hidden = true;
    let body;
    try { body = collect(); } catch (e) { show(e.path, e.message); return; }
    save.disabled = true;
    try {
      const saved = existing
        ? await api('PUT', 'api/v1/webhooks/' + encodeURIComponent(existing.id), body)
        : await api('POST', 'api/v1/webhooks', body);
      if (saved.secret) showSecretOnce(saved.id, saved.secret, 'create');
      toast(existing ? 'Webhook saved' : 'Webhook created');
      location.hash = '#/webhooks/' + encodeURIComponent(saved.id);
    } catch (e) {
      if (e.path === 'query' && e.position) showQueryError(e.message.replace(/^invalid query: /, '').replace(/ \(column \d+\)$/, ''), e.position);
      else show(e.path, e.message);
    } finally { save.disabled = false; }
  });

  function collect() {
    const body = {
      name: f.name.control.value.trim() || null,
      description: f.description.control.value.trim() || null,
      event_type: f.eventType.control.value.trim(),
      operation: f.operation.control.value === 'all' ? null : f.operation.control.value,
      realm: f.realm.control.value.trim() || null,
      object_id: f.objectId.control.value.trim() || null,
      query: f.query.control.value.trim() || null,
      headers: Object.fromEntries([...headerRows.children].map((r) => r.read()).filter(([k]) => k)),
      payload: { body: f.payloadBody.control.value, fields: f.payloadFields.control.value.split('\n').map((s) => s.trim()).filter(Boolean) },
      ordering: f.ordering.control.value,
      max_concurrency: number(f.concurrency, 'max_concurrency', true),
      rate_limit: number(f.rate, 'rate_limit', false),
      retry_schedule: retrySchedule(),
      timeout_seconds: number(f.timeout, 'timeout_seconds', true) ?? 30,
    };
    if (modeHost.input.checked) { body.hostname = f.hostname.control.value.trim(); body.path = f.path.control.value.trim(); } else body.url = f.url.control.value.trim();
    if (f.domain) body.domain_id = f.domain.control.value.trim() || null;
    const t = f.authType.control.value;
    const a = { type: t };
    const put = (key, x) => { if (!x.row.hidden && x.control.value !== '') a[key] = x.control.value; };
    if (t !== 'none') {
      put('username', f.username); put('password', f.password); put('token', f.token); put('token_url', f.tokenUrl);
      if (t === 'oauth2') a.grant_type = f.grantType.control.value;
      put('client_id', f.clientId); put('client_secret', f.clientSecret); put('scope', f.scope);
    }
    body.auth = a;
    return body;
  }

  function number(x, path, whole) {
    const text = String(x.control.value).trim();
    if (!text) return null;
    const value = Number(text);
    if (!Number.isFinite(value) || (whole && !Number.isInteger(value))) throw new ApiError(400, `${x.labelText} must be a ${whole ? 'whole ' : ''}number`, path);
    return value;
  }

  function retrySchedule() {
    const text = f.retry.control.value.trim();
    if (!text) return null;
    if (text.toLowerCase() === 'none') return [];
    return text.split(/[\s,]+/).filter(Boolean).map((s, i) => {
      if (!/^\d+$/.test(s)) throw new ApiError(400, `“${s}” is not a whole number of seconds`, `retry_schedule[${i}]`);
      return Number(s);
    });
  }

  function slotFor(path) {
    if (!path) return null;
    const candidates = [path, path.replace(/\[\d+\]$/, ''), path.split('.')[0] === 'headers' ? 'headers' : null, path.split('.')[0]];
    for (const c of candidates) {
      const slot = c && form.querySelector(`.field-error[data-for="${CSS.escape(c)}"]`);
      if (slot) return slot;
    }
    return null;
  }

  function show(path, message) {
    const slot = slotFor(path);
    if (!slot || slot.parentElement.closest('[hidden]')) {
      formError.textContent = message;
      formError.hidden = false;
      formError.scrollIntoView({ block: 'center' });
      return;
    }
    slot.textContent = message;
    slot.hidden = false;
    const control = slot.parentElement.querySelector('input, select, textarea');
    if (control) { control.setAttribute('aria-invalid', 'true'); control.focus(); }
  }

  function clear(path) {
    const slot = slotFor(path);
    if (slot) slot.hidden = true;
    const control = slot && slot.parentElement.querySelector('[aria-invalid]');
    if (control) control.removeAttribute('aria-invalid');
  }

  const title = existing ? `Edit ${existing.name || 'webhook'}` : 'New webhook';
  main.replaceChildren(
    el('nav', { className: 'crumbs' }, link('Webhooks', '#/webhooks'), ' / ', existing ? (existing.name || existing.id) : 'New'),
    pageHeader(title, existing ? el('span', { className: 'mono', textContent: existing.id }) : 'Deliver matching events to an HTTP endpoint, signed with a secret shown once after saving.'),
    form);
  f.name.control.focus();
}

function section(title, text, ...children) {
  return card(null, el('div', { className: 'form-section' },
    el('div', { className: 'form-section-head' }, el('h2', { textContent: title }), el('p', { className: 'muted', textContent: text })),
    el('div', { className: 'form-section-body' }, ...children)));
}

function errorSlot(path) {
  return el('p', { className: 'field-error', hidden: true, id: 'error-' + path.replace(/\W/g, '-'), dataset: { for: path }, attrs: { role: 'alert' } });
}

function wrap(path, label, control, opts) {
  const id = 'f-' + path.replace(/\W/g, '-');
  control.id = id;
  const slot = errorSlot(path);
  const hint = opts.hint ? el('p', { className: 'hint', id: id + '-hint', textContent: opts.hint }) : null;
  control.setAttribute('aria-describedby', [hint ? hint.id : null, slot.id].filter(Boolean).join(' '));
  const inner = opts.suffix ? el('div', { className: 'with-suffix' }, control, el('span', { className: 'suffix', textContent: opts.suffix })) : control;
  const row = el('div', { className: 'field', dataset: { path } },
    el('div', { className: 'label-row' }, el('label', { htmlFor: id, textContent: label }), opts.required ? el('span', { className: 'required-tag', textContent: 'Required' }) : null),
    inner, hint, slot);
  return { row, control, labelText: label };
}

function input(path, label, value, opts) {
  const control = el('input', {
    type: opts.type || 'text', value: value ?? '', placeholder: opts.placeholder || '', className: opts.mono ? 'mono' : '',
    attrs: { min: opts.min, max: opts.max, step: opts.step, autocomplete: opts.autocomplete || 'off', spellcheck: 'false', 'aria-required': opts.required ? 'true' : null },
  });
  return wrap(path, label, control, opts);
}

function textarea(path, label, value, opts) {
  const control = el('textarea', { rows: opts.rows || 3, value: value ?? '', placeholder: opts.placeholder || '', className: opts.mono ? 'mono' : '', attrs: { spellcheck: 'false' } });
  return wrap(path, label, control, opts);
}

function select(path, label, choices, value) {
  const control = el('select', {}, ...choices.map(([v, t]) => el('option', { value: v, textContent: t, selected: v === value })));
  return wrap(path, label, control, {});
}

function radio(name, value, text, checked) {
  const input = el('input', { type: 'radio', name, value, checked });
  return { input, label: el('label', { className: 'segment' }, input, el('span', { textContent: text })) };
}
