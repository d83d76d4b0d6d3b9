// The citizen's pages: submit a case on the online platform, get the
// tracking code, track it with the code and the phone's last four digits,
// read the released reply, rate it and ask for a review.

import { get, post, query, newKey } from './api.js';
import { t, enumLabel } from './i18n.js';
import { h, field, form, when, announce } from './ui.js';

let countyCache = null;
export async function counties() {
  if (!countyCache) {
    const { data } = await get('/api/counties', { staff: false });
    countyCache = data.counties;
  }
  return countyCache;
}

export function countyOptions(list) {
  return list.map((c) => [c.code, c.name ? `${c.name}（${c.code}）` : c.code]);
}

export function kindField(value) {
  return field({
    name: 'kind',
    label: t('case.kind'),
    type: 'radio',
    required: true,
    value,
    options: ['complaint', 'consultation', 'suggestion'].map((k) => [k, enumLabel('kind', k)]),
  });
}

// The submitter's fields, shared with the agents' intake form.
export function submitterFields() {
  return [
    field({
      name: 'submitter.type',
      label: t('submitter.type'),
      type: 'radio',
      required: true,
      value: 'individual',
      options: ['individual', 'enterprise'].map((k) => [k, enumLabel('submitter_type', k)]),
    }),
    field({
      name: 'submitter.name',
      label: t('submitter.name'),
      required: true,
      attrs: { maxlength: 50, autocomplete: 'name' },
    }),
    field({
      name: 'submitter.phone',
      label: t('submitter.phone'),
      type: 'tel',
      required: true,
      hint: t('submitter.phone.hint'),
      attrs: { autocomplete: 'tel', inputmode: 'tel', maxlength: 16 },
    }),
    field({
      name: 'submitter.address',
      label: t('submitter.address'),
      attrs: { maxlength: 200, autocomplete: 'street-address' },
    }),
  ];
}

// The body of a new case from a form's values.
export function newCase(v, extra) {
  const submitter = {
    type: v['submitter.type'],
    name: v['submitter.name'],
    phone: v['submitter.phone'],
  };
  if (v['submitter.address']) submitter.address = v['submitter.address'];
  if (v['submitter.id_number']) submitter.id_number = v['submitter.id_number'];
  return {
    kind: v.kind,
    title: v.title,
    content: v.content,
    county: v.county,
    submitter,
    ...extra,
  };
}

export function home(main) {
  main.append(
    h('h1', {}, t('home.title')),
    h('p', {}, t('home.intro')),
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('home.submit')),
        h('p', {}, t('home.submit.text')),
        h('a', { class: 'button', href: '#/submit' }, t('nav.submit')),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('home.track')),
        h('p', {}, t('home.track.text')),
        h('a', { class: 'button', href: '#/track' }, t('nav.track')),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('home.staff')),
        h('p', {}, t('home.staff.text')),
        h('a', { class: 'button secondary', href: '#/signin' }, t('nav.signin')),
      ),
    ),
  );
}

export async function submit(main) {
  const list = await counties();
  const result = h('div', { 'aria-live': 'polite' });
  // One key for this form: a retry after a lost answer is the same case.
  const key = newKey();
  const f = form({
    label: t('submit.title'),
    submit: t('submit.send'),
    fields: [
      kindField('complaint'),
      field({ name: 'title', label: t('case.title'), required: true, attrs: { maxlength: 200 } }),
      field({
        name: 'content',
        label: t('case.content'),
        type: 'textarea',
        required: true,
        hint: t('submit.content.hint'),
        attrs: { maxlength: 5000 },
      }),
      field({
        name: 'county',
        label: t('case.county'),
        type: 'select',
        required: true,
        placeholder: t('form.choose'),
        options: countyOptions(list),
      }),
      h('h2', {}, t('submit.contact')),
      ...submitterFields(),
    ],
    onsubmit: async (v, el) => {
      const { data } = await post('/api/cases', newCase(v, { channel: 'online_platform' }), {
        staff: false,
        headers: { 'idempotency-key': key },
      });
      el.hidden = true;
      result.replaceChildren(receipt(data, v['submitter.phone']));
      result.querySelector('h2')?.focus();
      announce(t('submit.done'));
    },
  });
  main.append(h('h1', {}, t('submit.title')), h('p', {}, t('submit.intro')), f, result);
}

// What the receipt's link hands the tracking page: kept in memory, never in
// the address (the second factor must not stay in history or bookmarks).
let prefill = null;

function receipt(data, phone) {
  const last4 = (phone || '').replace(/\D/g, '').slice(-4);
  return h(
    'section',
    { class: 'success' },
    h('h2', { tabindex: '-1' }, t('submit.done')),
    h('p', {}, t('submit.code')),
    h('p', { class: 'code', 'data-testid': 'tracking-code' }, data.tracking_code),
    h('p', {}, t('submit.keep')),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('case.status')),
      h('dd', {}, enumLabel('status', data.status)),
      h('dt', {}, t('case.received_at')),
      h('dd', {}, when(data.received_at)),
      handling(data),
    ),
    told(data),
    data.rejection ? rejection(data.rejection) : null,
    data.merged_into
      ? h(
          'p',
          { class: 'notice' },
          t('track.merged'),
          ' ',
          h('span', { class: 'code' }, data.merged_into),
        )
      : null,
    h(
      'p',
      {},
      h(
        'a',
        {
          href: `#/track/${encodeURIComponent(data.tracking_code)}`,
          onclick: () => {
            prefill = { code: data.tracking_code, last4 };
          },
        },
        t('submit.follow'),
      ),
    ),
  );
}

function rejection(r) {
  return h(
    'div',
    { class: 'notice', 'data-testid': 'rejection' },
    h('h3', {}, t('track.rejected'), ' ', t('track.category', { n: r.category })),
    h('p', {}, r.reason),
    r.referral ? h('p', {}, h('strong', {}, t('track.referral')), ' ', r.referral) : null,
  );
}

export async function track(main, code) {
  const given = prefill && prefill.code === code ? prefill.last4 : '';
  prefill = null;
  const result = h('div');
  const f = form({
    label: t('track.title'),
    submit: t('track.look'),
    fields: [
      field({
        name: 'code',
        label: t('track.code'),
        required: true,
        value: code || '',
        hint: t('track.code.hint'),
        attrs: { autocomplete: 'off', spellcheck: 'false' },
      }),
      field({
        name: 'phone_last4',
        label: t('track.last4'),
        required: true,
        value: given,
        attrs: { inputmode: 'numeric', maxlength: 4, autocomplete: 'off' },
      }),
    ],
    onsubmit: async (v) => {
      const { data } = await get(
        `/api/cases/track/${encodeURIComponent(v.code.trim())}${query({ phone_last4: v.phone_last4 })}`,
        { staff: false },
      );
      result.replaceChildren(status(data, v.phone_last4));
      result.querySelector('h2')?.focus();
      announce(t('track.found'));
    },
  });
  main.append(h('h1', {}, t('track.title')), f, result);
  if (code && given) f.requestSubmit();
}

function status(data, last4) {
  const reply = data.reply;
  return h(
    'section',
    { class: 'card', 'data-testid': 'case-status' },
    h(
      'h2',
      { tabindex: '-1' },
      t('track.case'),
      ' ',
      h('span', { class: 'code' }, data.tracking_code),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('case.status')),
      h('dd', { 'data-testid': 'status' }, enumLabel('status', data.status)),
      h('dt', {}, t('case.kind')),
      h('dd', {}, enumLabel('kind', data.kind)),
      h('dt', {}, t('case.channel')),
      h('dd', {}, enumLabel('channel', data.channel)),
      h('dt', {}, t('case.received_at')),
      h('dd', {}, when(data.received_at)),
      handling(data),
    ),
    told(data),
    data.rejection ? rejection(data.rejection) : null,
    data.merged_into
      ? h(
          'p',
          { class: 'notice' },
          t('track.merged'),
          ' ',
          h('span', { class: 'code' }, data.merged_into),
        )
      : null,
    reply
      ? h(
          'section',
          { 'data-testid': 'reply' },
          h('h3', {}, t('track.reply')),
          h('p', { class: 'pre' }, reply.text),
          reply.adoption
            ? h(
                'p',
                {},
                t('reply.adoption'),
                ': ',
                enumLabel('adoption', reply.adoption),
                reply.adoption_reason ? `（${reply.adoption_reason}）` : '',
              )
            : null,
          h('p', { class: 'hint' }, t('track.released'), ' ', when(reply.released_at)),
          data.status === 'closed' ? feedback(data.tracking_code, last4) : null,
        )
      : null,
  );
}

function feedback(code, last4) {
  const done = h('div', { 'aria-live': 'polite' });
  const f = form({
    label: t('feedback.title'),
    class: 'card',
    submit: t('feedback.send'),
    fields: [
      h('h3', {}, t('feedback.title')),
      field({
        name: 'satisfaction',
        label: t('feedback.satisfaction'),
        type: 'radio',
        required: true,
        options: ['satisfied', 'basically_satisfied', 'dissatisfied'].map((k) => [
          k,
          enumLabel('satisfaction', k),
        ]),
      }),
      field({ name: 'request_review', label: t('feedback.review'), type: 'checkbox' }),
      field({
        name: 'reason',
        label: t('feedback.reason'),
        type: 'textarea',
        hint: t('feedback.reason.hint'),
        attrs: { maxlength: 5000 },
      }),
    ],
    onsubmit: async (v, el) => {
      const body = {
        phone_last4: last4,
        satisfaction: v.satisfaction,
        request_review: !!v.request_review,
      };
      // Kept with the rating either way: the reason for a review, or else
      // the citizen's comment.
      if (v.reason) body[v.request_review ? 'reason' : 'comment'] = v.reason;
      const { data } = await post(`/api/cases/track/${encodeURIComponent(code)}/feedback`, body, {
        staff: false,
      });
      el.hidden = true;
      done.replaceChildren(
        h(
          'p',
          { class: 'success', tabindex: '-1' },
          data.review_requested ? t('feedback.review_done') : t('feedback.done'),
        ),
      );
      done.firstChild.focus();
      announce(t('feedback.done'));
    },
  });
  return h('div', {}, f, done);
}

// Who handles the case and by when, as facts of the case.
function handling(data) {
  return [
    data.handling_unit ? [h('dt', {}, t('track.unit')), h('dd', {}, data.handling_unit)] : null,
    data.due ? [h('dt', {}, t('track.due')), h('dd', {}, data.due)] : null,
  ];
}

// What the citizen was told: the answer on the call, the interim replies.
function told(data) {
  return [
    data.immediate_answer
      ? h(
          'section',
          { 'data-testid': 'immediate-answer' },
          h('h3', {}, t('track.immediate')),
          h('p', { class: 'pre' }, data.immediate_answer),
        )
      : null,
    data.interim_replies && data.interim_replies.length
      ? h(
          'section',
          { 'data-testid': 'interim-replies' },
          h('h3', {}, t('track.interim')),
          h(
            'ul',
            {},
            data.interim_replies.map((n) => h('li', {}, when(n.at), ' ', n.text)),
          ),
        )
      : null,
  ];
}
