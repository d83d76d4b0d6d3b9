// The staff pages: sign-in, the unit's inbox and the bureau's
// queues, and the case page (deadlines on a timeline, the history, the
// reply, and exactly the buttons `allowed_actions` lists).

import { get, post, query, setToken, claims, loadMe } from './api.js';
import { t, enumLabel } from './i18n.js';
import { h, field, form, when, table, announce, guarded, chinaDay, takeNotice } from './ui.js';
import { actionPanel } from './actions.js';
import { batchTools } from './batch.js';
import { history } from './history.js';
import { counties } from './citizen.js';
import { enrolment } from './people.js';

// The sign-in page offers what this instance has: the city's sign-on when
// it is configured; username, password and
// 动态口令 once local accounts exist; the first bureau person's bootstrap
// while it is open; the demo token box only on a development instance.
export async function signin(main, go) {
  const c = claims();
  let methods = { sign_on: false, password: false, bootstrap: false, development: false };
  try {
    methods = (await get('/auth/methods', { staff: false })).data;
  } catch {
    // Not reachable from here (a development instance elsewhere): nothing to offer.
  }
  main.append(
    h('h1', {}, t('signin.title')),
    c ? h('p', { class: 'notice' }, t('signin.already', { name: c.display_name })) : null,
  );
  // The sign-on is a link, not a form: the portal's CSP lets forms post
  // only to the portal itself.
  if (methods.sign_on) {
    main.append(
      h('h2', {}, t('signin.sign_on.title')),
      h('p', {}, t('signin.sign_on.intro')),
      h(
        'p',
        {},
        h(
          'a',
          { href: '/auth/login', class: 'button', 'data-testid': 'sign-on' },
          t('signin.sign_on'),
        ),
      ),
    );
  }
  if (methods.password) {
    main.append(
      passwordForm(go),
      h('p', {}, h('a', { href: '#/first-signin' }, t('signin.first'))),
    );
  }
  if (methods.bootstrap) main.append(bootstrapForm());
  if (methods.development) main.append(tokenForm(go), devTokens(go));
  if (!methods.sign_on && !methods.password && !methods.bootstrap && !methods.development)
    main.append(h('p', { class: 'notice' }, t('signin.none')));
}

async function signedIn(go) {
  await loadMe();
  announce(t('signin.done'));
  go(home());
}

function passwordForm(go) {
  return form({
    label: t('signin.password.title'),
    submit: t('signin.go'),
    fields: [
      h('h2', {}, t('signin.password.title')),
      field({
        name: 'username',
        label: t('signin.username'),
        required: true,
        attrs: { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' },
      }),
      field({
        name: 'password',
        label: t('signin.password'),
        type: 'password',
        required: true,
        attrs: { autocomplete: 'current-password' },
      }),
      field({
        name: 'totp',
        label: t('signin.totp'),
        hint: t('signin.totp.hint'),
        attrs: { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6' },
      }),
      field({
        name: 'recovery_code',
        label: t('signin.recovery'),
        hint: t('signin.recovery.hint'),
        attrs: { autocomplete: 'off', spellcheck: 'false' },
      }),
    ],
    onsubmit: async (v) => {
      const body = { username: v.username, password: v.password };
      if (v.totp) body.totp = v.totp.trim();
      else if (v.recovery_code) body.recovery_code = v.recovery_code.trim();
      setToken('');
      try {
        await post('/auth/password', body, { staff: false });
      } catch (err) {
        if (err.problem && err.problem.code === 'password_change_required') {
          go('#/first-signin');
          return;
        }
        throw err;
      }
      await signedIn(go);
    },
  });
}

function bootstrapForm() {
  const box = h('section', { class: 'card' });
  const f = form({
    label: t('bootstrap.title'),
    submit: t('bootstrap.go'),
    class: 'plain',
    fields: [
      field({
        name: 'code',
        label: t('bootstrap.code'),
        hint: t('bootstrap.code.hint'),
        required: true,
        attrs: { autocomplete: 'off' },
      }),
      field({
        name: 'username',
        label: t('signin.username'),
        hint: t('people.id.hint'),
        required: true,
        attrs: { autocomplete: 'username', autocapitalize: 'none' },
      }),
      field({ name: 'display_name', label: t('people.name'), required: true }),
      field({
        name: 'password',
        label: t('signin.new_password'),
        hint: t('signin.new_password.hint'),
        type: 'password',
        required: true,
        attrs: { autocomplete: 'new-password' },
      }),
    ],
    onsubmit: async (v) => {
      const { data } = await post('/auth/bootstrap', v, { staff: false });
      box.replaceChildren(enrolment(data));
    },
  });
  box.append(h('h2', {}, t('bootstrap.title')), h('p', {}, t('bootstrap.text')), f);
  return box;
}

function tokenForm(go) {
  return form({
    label: t('signin.token.title'),
    submit: t('signin.token.go'),
    fields: [
      h('h2', {}, t('signin.token.title')),
      h('p', { class: 'hint' }, t('signin.intro')),
      field({
        name: 'token',
        label: t('signin.token'),
        type: 'textarea',
        required: true,
        rows: 4,
        hint: t('signin.token.hint'),
        attrs: { spellcheck: 'false', autocomplete: 'off' },
      }),
    ],
    onsubmit: async (v) => {
      setToken(v.token.trim());
      if (!(await loadMe())) {
        setToken('');
        throw { problem: { code: 'bad_token', field: 'token', title: t('error.bad_token') } };
      }
      announce(t('signin.done'));
      go(home());
    },
  });
}

// On a development instance (no sign-on configured), a demo token for a
// role, as `scripts/demo-token.sh` gets it; elsewhere the server refuses.
function devTokens(go) {
  const box = h('details', { class: 'card' });
  const f = form({
    label: t('dev.title'),
    submit: t('dev.go'),
    fields: [
      field({
        name: 'role',
        label: t('dev.role'),
        type: 'select',
        required: true,
        options: ['bureau', 'unit', 'agent', 'supervisor'].map((r) => [r, enumLabel('role', r)]),
      }),
      field({ name: 'unit', label: t('dev.unit'), hint: t('dev.unit.hint') }),
      field({ name: 'leader', label: t('dev.leader'), type: 'checkbox' }),
    ],
    onsubmit: async (v) => {
      const body = { role: v.role };
      if (v.unit) body.unit = v.unit;
      if (v.leader) body.leader = true;
      let answer;
      try {
        answer = await post('/api/dev/tokens', body, { staff: false });
      } catch (err) {
        // Not a development instance: the form has nothing to offer.
        if (err.status === 404) box.replaceChildren(h('p', { class: 'notice' }, t('dev.none')));
        throw err;
      }
      setToken(answer.data.token);
      await loadMe();
      go(home());
    },
  });
  // A unit and the leader's claim are for unit staff only.
  const show = () => {
    const unit = f.querySelector('[name="role"]').value === 'unit';
    for (const name of ['unit', 'leader']) {
      const field = f.querySelector(`[data-field="${name}"]`);
      field.hidden = !unit;
      for (const i of field.querySelectorAll('input')) i.disabled = !unit;
    }
  };
  f.addEventListener('change', show);
  show();
  box.append(h('summary', {}, t('dev.title')), h('p', { class: 'hint' }, t('dev.text')), f);
  return box;
}

// Where a role starts.
export function home() {
  const c = claims();
  if (!c) return '#/signin';
  if (c.role === 'unit') return '#/inbox';
  if (c.role === 'agent') return '#/intake';
  if (c.role === 'scheduler') return '#/';
  return '#/queue/screening';
}

const QUEUES = [
  'screening',
  'triage',
  'returned',
  'escalated',
  'stuck',
  'qc',
  'overdue',
  'follow_up',
  'review',
  'rejected',
  'unseen',
];

export async function inbox(main, queue, params) {
  const c = claims();
  const isUnit = c && c.role === 'unit';
  main.append(h('h1', {}, isUnit ? t('inbox.title') : t('queue.title')));
  if (!isUnit) {
    main.append(
      h(
        'nav',
        { class: 'tabs', 'aria-label': t('queue.title') },
        QUEUES.map((q) =>
          h(
            'a',
            { href: `#/queue/${q}`, 'aria-current': q === queue ? 'page' : null },
            enumLabel('queue', q),
          ),
        ),
      ),
    );
  }
  if (queue === 'unseen') return unseen(main, params);
  const flash = takeNotice();
  if (flash && typeof flash !== 'string') main.append(flash);
  const cursor = params.get('cursor');
  const { data } = await get(
    `/api/inbox${query({ queue: isUnit ? null : queue, cursor, limit: 50 })}`,
  );
  if (isUnit) main.append(h('p', {}, t('inbox.intro')));
  if (!data.cases.length) {
    main.append(h('p', { class: 'notice' }, t('queue.empty')));
    return;
  }
  const today = chinaDay();
  const again = () => {
    main.replaceChildren();
    inbox(main, queue, params);
  };
  const batch = batchTools(data.cases, isUnit ? null : queue, again);
  if (batch.bar) main.append(batch.bar);
  main.append(
    table(
      [
        batch.column,
        {
          label: t('case.tracking_code'),
          cell: (r) => h('a', { href: `#/case/${r.case_id}` }, r.tracking_code),
        },
        { label: t('case.title'), cell: (r) => r.title },
        {
          label: t('case.state'),
          cell: (r) =>
            h(
              'span',
              { 'data-testid': 'state' },
              r.state ? enumLabel('desk_state', r.state) : enumLabel('status', r.status),
            ),
        },
        queue === 'returned'
          ? {
              label: t('case.returned_by'),
              cell: (r) =>
                r.returned
                  ? h(
                      'span',
                      {},
                      r.returned.unit_name || r.returned.unit,
                      h('br'),
                      h('span', { class: 'hint' }, r.returned.reason),
                    )
                  : '—',
            }
          : {
              label: t('case.lead_unit'),
              cell: (r) => r.lead_unit_name || r.lead_unit || '—',
            },
        {
          label: t('case.next_due'),
          cell: (r) =>
            h(
              'span',
              {},
              r.next_due || '—',
              r.working_days_left === null || r.working_days_left === undefined
                ? null
                : h(
                    'span',
                    { class: 'hint' },
                    ' ',
                    r.working_days_left < 0
                      ? t('case.days_late', { n: -r.working_days_left })
                      : t('case.days_left', { n: r.working_days_left }),
                  ),
              r.overdue ? h('span', { class: 'tag bad' }, ' ', t('case.overdue')) : null,
              !r.overdue && r.next_due === today
                ? h('span', { class: 'tag warn' }, ' ', t('case.due_today'))
                : null,
            ),
        },
        { label: t('case.urge_notices'), num: true, cell: (r) => String(r.urge_notices) },
      ],
      data.cases,
      { caption: isUnit ? t('inbox.title') : enumLabel('queue', queue), captionHidden: true },
    ),
  );
  if (data.next) {
    const base = isUnit ? '#/inbox' : `#/queue/${queue}`;
    main.append(
      h(
        'p',
        {},
        h('a', { href: `${base}?cursor=${encodeURIComponent(data.next)}` }, t('queue.next')),
      ),
    );
  }
}

async function unseen(main, params) {
  const date = params.get('date') || chinaDay();
  const out = h('div');
  const f = form({
    class: 'card',
    label: t('unseen.title'),
    submit: t('unseen.look'),
    fields: [
      field({ name: 'date', label: t('unseen.date'), type: 'date', required: true, value: date }),
    ],
    onsubmit: async (v) => {
      const { data } = await get(`/api/inbox${query({ queue: 'unseen', date: v.date })}`);
      out.replaceChildren(
        !data.working_day
          ? h('p', { class: 'notice' }, t('unseen.day_off'))
          : !data.units.length
            ? h('p', { class: 'notice' }, t('unseen.none'))
            : table(
                [
                  { label: t('unit.id'), cell: (u) => u.unit_id },
                  { label: t('unit.name'), cell: (u) => u.name },
                  { label: t('case.county'), cell: (u) => u.county },
                ],
                data.units,
                { caption: t('unseen.title'), captionHidden: true },
              ),
      );
    },
  });
  main.append(f, out);
  f.requestSubmit();
}

// A clear read asked for in the unmask dialog: used by the next render of
// that case only, kept in memory (not in the address, where every reload
// and language switch would read — and audit — again).
let unmaskOnce = null;
export async function casePage(main, id) {
  const wanted = unmaskOnce && unmaskOnce.id === String(id) ? unmaskOnce : null;
  unmaskOnce = null;
  const said = takeNotice();
  const unmask = !!wanted;
  const purpose = wanted ? wanted.purpose : null;
  const { data, etag } = await get(
    `/api/cases/${encodeURIComponent(id)}${query({ unmask: unmask ? 'true' : null, purpose })}`,
  );
  const c = claims();
  const names = data.unit_names || {};
  const unitName = (id) => (id ? names[id] || id : null);
  const county = (await counties()).find((x) => x.code === data.county);
  const countyName = county && county.name ? county.name : data.county;
  const reload = () => {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  };
  main.append(
    said ? h('div', { class: 'summary', role: 'alert' }, said) : null,
    h('h1', {}, data.title),
    h(
      'p',
      {},
      h('span', { class: 'code' }, data.tracking_code),
      ' ',
      h('span', { class: 'tag', 'data-testid': 'case-status' }, enumLabel('status', data.status)),
    ),
    h(
      'div',
      { class: 'cols' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'case-facts' },
        h('h2', { id: 'case-facts' }, t('case.facts')),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, t('case.kind')),
          h('dd', {}, enumLabel('kind', data.kind)),
          h('dt', {}, t('case.channel')),
          h('dd', {}, enumLabel('channel', data.channel)),
          data.mode
            ? [h('dt', {}, t('case.mode')), h('dd', {}, enumLabel('mode', data.mode))]
            : null,
          h('dt', {}, t('case.county')),
          h('dd', {}, countyName),
          h('dt', {}, t('case.received_at')),
          h('dd', {}, when(data.received_at)),
          h('dt', {}, t('case.lead_unit')),
          h('dd', {}, unitName(data.lead_unit) || '—'),
          data.co_units && data.co_units.length
            ? [h('dt', {}, t('case.co_units')), h('dd', {}, data.co_units.map(unitName).join('、'))]
            : null,
          h('dt', {}, t('case.content')),
          h('dd', {}, data.content),
        ),
        submitter(data, unmask, c),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'case-deadlines' },
        h('h2', { id: 'case-deadlines' }, t('case.deadlines')),
        deadlines(data.deadlines || []),
        data.rejection
          ? h(
              'div',
              { class: 'notice' },
              h(
                'h3',
                {},
                data.status === 'screening' ? t('case.rejection_proposed') : t('case.rejection'),
                ' ',
                t('track.category', { n: data.rejection.category }),
              ),
              h('p', {}, data.rejection.reason),
              data.rejection.referral
                ? h('p', {}, t('track.referral'), ' ', data.rejection.referral)
                : null,
            )
          : null,
        urgeNotices(data, c, reload),
      ),
    ),
    replySection(data),
    ratings(data.ratings || []),
    actionPanel(data, etag, reload),
    history(data.events || [], data.unit_names || {}),
  );
}

function submitter(data, unmask, c) {
  const s = data.submitter;
  if (!s) return h('p', { class: 'hint' }, t('case.no_personal_data'));
  const box = h(
    'section',
    { 'aria-labelledby': 'submitter-h' },
    h('h3', { id: 'submitter-h' }, t('case.submitter')),
    h(
      'dl',
      { class: 'facts', 'data-testid': 'submitter' },
      h('dt', {}, t('submitter.name')),
      h('dd', {}, s.name),
      h('dt', {}, t('submitter.phone')),
      h('dd', {}, s.phone),
      s.address ? [h('dt', {}, t('submitter.address')), h('dd', {}, s.address)] : null,
      s.id_number ? [h('dt', {}, t('submitter.id_number')), h('dd', {}, s.id_number)] : null,
    ),
  );
  const mayUnmask = c && (c.role === 'bureau' || (c.role === 'unit' && c.unit === data.lead_unit));
  if (!unmask && mayUnmask) box.append(unmaskDialog(data.case_id));
  if (unmask) box.append(h('p', { class: 'hint' }, t('unmask.shown')));
  return box;
}

function unmaskDialog(id) {
  const dialog = h('dialog', { 'aria-labelledby': 'unmask-h' });
  const f = form({
    class: '',
    label: t('unmask.title'),
    submit: t('unmask.go'),
    fields: [
      h('h2', { id: 'unmask-h' }, t('unmask.title')),
      h('p', {}, t('unmask.text')),
      field({
        name: 'purpose',
        label: t('unmask.purpose'),
        required: true,
        attrs: { maxlength: 200 },
      }),
    ],
    extra: h(
      'button',
      { type: 'button', class: 'secondary', onclick: () => dialog.close() },
      t('form.cancel'),
    ),
    onsubmit: async (v) => {
      dialog.close();
      unmaskOnce = { id: String(id), purpose: v.purpose };
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    },
  });
  dialog.append(f);
  const open = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: () => {
        dialog.showModal();
        dialog.querySelector('input')?.focus();
      },
    },
    t('unmask.open'),
  );
  return h('div', { class: 'actions' }, open, dialog);
}

function deadlines(list) {
  if (!list.length) return h('p', { class: 'hint' }, t('case.no_deadlines'));
  return h(
    'ol',
    { class: 'timeline', 'aria-label': t('case.deadlines') },
    list.map((d) => {
      const state = d.superseded ? 'superseded' : d.met_at ? 'met' : d.overdue ? 'overdue' : '';
      return h(
        'li',
        { class: state },
        h('strong', {}, enumLabel('milestone', d.milestone)),
        ' ',
        d.due,
        d.verified ? null : h('span', { class: 'tag warn' }, ' ', t('case.unverified')),
        d.met_at ? h('span', { class: 'tag ok' }, ' ', t('case.met'), ' ', when(d.met_at)) : null,
        !d.met_at && d.overdue ? h('span', { class: 'tag bad' }, ' ', t('case.overdue')) : null,
        d.superseded ? h('span', { class: 'visually-hidden' }, t('case.superseded')) : null,
      );
    }),
  );
}

function urgeNotices(data, c, reload) {
  const list = data.urge_notices || [];
  if (!list.length) return null;
  return h(
    'section',
    {},
    h('h3', {}, t('case.urge_notices')),
    h(
      'ul',
      {},
      list.map((n) =>
        h(
          'li',
          {},
          enumLabel('urge_level', n.level),
          ' ',
          when(n.issued_at),
          n.milestone ? ` ${enumLabel('milestone', n.milestone)}` : '',
          n.owner ? ` → ${n.owner}` : '',
          ' ',
          n.acknowledged_at
            ? h(
                'span',
                { class: 'tag ok' },
                ' ',
                t('urge.acknowledged'),
                ' ',
                when(n.acknowledged_at),
              )
            : c && c.role === 'unit' && c.unit === n.unit
              ? ackButton(n, reload)
              : null,
        ),
      ),
    ),
  );
}

function ackButton(n, reload) {
  const button = h('button', { type: 'button', class: 'secondary' }, t('urge.ack'));
  button.addEventListener(
    'click',
    guarded(button, async () => {
      await post(`/api/urge-notices/${n.id}/ack`, undefined);
      announce(t('urge.acknowledged'));
      reload();
    }),
  );
  return button;
}

function replySection(data) {
  const r = data.reply;
  const rounds = data.qc_rounds || [];
  if (!r && !rounds.length) return null;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'reply-h' },
    h('h2', { id: 'reply-h' }, t('reply.title')),
    h(
      'div',
      { class: 'cols' },
      // The demand beside the reply: what the QC desk checks one against.
      h('div', {}, h('h3', {}, t('reply.demand')), h('p', { class: 'pre' }, data.content)),
      r
        ? h(
            'dl',
            { class: 'facts', 'data-testid': 'reply' },
            h('dt', {}, t('reply.round')),
            h('dd', {}, String(r.round)),
            h('dt', {}, t('reply.text')),
            h('dd', {}, r.text),
            r.drafted_text
              ? [h('dt', {}, t('reply.drafted_text')), h('dd', {}, r.drafted_text)]
              : null,
            r.adoption
              ? [
                  h('dt', {}, t('reply.adoption')),
                  h(
                    'dd',
                    {},
                    enumLabel('adoption', r.adoption),
                    r.adoption_reason ? `（${r.adoption_reason}）` : '',
                  ),
                ]
              : null,
            h('dt', {}, t('reply.drafted_at')),
            h('dd', {}, when(r.drafted_at)),
            r.leader_review
              ? [
                  h('dt', {}, t('reply.leader_review')),
                  h(
                    'dd',
                    {},
                    r.leader_review.approved ? t('reply.approved') : t('reply.not_approved'),
                    ' ',
                    r.leader_review.leader_name || r.leader_review.leader || '',
                    r.leader_review.note ? `：${r.leader_review.note}` : '',
                    r.leader_review.edited_text ? ` ${t('reply.leader_edited')}` : '',
                  ),
                ]
              : null,
            h('dt', {}, t('reply.released_at')),
            h('dd', {}, r.released_at ? when(r.released_at) : t('reply.not_released')),
          )
        : h('p', { class: 'hint' }, t('reply.none')),
    ),
    rounds.length
      ? h(
          'div',
          {},
          h('h3', {}, t('qc.rounds')),
          h(
            'ul',
            {},
            rounds.map((q) =>
              h(
                'li',
                {},
                t('qc.round', { n: q.round }),
                ' ',
                q.passed
                  ? h('span', { class: 'tag ok' }, t('qc.passed'))
                  : h('span', { class: 'tag bad' }, t('qc.failed')),
                ' ',
                when(q.at),
                q.reasons ? `：${q.reasons}` : '',
              ),
            ),
          ),
        )
      : null,
  );
}

// The submitter's own word on each released reply (诉求人评价), comment and all.
function ratings(list) {
  if (!list.length) return null;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'ratings-h', 'data-testid': 'ratings' },
    h('h2', { id: 'ratings-h' }, t('rating.title')),
    h(
      'ul',
      {},
      list.map((r) =>
        h(
          'li',
          {},
          h('strong', {}, t('rating.closure', { n: r.closure })),
          ' ',
          h(
            'span',
            { class: r.satisfaction === 'dissatisfied' ? 'tag bad' : 'tag ok' },
            enumLabel('satisfaction', r.satisfaction),
          ),
          ' ',
          when(r.at),
          r.review_requested ? h('span', { class: 'tag warn' }, ' ', t('rating.review')) : null,
          h(
            'p',
            { class: r.comment ? 'pre' : 'hint' },
            r.comment ? r.comment : t('rating.no_comment'),
          ),
        ),
      ),
    ),
  );
}
