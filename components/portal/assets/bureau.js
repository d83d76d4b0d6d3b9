// The bureau's and supervisors' desks beyond the queues: the statistics
// dashboard (Art. 9) with its chart and CSV, hotspots (Art. 7) opened as
// rectification items, the items, and administration (the unit directory,
// next year's calendar uploaded as its JSON file).

import { get, post, call, query, claims } from './api.js';
import { t, enumLabel } from './i18n.js';
import { h, field, form, table, announce, guarded, when, chinaDay } from './ui.js';
import { barChart } from './chart.js';
import { counties } from './citizen.js';

const monthStart = () => `${chinaDay().slice(0, 8)}01`;

// A CSV answer of the API saved as a file (the token rides in a header, so
// a plain link cannot fetch it).
async function download(path, name) {
  const response = await call('GET', path, { raw: true, headers: { accept: 'text/csv' } });
  const a = h('a', { href: URL.createObjectURL(await response.blob()), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}
const isBureau = () => claims()?.role === 'bureau';

function rate(r) {
  if (!r || r.value === null || r.value === undefined) return t('stats.no_data');
  return `${(r.value * 100).toFixed(1)}%（${r.numerator}/${r.denominator}）`;
}

export async function stats(main, params) {
  const out = h('div');
  const f = form({
    class: 'card',
    label: t('stats.title'),
    submit: t('stats.show'),
    fields: [
      h(
        'div',
        { class: 'grid' },
        field({
          name: 'from',
          label: t('period.from'),
          type: 'date',
          required: true,
          value: params.get('from') || monthStart(),
        }),
        field({
          name: 'to',
          label: t('period.to'),
          type: 'date',
          required: true,
          value: params.get('to') || chinaDay(),
        }),
        field({
          name: 'group_by',
          label: t('stats.group_by'),
          type: 'select',
          value: params.get('group_by') || 'unit',
          options: ['unit', 'county', 'month', 'week'].map((g) => [g, enumLabel('group_by', g)]),
        }),
      ),
    ],
    onsubmit: async (v) => {
      const q = query({ from: v.from, to: v.to, group_by: v.group_by });
      const { data } = await get(`/api/stats${q}`);
      // A row by its name: the unit's from the directory, the county's
      // from the counties list; a week or month as it is.
      const named = Object.fromEntries((await counties()).map((c) => [c.code, c.name]));
      for (const r of data.rows || []) r.label = r.group_name || named[r.group] || r.group;
      out.replaceChildren(...figures(data, q));
    },
  });
  main.append(h('h1', {}, t('stats.title')), f, out);
  f.requestSubmit();
}

function figures(data, q) {
  const rows = data.rows || [];
  const labelOf = Object.fromEntries(rows.map((r) => [r.group, r.label]));
  const csv = h('button', { type: 'button', class: 'secondary' }, t('stats.csv'));
  csv.addEventListener(
    'click',
    guarded(csv, async () => {
      await download(`/api/stats${q}&format=csv`, `stats-${data.from}-${data.to}.csv`);
      announce(t('stats.downloaded'));
    }),
  );
  return [
    h('div', { class: 'actions' }, csv),
    h(
      'section',
      { class: 'card chart' },
      h('h2', {}, t('stats.on_time_rate')),
      barChart(
        t('stats.on_time_rate'),
        rows.map((r) => ({ label: r.label, value: r.on_time_rate.value })),
        t('stats.no_data'),
      ),
    ),
    table(
      [
        { label: t('stats.group'), cell: (r) => r.label },
        { label: t('stats.received'), num: true, cell: (r) => String(r.received) },
        { label: t('stats.accepted'), num: true, cell: (r) => String(r.accepted) },
        {
          label: t('stats.rejected'),
          num: true,
          cell: (r) => String(Object.values(r.rejected || {}).reduce((a, b) => a + b, 0)),
        },
        { label: t('stats.closed'), num: true, cell: (r) => String(r.closed) },
        { label: t('stats.closed_on_time'), num: true, cell: (r) => String(r.closed_on_time) },
        { label: t('stats.overdue'), num: true, cell: (r) => String(r.overdue) },
        { label: t('stats.on_time_rate'), num: true, cell: (r) => rate(r.on_time_rate) },
        {
          label: t('stats.qc_first_pass_rate'),
          num: true,
          cell: (r) => rate(r.qc_first_pass_rate),
        },
        { label: t('stats.satisfaction_rate'), num: true, cell: (r) => rate(r.satisfaction_rate) },
        {
          label: t('stats.citizen_satisfaction_rate'),
          num: true,
          cell: (r) => rate(r.citizen_satisfaction_rate),
        },
        { label: t('stats.complaints'), num: true, cell: (r) => String(r.complaints) },
        {
          label: t('stats.working_days'),
          num: true,
          cell: (r) =>
            r.working_days_to_close_avg.value === null
              ? t('stats.no_data')
              : r.working_days_to_close_avg.value.toFixed(1),
        },
      ],
      rows,
      { caption: t('stats.table') },
    ),
    data.attention && data.attention.length
      ? h(
          'section',
          { class: 'card' },
          h('h2', {}, t('stats.attention')),
          h(
            'ul',
            {},
            data.attention.map((a) =>
              h(
                'li',
                {},
                h('strong', {}, labelOf[a.group] || a.group),
                '：',
                a.reasons.map((r) => enumLabel('attention', r)).join('、'),
              ),
            ),
          ),
        )
      : null,
    data.ranking && data.ranking.length
      ? h(
          'section',
          { class: 'card' },
          h('h2', {}, t('stats.ranking')),
          h(
            'ol',
            {},
            data.ranking.map((g) => h('li', {}, labelOf[g] || g)),
          ),
        )
      : null,
  ].filter(Boolean);
}

export async function hotspots(main, params) {
  const out = h('div');
  const from = params.get('from') || chinaDay(-90);
  const f = form({
    class: 'card',
    label: t('hotspots.title'),
    submit: t('hotspots.find'),
    fields: [
      h(
        'div',
        { class: 'grid' },
        field({ name: 'from', label: t('period.from'), type: 'date', required: true, value: from }),
        field({
          name: 'to',
          label: t('period.to'),
          type: 'date',
          required: true,
          value: params.get('to') || chinaDay(),
        }),
      ),
    ],
    onsubmit: async (v) => {
      const { data } = await get(`/api/hotspots${query({ from: v.from, to: v.to })}`);
      out.replaceChildren(
        !data.hotspots.length
          ? h('p', { class: 'notice' }, t('hotspots.none'))
          : h(
              'div',
              {},
              data.hotspots.map((s, i) => hotspot(s, i)),
            ),
      );
    },
  });
  main.append(h('h1', {}, t('hotspots.title')), f, out);
  f.requestSubmit();
}

function hotspot(s, i) {
  const id = `hotspot-${i}`;
  const box = h(
    'section',
    { class: 'card', 'aria-labelledby': id, 'data-testid': 'hotspot' },
    h(
      'h2',
      { id },
      t('hotspots.cluster', { n: s.size }),
      s.places && s.places.length ? `：${s.places.join('、')}` : '',
    ),
    h(
      'p',
      {},
      t('hotspots.growth', { earlier: s.earlier, recent: s.recent, growth: s.growth }),
      ' ',
      t('hotspots.units'),
      s.units.join('、'),
    ),
    table(
      [
        { label: t('case.title'), cell: (c) => h('a', { href: `#/case/${c.case_id}` }, c.title) },
        { label: t('case.lead_unit'), cell: (c) => c.unit || '—' },
        { label: t('case.received_at'), cell: (c) => c.received_on },
      ],
      s.cases,
      { caption: t('hotspots.cases'), captionHidden: true },
    ),
  );
  if (isBureau()) {
    const done = h('div');
    const f = form({
      class: 'card',
      label: t('rect.open'),
      submit: t('rect.open'),
      fields: [
        h('h3', {}, t('rect.open')),
        field({
          name: 'title',
          label: t('rect.title_field'),
          required: true,
          value: `${(s.places || []).join('、')}${t('rect.default_title')}`,
          attrs: { maxlength: 200 },
        }),
        field({
          name: 'owner',
          label: t('rect.owner'),
          required: true,
          value: s.units[0] || '',
          attrs: { maxlength: 64 },
        }),
        field({ name: 'due_date', label: t('rect.due_date'), type: 'date', required: true }),
        field({
          name: 'note',
          label: t('rect.note'),
          type: 'textarea',
          attrs: { maxlength: 5000 },
        }),
      ],
      onsubmit: async (v, el) => {
        const body = {
          title: v.title,
          owner: v.owner,
          due_date: v.due_date,
          cases: s.cases.map((c) => c.case_id),
        };
        if (v.note) body.note = v.note;
        const { data } = await post('/api/rectifications', body);
        el.hidden = true;
        done.replaceChildren(
          h(
            'p',
            { class: 'success', tabindex: '-1' },
            t('rect.opened'),
            ' ',
            h('a', { href: `#/rectifications/${data.id}` }, data.title),
          ),
        );
        done.firstChild.focus();
        announce(t('rect.opened'));
      },
    });
    box.append(h('details', {}, h('summary', {}, t('rect.open')), f), done);
  }
  return box;
}

export async function rectifications(main, id) {
  if (id) return rectification(main, id);
  const { data } = await get('/api/rectifications');
  main.append(
    h('h1', {}, t('rect.list')),
    !data.length
      ? h('p', { class: 'notice' }, t('rect.none'))
      : table(
          [
            {
              label: t('rect.title_field'),
              cell: (r) => h('a', { href: `#/rectifications/${r.id}` }, r.title),
            },
            { label: t('rect.owner'), cell: (r) => r.owner },
            { label: t('rect.due_date'), cell: (r) => r.due_date },
            { label: t('rect.status'), cell: (r) => enumLabel('rect_status', r.status) },
            { label: t('rect.cases'), num: true, cell: (r) => String(r.cases.length) },
          ],
          data,
          { caption: t('rect.list'), captionHidden: true },
        ),
  );
}

async function rectification(main, id) {
  const { data } = await get(`/api/rectifications/${encodeURIComponent(id)}`);
  const c = claims();
  const members = (period) =>
    period && period.cases.length
      ? table(
          [
            {
              label: t('case.title'),
              cell: (m) => h('a', { href: `#/case/${m.case_id}` }, m.title),
            },
            { label: t('case.lead_unit'), cell: (m) => m.unit || '—' },
            { label: t('case.received_at'), cell: (m) => m.received_on },
          ],
          period.cases,
          { caption: t('rect.cases'), captionHidden: true },
        )
      : null;
  main.append(
    h('h1', {}, data.title),
    h(
      'dl',
      { class: 'facts card', 'data-testid': 'rectification' },
      h('dt', {}, t('rect.owner')),
      h('dd', {}, data.owner),
      h('dt', {}, t('rect.due_date')),
      h('dd', {}, data.due_date),
      h('dt', {}, t('rect.status')),
      h('dd', {}, enumLabel('rect_status', data.status)),
      h('dt', {}, t('rect.opened_by')),
      h('dd', {}, `${data.opened_by} ${when(data.opened_at)}`),
    ),
    h(
      'div',
      { class: 'cols' },
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('rect.before'), `（${data.before ? data.before.count : 0}）`),
        members(data.before),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('rect.after'), `（${data.after ? data.after.count : 0}）`),
        members(data.after),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('rect.history')),
      h(
        'ol',
        { class: 'timeline' },
        (data.history || []).map((n) =>
          h(
            'li',
            {},
            h('strong', {}, when(n.at)),
            ' ',
            n.by,
            n.status ? ` · ${enumLabel('rect_status', n.status)}` : '',
            n.due_date ? ` · ${t('rect.due_date')} ${n.due_date}` : '',
            n.note ? ` · ${n.note}` : '',
          ),
        ),
      ),
    ),
  );
  // The owner unit reports progress; the bureau also moves the due date or
  // reopens; supervisors read.
  const owner = c && c.role === 'unit' && c.unit === data.owner;
  if (owner || (c && c.role === 'bureau')) {
    const statuses = owner ? ['in_progress', 'done'] : ['open', 'in_progress', 'done'];
    main.append(
      form({
        label: t('rect.update'),
        submit: t('rect.update'),
        fields: [
          h('h2', {}, t('rect.update')),
          field({
            name: 'status',
            label: t('rect.status'),
            type: 'select',
            placeholder: t('rect.keep'),
            options: statuses.map((x) => [x, enumLabel('rect_status', x)]),
          }),
          c.role === 'bureau'
            ? field({ name: 'due_date', label: t('rect.due_date'), type: 'date' })
            : null,
          field({
            name: 'note',
            label: t('rect.note'),
            type: 'textarea',
            attrs: { maxlength: 5000 },
          }),
        ],
        onsubmit: async (v) => {
          const body = {};
          for (const k of ['status', 'due_date', 'note']) if (v[k]) body[k] = v[k];
          await call('PATCH', `/api/rectifications/${encodeURIComponent(id)}`, { body });
          announce(t('rect.updated'));
          window.dispatchEvent(new HashChangeEvent('hashchange'));
        },
      }),
    );
  }
}

export async function admin(main) {
  main.append(h('h1', {}, t('admin.title')));
  if (isBureau()) main.append(calendarUpload());
  main.append(await rulesEditor());
  const { data } = await get('/api/admin/units');
  main.append(
    h('h2', {}, t('admin.units')),
    table(
      [
        { label: t('unit.id'), cell: (u) => u.id },
        { label: t('unit.name'), cell: (u) => u.name },
        { label: t('case.county'), cell: (u) => u.county },
        { label: t('unit.type'), cell: (u) => u.unit_type },
        {
          label: t('unit.retired'),
          cell: (u) =>
            h(
              'span',
              {},
              u.retired_at ? when(u.retired_at) : '—',
              isBureau() ? [' ', retireButton(u)] : null,
            ),
        },
      ],
      data,
      { caption: t('admin.units'), captionHidden: true },
    ),
  );
  if (isBureau()) main.append(addUnit());
}

// Retire a unit (it gets no new cases; its cases stay readable) or take it
// back into service.
function retireButton(u) {
  const button = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'aria-label': `${u.retired_at ? t('unit.reinstate') : t('unit.retire')} ${u.name}`,
    },
    u.retired_at ? t('unit.reinstate') : t('unit.retire'),
  );
  // Retiring asks first: the first press asks, the second retires.
  let asked = false;
  button.addEventListener(
    'click',
    guarded(button, async () => {
      if (!u.retired_at && !asked) {
        asked = true;
        button.textContent = t('unit.retire_confirm', { name: u.name });
        button.setAttribute('aria-label', button.textContent);
        announce(button.textContent);
        return;
      }
      await call('PUT', `/api/admin/units/${encodeURIComponent(u.id)}`, {
        body: { retired: !u.retired_at },
      });
      announce(t('rect.updated'));
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    }),
  );
  return button;
}

const FAMILIES = ['deadlines', 'filter', 'routing', 'intake', 'reminder'];

// A family of the county's rules as the API gives it (the JSON of
// shared/config/<family>.json), its version and history; the bureau edits
// and saves it, and it is in force at once (the API checks it, naming the
// field at fault).
async function rulesEditor() {
  const box = h(
    'section',
    { class: 'card', 'aria-labelledby': 'rules-h' },
    h('h2', { id: 'rules-h' }, t('admin.rules')),
  );
  const slot = h('div');
  const show = async (family) => {
    const { data } = await get(`/api/admin/rules/${family}`);
    const history = (data.history || []).slice(0, 10);
    const parts = [
      // What the family decides, in Chinese (the file's own `about` is
      // the maintainers' English).
      h('p', { 'data-testid': 'rules-about' }, t(`admin.rules.about.${family}`)),
      h(
        'p',
        { class: 'hint' },
        t('admin.rules.version', { version: data.version ?? '—' }),
        data.county_set ? '' : ` ${t('admin.rules.shipped')}`,
      ),
      history.length
        ? h(
            'ul',
            {},
            history.map((c) =>
              h(
                'li',
                {},
                Object.values(c)
                  .filter((x) => typeof x === 'string' || typeof x === 'number')
                  .join(' · '),
              ),
            ),
          )
        : null,
    ];
    if (isBureau()) {
      parts.push(
        form({
          class: '',
          label: t('admin.rules'),
          submit: t('admin.rules.save'),
          fields: [
            field({
              name: 'body',
              label: t('admin.rules.body', { family }),
              type: 'textarea',
              required: true,
              rows: 16,
              value: JSON.stringify(data.rules, null, 2),
              attrs: { spellcheck: 'false' },
            }),
          ],
          onsubmit: async (v) => {
            let body;
            try {
              body = JSON.parse(v.body);
            } catch {
              throw {
                problem: {
                  code: 'malformed_json',
                  field: 'body',
                  title: t('error.malformed_json'),
                },
              };
            }
            await call('PUT', `/api/admin/rules/${family}`, { body });
            announce(t('admin.rules.saved'));
            await show(family);
          },
        }),
      );
    } else {
      parts.push(
        h(
          'pre',
          { class: 'pre', tabindex: '0', 'aria-label': t('admin.rules.body', { family }) },
          JSON.stringify(data.rules, null, 2),
        ),
      );
    }
    slot.replaceChildren(...parts.filter(Boolean));
  };
  const choose = field({
    name: 'family',
    label: t('admin.rules.family'),
    type: 'select',
    value: 'routing',
    options: FAMILIES.map((f) => [f, enumLabel('family', f)]),
  });
  choose.querySelector('select').addEventListener(
    'change',
    guarded(choose, (e) => show(e.target.value)),
  );
  box.append(choose, slot);
  await show('routing');
  return box;
}

// The audit trail (the bureau): who read personal data in the clear, and
// every change of rules and units; CSV of the same.
export async function audit(main, params) {
  const out = h('div');
  const f = form({
    class: 'card',
    label: t('audit.title'),
    submit: t('audit.show'),
    fields: [
      h(
        'div',
        { class: 'grid' },
        field({
          name: 'kind',
          label: t('audit.kind'),
          type: 'select',
          placeholder: t('audit.all'),
          options: ['personal_data', 'personal_search', 'rules', 'units', 'staff', 'sign_in'].map(
            (k) => [k, enumLabel('audit_kind', k)],
          ),
        }),
        field({ name: 'from', label: t('period.from'), type: 'date' }),
        field({ name: 'to', label: t('period.to'), type: 'date' }),
      ),
    ],
    onsubmit: async (v) => {
      const q = query({
        kind: v.kind,
        from: v.from,
        to: v.to,
        limit: 100,
        cursor: params.get('cursor'),
      });
      const { data } = await get(`/api/audit${q}`);
      const csv = h('button', { type: 'button', class: 'secondary' }, t('stats.csv'));
      csv.addEventListener(
        'click',
        guarded(csv, async () => {
          await download(`/api/audit${q}${q ? '&' : '?'}format=csv`, 'audit.csv');
        }),
      );
      out.replaceChildren(
        h('div', { class: 'actions' }, csv),
        !data.entries.length
          ? h('p', { class: 'notice' }, t('audit.none'))
          : table(
              [
                { label: t('history.at'), cell: (e) => when(e.at) },
                { label: t('audit.kind'), cell: (e) => enumLabel('audit_kind', e.kind) },
                {
                  label: t('history.who'),
                  cell: (e) =>
                    [
                      e.name || t(`enum.audit_subject.${e.subject}`, {}, e.subject),
                      e.unit_name || e.unit || (e.role && enumLabel('role', e.role)),
                    ]
                      .filter(Boolean)
                      .join(' · '),
                },
                {
                  label: t('case.tracking_code'),
                  cell: (e) =>
                    e.case_id ? h('a', { href: `#/case/${e.case_id}` }, `#${e.case_id}`) : '—',
                },
                { label: t('history.details'), cell: (e) => e.what },
              ],
              data.entries,
              { caption: t('audit.title'), captionHidden: true },
            ),
      );
    },
  });
  main.append(h('h1', {}, t('audit.title')), f, out);
  f.requestSubmit();
}

function addUnit() {
  return form({
    label: t('unit.add'),
    submit: t('unit.add'),
    fields: [
      h('h2', {}, t('unit.add')),
      h(
        'div',
        { class: 'grid' },
        field({
          name: 'id',
          label: t('unit.id'),
          required: true,
          hint: t('field.unit.hint'),
          attrs: { maxlength: 64 },
        }),
        field({ name: 'name', label: t('unit.name'), required: true, attrs: { maxlength: 100 } }),
        field({
          name: 'county',
          label: t('case.county'),
          required: true,
          attrs: { maxlength: 9, inputmode: 'numeric' },
        }),
        field({
          name: 'unit_type',
          label: t('unit.type'),
          required: true,
          hint: t('unit.type.hint'),
          attrs: { maxlength: 40 },
        }),
      ),
    ],
    onsubmit: async (v) => {
      await post('/api/admin/units', {
        id: v.id,
        name: v.name,
        county: v.county,
        unit_type: v.unit_type,
      });
      announce(t('rect.updated'));
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    },
  });
}

function calendarUpload() {
  const done = h('div', { 'aria-live': 'polite' });
  const f = form({
    class: 'card',
    label: t('admin.calendar'),
    submit: t('admin.calendar.load'),
    fields: [
      h('h2', {}, t('admin.calendar')),
      h('p', { class: 'hint' }, t('admin.calendar.text')),
      field({
        name: 'file',
        label: t('admin.calendar.file'),
        type: 'file',
        required: true,
        attrs: { accept: 'application/json,.json' },
      }),
    ],
    onsubmit: async (v, el) => {
      const file = el.querySelector('input[type=file]').files[0];
      let body;
      try {
        body = JSON.parse(await file.text());
      } catch {
        throw {
          problem: { code: 'malformed_json', field: 'file', title: t('error.malformed_json') },
        };
      }
      const year = body && body.year;
      if (!Number.isInteger(year))
        throw {
          problem: { code: 'invalid_field', field: 'file', title: t('admin.calendar.no_year') },
        };
      await call('PUT', `/api/admin/calendar/${year}`, { body });
      done.replaceChildren(
        h('p', { class: 'success', tabindex: '-1' }, t('admin.calendar.loaded', { year })),
      );
      done.firstChild.focus();
      announce(t('admin.calendar.loaded', { year }));
    },
  });
  return h('div', {}, f, done);
}
