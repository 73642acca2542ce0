// The query tester: a built-in seed event (or a pasted one), a query, and the verdict as you type.
import { api } from './api.js';
import { el, pageHeader, card, button, debounce, markedQuery } from './dom.js';

let seeds = null;

export async function renderQueryTester(main, ctx) {
  if (!seeds) seeds = await (await fetch('seeds.json')).json();
  if (!ctx.live()) return;
  const seedSelect = el('select', { id: 'seed' },
    ...seeds.map((s) => el('option', { value: s.id, textContent: s.name })),
    el('option', { value: '', textContent: 'Paste my own event…' }));
  const seedText = el('p', { className: 'hint' });
  const eventInput = el('textarea', { id: 'event-json', rows: 22, className: 'mono code-input', attrs: { spellcheck: 'false', 'aria-describedby': 'event-error' } });
  const eventError = el('p', { className: 'field-error', id: 'event-error', hidden: true });
  const queryInput = el('textarea', { id: 'tester-query', rows: 4, className: 'mono code-input', placeholder: 'data.status = "CLOSED"', attrs: { spellcheck: 'false' } });
  queryInput.value = ctx.params.get('query') || 'data.status = "CLOSED" AND data.format = "JPEG"';
  const verdict = el('div', { className: 'verdict', id: 'verdict', attrs: { 'aria-live': 'polite' } });
  const create = button('Create webhook from this query', () => {
    let evt = {};
    try { evt = JSON.parse(eventInput.value); } catch { /* the form takes the query alone */ }
    const q = new URLSearchParams({ query: queryInput.value.trim() });
    for (const key of ['event_type', 'realm', 'operation']) if (typeof evt[key] === 'string') q.set(key, evt[key]);
    location.hash = '#/webhooks/new?' + q;
  }, 'primary');

  const useSeed = () => {
    const seed = seeds.find((s) => s.id === seedSelect.value);
    seedText.textContent = seed ? seed.description : 'Paste any event envelope: event_type, realm, operation, object_id, data…';
    if (seed) eventInput.value = JSON.stringify(seed.event, null, 2);
    run();
  };

  const run = debounce(async () => {
    eventError.hidden = true;
    let evt;
    try {
      evt = JSON.parse(eventInput.value);
      if (!evt || typeof evt !== 'object' || Array.isArray(evt)) throw new Error('The event must be a JSON object.');
    } catch (e) {
      eventError.textContent = e instanceof SyntaxError ? 'The event is not valid JSON: ' + e.message : e.message;
      eventError.hidden = false;
      verdict.replaceChildren(el('div', { className: 'verdict-box verdict-idle' }, el('strong', { textContent: 'Waiting for a valid event' })));
      return;
    }
    const text = queryInput.value;
    try {
      const result = await api('POST', 'api/v1/query/test', { query: text, event: evt });
      if (queryInput.value !== text) return;
      verdict.replaceChildren(result.matches
        ? el('div', { className: 'verdict-box verdict-match', dataset: { result: 'match' } }, el('span', { className: 'verdict-icon', textContent: '✓' }),
          el('div', {}, el('strong', { textContent: 'Match' }), el('p', { textContent: 'A webhook with this query would receive this event.' })))
        : el('div', { className: 'verdict-box verdict-nomatch', dataset: { result: 'no-match' } }, el('span', { className: 'verdict-icon', textContent: '✕' }),
          el('div', {}, el('strong', { textContent: 'No match' }), el('p', { textContent: 'This event would not be delivered.' }))));
      queryInput.removeAttribute('aria-invalid');
    } catch (e) {
      if (queryInput.value !== text) return;
      if (e.position) {
        queryInput.setAttribute('aria-invalid', 'true');
        verdict.replaceChildren(el('div', { className: 'verdict-box verdict-error', dataset: { result: 'error' } }, el('span', { className: 'verdict-icon', textContent: '!' }),
          el('div', {}, el('strong', { textContent: `Error at column ${e.position}` }), el('p', { textContent: e.message }), markedQuery(text, e.position))));
      } else {
        verdict.replaceChildren(el('div', { className: 'verdict-box verdict-error' }, el('strong', { textContent: e.message })));
      }
    }
  }, 200);

  seedSelect.addEventListener('change', useSeed);
  eventInput.addEventListener('input', run);
  queryInput.addEventListener('input', run);

  main.replaceChildren(
    pageHeader('Query tester', 'Try a filter against a real event before you put it on a webhook.'),
    el('div', { className: 'grid-tester' },
      card('Event', el('div', { className: 'stack' },
        el('div', { className: 'field' }, el('label', { htmlFor: 'seed', textContent: 'Sample event' }), seedSelect, seedText),
        el('div', { className: 'field' }, el('label', { htmlFor: 'event-json', textContent: 'Event JSON' }), eventInput, eventError))),
      el('div', { className: 'stack' },
        card('Query', el('div', { className: 'stack' },
          el('div', { className: 'field' }, el('label', { htmlFor: 'tester-query', textContent: 'Query' }), queryInput,
            el('p', { className: 'hint', textContent: 'Paths like data.status; = != < > <= >=; strings, numbers, true / false / null, /regex/i; AND, OR, NOT and parentheses.' })),
          el('div', { className: 'form-actions form-actions-left' }, button('Run', () => run(), 'secondary'), create))),
        card('Result', verdict))));
  useSeed();
}
