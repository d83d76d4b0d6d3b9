// Finding cases (工单查询): by a word of two characters or more, the
// tracking code, the caller's phone, status, dates and overdue, within
// what the signed-in person may read; and a caller's earlier cases
// (来电弹屏) beside the agent's intake form.

import { get, claims, query } from './api.js';
import { t, enumLabel } from './i18n.js';
import { h, field, form, table, when } from './ui.js';

const STATUSES = [
  'received',
  'screening',
  'accepted',
  'escalated',
  'handling',
  'reply_drafted',
  'awaiting_qc',
  'closed',
  'under_review',
  'rejected',
];

// The columns of a list of cases found.
function columns() {
  return [
    {
      label: t('case.tracking_code'),
      cell: (r) => h('a', { href: `#/case/${r.case_id}` }, r.tracking_code),
    },
    { label: t('case.title'), cell: (r) => r.title },
    { label: t('case.status'), cell: (r) => enumLabel('status', r.status) },
    { label: t('case.lead_unit'), cell: (r) => r.lead_unit_name || r.lead_unit || '—' },
    { label: t('case.received_at'), cell: (r) => when(r.received_at) },
    {
      label: t('case.next_due'),
      cell: (r) =>
        h(
          'span',
          {},
          r.next_due || '—',
          r.overdue ? h('span', { class: 'tag bad' }, ' ', t('case.overdue')) : null,
        ),
    },
  ];
}

const FIELDS = ['q', 'code', 'phone', 'status', 'from', 'to', 'overdue'];

export async function search(main, params) {
  const given = Object.fromEntries(FIELDS.map((k) => [k, params.get(k) || '']));
  const out = h('div', { 'aria-live': 'polite' });
  const f = form({
    class: 'card',
    label: t('search.title'),
    submit: t('search.find'),
    fields: [
      h(
        'div',
        { class: 'cols' },
        h(
          'div',
          {},
          field({ name: 'q', label: t('search.q'), hint: t('search.q.hint'), value: given.q }),
          field({ name: 'code', label: t('case.tracking_code'), value: given.code }),
          field({
            name: 'phone',
            label: t('search.phone'),
            type: 'tel',
            hint: t('search.phone.hint'),
            value: given.phone,
            attrs: { autocomplete: 'off' },
          }),
        ),
        h(
          'div',
          {},
          field({
            name: 'status',
            label: t('case.status'),
            type: 'select',
            placeholder: t('search.any'),
            options: STATUSES.map((s) => [s, enumLabel('status', s)]),
            value: given.status,
          }),
          field({ name: 'from', label: t('search.from'), type: 'date', value: given.from }),
          field({ name: 'to', label: t('search.to'), type: 'date', value: given.to }),
          field({
            name: 'overdue',
            label: t('search.overdue'),
            type: 'select',
            placeholder: t('search.any'),
            options: [
              ['true', t('search.overdue.yes')],
              ['false', t('search.overdue.no')],
            ],
            value: given.overdue,
          }),
        ),
      ),
    ],
    onsubmit: async (v) => {
      const wanted = Object.fromEntries(FIELDS.filter((k) => v[k]).map((k) => [k, v[k]]));
      const hash = `#/search${query(wanted)}`;
      if (location.hash !== hash) {
        location.hash = hash;
        return;
      }
      await show(out, wanted, params.get('cursor'));
    },
  });
  main.append(h('h1', {}, t('search.title')), f, out);
  if (FIELDS.some((k) => given[k])) f.requestSubmit();
}

async function show(out, wanted, cursor) {
  const { data } = await get(`/api/search/cases${query({ ...wanted, cursor, limit: 50 })}`);
  const c = claims();
  const csv =
    c && c.role === 'bureau'
      ? h(
          'a',
          {
            href: `/api/search/cases${query({ ...wanted, format: 'csv' })}`,
            download: 'cases.csv',
          },
          t('search.csv'),
        )
      : null;
  out.replaceChildren(
    ...[
      !data.cases.length
        ? h('p', { class: 'notice' }, t('search.none'))
        : table(columns(), data.cases, { caption: t('search.results'), captionHidden: true }),
      data.next
        ? h(
            'p',
            {},
            h('a', { href: `#/search${query({ ...wanted, cursor: data.next })}` }, t('queue.next')),
          )
        : null,
      csv ? h('p', {}, csv) : null,
    ].filter(Boolean),
  );
}

// The caller's earlier cases, drawn into `box` when the number is one.
export async function callerHistory(box, phone, onAdd) {
  const digits = (phone || '').replace(/[\s-]/g, '');
  if (digits.length < 7) {
    box.replaceChildren();
    return;
  }
  let data;
  try {
    ({ data } = await get(`/api/callers/history${query({ phone })}`));
  } catch {
    box.replaceChildren();
    return;
  }
  if (!data.cases.length) {
    box.replaceChildren(h('p', { class: 'hint' }, t('caller.none', { phone: data.phone_masked })));
    return;
  }
  const cols = columns();
  const open = new Set(data.cases.slice(0, data.open).map((r) => r.case_id));
  if (onAdd)
    cols.push({
      label: t('caller.add'),
      cell: (r) =>
        open.has(r.case_id)
          ? h(
              'button',
              { type: 'button', class: 'secondary', onclick: () => onAdd(r) },
              t('caller.add_here'),
            )
          : '—',
    });
  box.replaceChildren(
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'caller-history' },
      h('h2', { id: 'caller-history' }, t('caller.title', { phone: data.phone_masked })),
      h('p', {}, t('caller.open', { n: data.open })),
      table(cols, data.cases, {
        caption: t('caller.title', { phone: data.phone_masked }),
        captionHidden: true,
      }),
    ),
  );
}
