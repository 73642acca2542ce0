// The page's only door to Herald: the public API and the UI's /ui/ reads, with the session cookie
// (sent by the browser) and the session's CSRF token on every change.
let csrf = '';

export function setCsrf(token) { csrf = token || ''; }

export class ApiError extends Error {
  constructor(status, message, path, position) {
    super(message);
    this.status = status;
    this.path = path;
    this.position = position;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && !path.startsWith('ui/session')) {
    window.dispatchEvent(new CustomEvent('herald:signed-out'));
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const error = data && data.error ? data.error : {};
    throw new ApiError(response.status, error.message || `${response.status} ${response.statusText}`, error.path, error.position);
  }
  return data;
}

export async function svg(path) {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) throw new ApiError(response.status, `chart failed: ${response.status}`);
  const doc = new DOMParser().parseFromString(await response.text(), 'image/svg+xml');
  return document.importNode(doc.documentElement, true);
}

export async function allWebhooks() {
  const all = [];
  let cursor = null;
  do {
    const page = await api('GET', 'api/v1/webhooks?limit=1000' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    all.push(...page.objects);
    cursor = page.next;
  } while (cursor);
  return all;
}

export async function webhookStats() {
  const stats = await api('GET', 'ui/webhook-stats');
  return new Map(stats.objects.map((s) => [s.webhook_id, s]));
}
