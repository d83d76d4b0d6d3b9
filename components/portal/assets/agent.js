// The agents' intake: a hotline call or a visit to the service hall, with
// the handling mode (即办 直办 转办 协办 呈办), the immediate answer or the
// unit on the call for a direct transfer, the hall's oral or written form,
// and a printable registration form (受理登记单) once taken.

import { get, post, newKey } from './api.js';
import { t, enumLabel } from './i18n.js';
import { h, field, form, when, announce } from './ui.js';
import { counties, countyOptions, kindField, submitterFields, newCase } from './citizen.js';
import { callerHistory } from './search.js';

export async function intake(main) {
  const list = await counties();
  const done = h('div');
  // One key for this form: a retry after a lost answer is the same case.
  const key = newKey();
  const f = form({
    label: t('intake.title'),
    submit: t('intake.send'),
    fields: [
      h(
        'div',
        { class: 'cols' },
        h(
          'div',
          {},
          field({
            name: 'channel',
            label: t('case.channel'),
            type: 'radio',
            required: true,
            value: 'hotline_phone',
            options: ['hotline_phone', 'service_hall'].map((c) => [c, enumLabel('channel', c)]),
          }),
          field({
            name: 'mode',
            label: t('case.mode'),
            type: 'select',
            placeholder: t('intake.mode.none'),
            hint: t('intake.mode.hint'),
            options: ['immediate', 'direct', 'transfer', 'joint', 'escalate'].map((m) => [
              m,
              enumLabel('mode', m),
            ]),
          }),
          field({
            name: 'form',
            label: t('intake.form'),
            type: 'select',
            placeholder: t('intake.form.none'),
            hint: t('intake.form.hint'),
            options: ['oral', 'written'].map((m) => [m, enumLabel('form', m)]),
          }),
          kindField('complaint'),
          field({
            name: 'county',
            label: t('case.county'),
            type: 'select',
            required: true,
            placeholder: t('form.choose'),
            options: countyOptions(list),
          }),
        ),
        h(
          'div',
          {},
          field({
            name: 'title',
            label: t('case.title'),
            required: true,
            attrs: { maxlength: 200 },
          }),
          field({
            name: 'content',
            label: t('case.content'),
            type: 'textarea',
            required: true,
            attrs: { maxlength: 5000 },
          }),
          field({
            name: 'answer',
            label: t('intake.answer'),
            type: 'textarea',
            hint: t('intake.answer.hint'),
            attrs: { maxlength: 5000 },
          }),
          field({
            name: 'unit',
            label: t('intake.unit'),
            hint: t('intake.unit.hint'),
            attrs: { maxlength: 64 },
          }),
        ),
      ),
      h('h2', {}, t('submit.contact')),
      h(
        'div',
        { class: 'cols' },
        h('div', {}, ...submitterFields().slice(0, 2)),
        h(
          'div',
          {},
          ...submitterFields().slice(2),
          field({
            name: 'submitter.id_number',
            label: t('submitter.id_number'),
            attrs: { maxlength: 18, autocomplete: 'off' },
          }),
        ),
      ),
    ],
    onsubmit: async (v, el) => {
      const extra = { channel: v.channel };
      for (const k of ['mode', 'form', 'answer', 'unit']) if (v[k]) extra[k] = v[k];
      const body = newCase(v, extra);
      const { data } = await post('/api/cases', body, { headers: { 'idempotency-key': key } });
      el.hidden = true;
      done.replaceChildren(registration(data, body));
      done.querySelector('h2')?.focus();
      announce(t('intake.done'));
    },
  });
  // Only the fields the channel and mode take (the API refuses the others:
  // a form only at the hall, an answer only for immediate or direct, a unit
  // only for direct); hidden ones are not sent.
  const show = () => {
    const v = Object.fromEntries(new FormData(f));
    const toggle = (name, on) => {
      const box = f.querySelector(`[data-field="${name}"]`);
      box.hidden = !on;
      for (const i of box.querySelectorAll('input, select, textarea')) i.disabled = !on;
    };
    toggle('form', v.channel === 'service_hall');
    toggle('answer', v.mode === 'immediate' || v.mode === 'direct');
    toggle('unit', v.mode === 'direct');
  };
  f.addEventListener('change', show);
  show();
  // The caller's earlier cases as soon as the number is typed (来电弹屏).
  const history = h('div', { class: 'no-print', 'data-testid': 'caller-history' });
  const phone = f.querySelector('[name="submitter.phone"]');
  // The call is about an open case: what the caller says goes to it.
  const addTo = async (r) => {
    const v = Object.fromEntries(new FormData(f));
    const text = [v.title, v.content].filter(Boolean).join('：');
    if (!v.content) {
      const box = f.querySelector('[data-error-for="content"]');
      box.textContent = t('caller.add_needs_content');
      f.querySelector('[name="content"]').focus();
      return;
    }
    const { etag } = await get(`/api/cases/${r.case_id}`);
    await post(`/api/cases/${r.case_id}/actions`, { action: 'add_to_case', text }, { etag });
    f.hidden = true;
    history.replaceChildren();
    done.replaceChildren(
      h(
        'section',
        { class: 'card', 'data-testid': 'added' },
        h('h2', { tabindex: '-1' }, t('caller.added', { code: r.tracking_code })),
        h(
          'div',
          { class: 'actions' },
          h('a', { class: 'button secondary', href: `#/case/${r.case_id}` }, t('intake.open')),
        ),
      ),
    );
    done.querySelector('h2')?.focus();
    announce(t('caller.added', { code: r.tracking_code }));
  };
  phone.addEventListener('change', () => callerHistory(history, phone.value, addTo));
  main.append(h('h1', { class: 'no-print' }, t('intake.title')), f, history, done);
}

// What the agent hands the citizen: the registration form, printable.
function registration(data, body) {
  return h(
    'section',
    { class: 'card', 'data-testid': 'registration' },
    h('h2', { tabindex: '-1' }, t('intake.registration')),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('case.tracking_code')),
      h('dd', { class: 'code', 'data-testid': 'tracking-code' }, data.tracking_code),
      h('dt', {}, t('case.status')),
      h('dd', {}, enumLabel('status', data.status)),
      h('dt', {}, t('case.received_at')),
      h('dd', {}, when(data.received_at)),
      h('dt', {}, t('case.channel')),
      h('dd', {}, enumLabel('channel', body.channel)),
      body.mode ? [h('dt', {}, t('case.mode')), h('dd', {}, enumLabel('mode', body.mode))] : null,
      body.form ? [h('dt', {}, t('intake.form')), h('dd', {}, enumLabel('form', body.form))] : null,
      h('dt', {}, t('case.kind')),
      h('dd', {}, enumLabel('kind', body.kind)),
      h('dt', {}, t('case.title')),
      h('dd', {}, body.title),
      h('dt', {}, t('case.content')),
      h('dd', {}, body.content),
      h('dt', {}, t('submitter.name')),
      h('dd', {}, body.submitter.name),
    ),
    data.advice && data.advice.length
      ? h(
          'div',
          { class: 'notice no-print' },
          h('h3', {}, t('intake.advice')),
          h(
            'ul',
            {},
            data.advice.map((a) => h('li', {}, a)),
          ),
        )
      : null,
    data.rejection
      ? h('p', { class: 'notice' }, t('track.rejected'), ' ', data.rejection.reason)
      : null,
    h('p', { class: 'print-only' }, t('intake.sign')),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: () => window.print() }, t('intake.print')),
      h('a', { class: 'button secondary', href: `#/case/${data.case_id}` }, t('intake.open')),
      h(
        'a',
        {
          class: 'button secondary',
          href: '#/intake',
          onclick: () => setTimeout(() => window.dispatchEvent(new HashChangeEvent('hashchange'))),
        },
        t('intake.another'),
      ),
    ),
  );
}
