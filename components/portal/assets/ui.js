// Building the page without HTML strings (no markup from data, ever):
// elements, labelled form fields with their error slots, problem documents
// shown beside the fields they name, and the announcements a screen reader
// hears.

import { t, label } from './i18n.js';

// An element: h('p', { class: 'x', onclick: f }, 'text', child, ...).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let uid = 0;
const nextId = (base) => `${base}-${++uid}`;

// A labelled field. spec: { name, label, type: text|tel|date|number|
// textarea|select|radio|checkbox|password, options: [[value, label]],
// required, hint, value, attrs }.
export function field(spec) {
  const id = nextId(`f-${spec.name.replace(/[^a-z0-9]/gi, '-')}`);
  const errorId = `${id}-error`;
  const hintId = spec.hint ? `${id}-hint` : null;
  const described = [hintId, errorId].filter(Boolean).join(' ');
  const mark = spec.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null;
  const error = h('p', { class: 'error', id: errorId, 'data-error-for': spec.name });
  const hint = spec.hint ? h('p', { class: 'hint', id: hintId }, spec.hint) : null;
  const common = { name: spec.name, 'aria-describedby': described, ...(spec.attrs || {}) };
  if (spec.required) common.required = true;
  if (spec.type === 'radio') {
    const box = h(
      'fieldset',
      { 'data-field': spec.name, 'aria-describedby': described },
      h('legend', {}, spec.label, mark),
      hint,
      spec.options.map(([value, text], i) => {
        const rid = `${id}-${i}`;
        const input = h('input', {
          type: 'radio',
          id: rid,
          name: spec.name,
          value,
          required: spec.required || null,
          'aria-describedby': described,
        });
        if (spec.value !== undefined && spec.value !== null && String(spec.value) === String(value))
          input.checked = true;
        return h('span', { class: 'choice' }, input, h('label', { for: rid }, text));
      }),
      error,
    );
    return box;
  }
  let input;
  if (spec.type === 'textarea') {
    input = h('textarea', { id, rows: spec.rows || 5, ...common });
    if (spec.value) input.value = spec.value;
  } else if (spec.type === 'select') {
    input = h(
      'select',
      { id, ...common },
      spec.placeholder !== undefined ? h('option', { value: '' }, spec.placeholder) : null,
      spec.options.map(([value, text]) => h('option', { value }, text)),
    );
    if (spec.value !== undefined && spec.value !== null) input.value = String(spec.value);
  } else if (spec.type === 'checkbox') {
    input = h('input', { id, type: 'checkbox', ...common });
    input.checked = !!spec.value;
    return h(
      'div',
      { class: 'field', 'data-field': spec.name },
      h('span', { class: 'choice' }, input, h('label', { for: id }, spec.label)),
      hint,
      error,
    );
  } else {
    input = h('input', { id, type: spec.type || 'text', ...common });
    if (spec.value !== undefined && spec.value !== null) input.value = String(spec.value);
  }
  return h(
    'div',
    { class: 'field', 'data-field': spec.name },
    h('label', { for: id }, spec.label, mark),
    hint,
    input,
    error,
  );
}

// A form with an error summary, its fields and a submit button; `onsubmit`
// gets the values and may throw an ApiError, shown on the form.
export function form(spec) {
  const summary = h('div', { class: 'summary', role: 'alert', tabindex: '-1' });
  const button = h('button', { type: 'submit' }, spec.submit);
  const el = h(
    'form',
    { class: spec.class || 'card', novalidate: true, 'aria-label': spec.label || null },
    summary,
    spec.fields,
    h('div', { class: 'actions' }, button, spec.extra || null),
  );
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(el);
    const missing = requiredMissing(el);
    if (missing.length) {
      showErrors(
        el,
        missing.map((name) => ({ field: name, code: 'required' })),
      );
      return;
    }
    button.disabled = true;
    try {
      await spec.onsubmit(values(el), el);
    } catch (err) {
      if (err && err.problem) showProblem(el, err.problem);
      else showErrors(el, [{ field: '', message: String(err) }]);
    } finally {
      button.disabled = false;
    }
  });
  return el;
}

function requiredMissing(el) {
  const names = new Set();
  for (const input of el.querySelectorAll('[required]:not(:disabled)')) {
    if (input.type === 'radio') {
      if (!el.querySelector(`input[name="${CSS.escape(input.name)}"]:checked`))
        names.add(input.name);
    } else if (!String(input.value).trim()) names.add(input.name);
  }
  return [...names];
}

// The form's values by field name (checkboxes as booleans, empty as absent).
export function values(el) {
  const out = {};
  for (const input of el.querySelectorAll('input, select, textarea')) {
    if (!input.name || input.disabled) continue;
    if (input.type === 'checkbox') out[input.name] = input.checked;
    else if (input.type === 'radio') {
      if (input.checked) out[input.name] = input.value;
    } else if (input.value.trim() !== '') out[input.name] = input.value;
  }
  return out;
}

function clearErrors(el) {
  el.querySelector('.summary')?.replaceChildren();
  for (const e of el.querySelectorAll('.error')) e.textContent = '';
  for (const i of el.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
}

// A problem document on a form: each named field's error beside it, the
// rest in the summary, focus on the first.
function showProblem(el, problem) {
  const errors =
    problem.errors && problem.errors.length
      ? problem.errors
      : [
          {
            field: problem.field || '',
            code: problem.code,
            message: problem.detail || problem.title,
          },
        ];
  showErrors(el, errors, problem);
}

function showErrors(el, errors, problem) {
  const summary = el.querySelector('.summary');
  const items = [];
  let first = null;
  for (const err of errors) {
    const text = errorText(err, problem);
    const slot = err.field ? fieldSlot(el, err.field) : null;
    if (slot) {
      slot.textContent = text;
      const box = slot.closest('[data-field]');
      const inputs = box ? [...box.querySelectorAll('input, select, textarea')] : [];
      for (const i of inputs) i.setAttribute('aria-invalid', 'true');
      const input = inputs[0];
      first ||= input;
      const name = (box?.querySelector('label, legend')?.textContent || '').replace(
        /\s*\*\s*$/,
        '',
      );
      items.push(
        h(
          'li',
          {},
          h(
            'a',
            {
              href: '#',
              onclick: (e) => {
                e.preventDefault();
                input?.focus();
              },
            },
            name ? `${name}：${text}` : text,
          ),
        ),
      );
    } else {
      items.push(h('li', {}, err.field ? `${label(err.field)}: ${text}` : text));
    }
  }
  // The heading fits the error: a limit is waited out, not corrected.
  const status = problem && problem.status;
  const heading =
    status === 429
      ? t('form.wait')
      : status === 0 || status >= 500
        ? t('form.failed')
        : t('form.errors');
  const wait = problem && problem.retry_after ? countdown(problem.retry_after) : null;
  summary.replaceChildren(h('p', {}, h('strong', {}, heading)), h('ul', {}, items), wait);
  (first && !items.length ? first : summary).focus();
  announce(heading);
}

// "可在 N 秒后再试", counting down to "现在可以再试".
function countdown(seconds) {
  const el = h('p', { 'data-testid': 'retry-after' });
  const end = Date.now() + seconds * 1000;
  const show = () => {
    const left = Math.ceil((end - Date.now()) / 1000);
    el.textContent = left > 0 ? t('form.retry_in', { s: left }) : t('form.retry_now');
    return left > 0;
  };
  // Ticks while the message is on the page.
  const tick = () => {
    if (el.isConnected && show()) setTimeout(tick, 1000);
  };
  show();
  setTimeout(tick, 1000);
  return el;
}

// The error slot of a field, by the name the server gives (`submitter.phone`,
// `co_units[1]` falls back to `co_units`).
function fieldSlot(el, name) {
  const find = (n) => el.querySelector(`[data-error-for="${CSS.escape(n)}"]`);
  return find(name) || find(name.replace(/\[\d+\]$/, '')) || null;
}

// The error in the reader's words where the code is known, else as the
// server put it.
function errorText(err, problem) {
  const known = err.code && t(`error.${err.code}`, null, '');
  if (known) return known;
  if (err.message) return err.message;
  return problem ? problem.detail || problem.title : t('error.unknown');
}

export function announce(text) {
  const live = document.getElementById('live');
  if (live) {
    live.textContent = '';
    setTimeout(() => {
      live.textContent = text;
    }, 50);
  }
}

// A click handler that shows its failure beside `el` (and says it) instead of
// dropping it.
export function guarded(el, fn) {
  return async (e) => {
    el.parentNode?.querySelector(':scope > .summary[data-guard]')?.remove();
    try {
      await fn(e);
    } catch (err) {
      const box = pageError(err);
      box.dataset.guard = '';
      el.after(box);
      announce(box.textContent);
    }
  };
}

// A whole page's error (no form to show it on).
export function pageError(err) {
  const p = err && err.problem;
  const text = p ? t(`error.${p.code}`, null, '') || p.detail || p.title : String(err);
  return h(
    'div',
    { class: 'summary', role: 'alert' },
    h('p', {}, h('strong', {}, t('page.error')), ' ', text),
  );
}

// A day in China time as YYYY-MM-DD: today, or `days` from today.
export function chinaDay(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

// China time, as staff read it: 2026-12-03 14:05.
export function when(iso) {
  if (!iso) return '';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : iso;
}

export function table(given, rows, opts = {}) {
  // A column a page offers only sometimes is given as null.
  const columns = given.filter(Boolean);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      opts.caption
        ? h('caption', { class: opts.captionHidden ? 'visually-hidden' : null }, opts.caption)
        : null,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            {},
            columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.cell(r))),
          ),
        ),
      ),
    ),
  );
}

// What the next render of a case says first (an action refused because the
// case changed meanwhile): set by the action, taken once by the case page.
let flash = null;

export function notice(text) {
  flash = text;
}

export function takeNotice() {
  const said = flash;
  flash = null;
  return said;
}
