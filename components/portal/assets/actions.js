// The case page's actions: exactly the buttons `allowed_actions` lists, each
// opening a form built from the API's own description of that action (the
// `Action` variants of /api/openapi.json: its fields, which are required,
// their kinds and limits), sent with the case's ETag in If-Match.

import { get, post, claims } from './api.js';
import { t, enumLabel, label } from './i18n.js';
import { h, field, form, announce, guarded, notice } from './ui.js';

let actionDoc = null;
async function variants() {
  if (!actionDoc) {
    const { data } = await get('/api/openapi.json', { staff: false });
    actionDoc = {
      variants: data.components.schemas.Action.oneOf,
      schemas: data.components.schemas,
    };
  }
  return actionDoc;
}

let unitCache = null;
export async function units() {
  const c = claims();
  if (!c || (c.role !== 'bureau' && c.role !== 'supervisor')) return null;
  if (!unitCache) {
    try {
      const { data } = await get('/api/admin/units');
      unitCache = (data.units || data).filter((u) => !u.retired_at);
    } catch {
      unitCache = [];
    }
  }
  return unitCache;
}

export function actionPanel(data, etag, reload) {
  const allowed = data.allowed_actions || [];
  const panel = h(
    'section',
    { class: 'card no-print', 'aria-labelledby': 'actions-h', 'data-testid': 'actions' },
    h('h2', { id: 'actions-h' }, t('actions.title')),
  );
  if (!allowed.length) {
    panel.append(h('p', { class: 'hint' }, t('actions.none')));
    return panel;
  }
  const slot = h('div');
  const buttons = h('div', { class: 'actions' });
  for (const name of allowed) {
    const button = h(
      'button',
      { type: 'button', class: 'secondary', 'data-action': name, 'aria-expanded': 'false' },
      enumLabel('action', name),
    );
    const close = () => {
      slot.replaceChildren();
      button.setAttribute('aria-expanded', 'false');
      button.focus();
    };
    button.addEventListener(
      'click',
      guarded(button, async () => {
        for (const b of buttons.querySelectorAll('button'))
          b.setAttribute('aria-expanded', 'false');
        button.setAttribute('aria-expanded', 'true');
        slot.replaceChildren(await actionForm(name, data, etag, reload, close));
        slot.querySelector('input, select, textarea, button[type=submit]')?.focus();
      }),
    );
    buttons.append(button);
  }
  panel.append(buttons, slot);
  return panel;
}

// The fields an action's variant lists that do not apply to this case: a
// suggestion's adoption (the API answers 400 not_for_kind otherwise) and
// the written reply of the service hall.
function applies(prop, data) {
  if (prop === 'adoption' || prop === 'adoption_reason') return data.kind === 'suggestion';
  if (prop === 'written_reply') return data.channel === 'service_hall';
  return true;
}

// The text a form starts from: a redo starts from the last draft (the
// leader's correction where they sent one back), the leader's review from
// the draft they may correct.
function prefill(name, prop, data) {
  const r = data.reply;
  if (prop !== 'text' || !r) return undefined;
  if (name === 'draft_reply') {
    const review = r.leader_review;
    return (review && !review.approved && review.edited_text) || r.text;
  }
  if (name === 'leader_review') return r.text;
  return undefined;
}

// Why a reply is being redone (重办), beside the box it is redone in: the
// last failed quality check, or the leader's note when they sent it back.
function redoReasons(name, data) {
  if (name !== 'draft_reply' || !data.reply) return null;
  const rounds = data.qc_rounds || [];
  const failed = rounds.length && !rounds[rounds.length - 1].passed ? rounds.at(-1) : null;
  const review = data.reply.leader_review;
  const sentBack = review && !review.approved ? review : null;
  if (!failed && !sentBack) return null;
  return h(
    'div',
    { class: 'notice', 'data-testid': 'redo-reasons' },
    h('h4', {}, t('redo.title')),
    failed ? h('p', {}, t('redo.qc', { n: failed.round }), failed.reasons || '') : null,
    sentBack ? h('p', {}, t('redo.leader'), sentBack.note || t('redo.no_note')) : null,
  );
}

async function actionForm(name, data, etag, reload, close) {
  const { variants: all, schemas } = await variants();
  const variant = all.find((v) => v.title === name) || { properties: {}, required: [] };
  const directory = await units();
  const required = new Set(variant.required || []);
  const fields = [];
  const kinds = {};
  const prefilled = {};
  for (const [prop, schema] of Object.entries(variant.properties || {})) {
    if (prop === 'action' || !applies(prop, data)) continue;
    const spec = describe(prop, schema, schemas, directory, data, required.has(prop));
    kinds[prop] = spec.kind;
    const value = prefill(name, prop, data);
    if (value !== undefined) prefilled[prop] = value;
    fields.push(
      field({
        ...spec,
        name: prop,
        label: name === 'leader_review' && prop === 'text' ? t('field.text.leader') : label(prop),
        value,
        required: required.has(prop),
      }),
    );
  }
  return form({
    label: enumLabel('action', name),
    // An action already named as a confirmation is not confirmed twice
    // (确认不予受理, not 确认确认不予受理).
    submit: /^确认/.test(enumLabel('action', name))
      ? enumLabel('action', name)
      : t('actions.send', { action: enumLabel('action', name) }),
    fields: [
      h('h3', {}, enumLabel('action', name)),
      redoReasons(name, data),
      fields.length ? fields : h('p', {}, t('actions.confirm')),
    ],
    extra: h('button', { type: 'button', class: 'secondary', onclick: close }, t('form.cancel')),
    onsubmit: async (v) => {
      const body = { action: name };
      for (const [prop, kind] of Object.entries(kinds)) {
        const value = v[prop];
        if (kind === 'boolean') {
          if (value) body[prop] = true;
        } else if (kind === 'yesno') body[prop] = value === 'true';
        else if (value === undefined) continue;
        // The leader's review sends a text only where they changed it.
        else if (name === 'leader_review' && prefilled[prop] === value) continue;
        else if (kind === 'integer') body[prop] = Number(value);
        else if (kind === 'units')
          body[prop] = String(value)
            .split(/[,，、\s]+/)
            .filter(Boolean);
        else body[prop] = value;
      }
      try {
        await post(`/api/cases/${data.case_id}/actions`, body, { etag });
      } catch (err) {
        // Someone changed the case meanwhile: show it as it is now.
        if (err.status === 412) {
          notice(t('error.stale_version'));
          reload();
          return;
        }
        throw err;
      }
      announce(t('actions.done', { action: enumLabel('action', name) }));
      reload();
    },
  });
}

// How a property is asked for, from its schema.
function describe(prop, schema, schemas, directory, data, required) {
  const resolved = resolve(schema, schemas);
  const ref = (schema.$ref || '').split('/').pop();
  if (ref === 'UnitIdField' || prop === 'lead') {
    if (directory && directory.length) {
      return {
        kind: 'text',
        type: 'select',
        placeholder: t('form.choose'),
        options: directory
          .filter((u) => !data.county || u.county === data.county || prop !== 'lead')
          .map((u) => [u.id, `${u.name}（${u.id}）`]),
      };
    }
    return { kind: 'text', type: 'text', hint: t('field.unit.hint') };
  }
  if (prop === 'co_units') return { kind: 'units', type: 'text', hint: t('field.co_units.hint') };
  if (resolved.enum) {
    const options = resolved.enum.filter((x) => x !== null).map((x) => [x, enumLabel(prop, x)]);
    return { kind: 'text', type: 'select', placeholder: t('form.choose'), options };
  }
  const types = [].concat(resolved.type || []);
  // A yes-or-no the API requires is asked as two choices, neither taken
  // (a box left unticked would answer "no" unasked).
  if (types.includes('boolean') && required) {
    return {
      kind: 'yesno',
      type: 'radio',
      options: [
        ['true', t('form.yes')],
        ['false', t('form.no')],
      ],
    };
  }
  if (types.includes('boolean')) return { kind: 'boolean', type: 'checkbox' };
  if (types.includes('integer')) {
    return {
      kind: 'integer',
      type: 'number',
      attrs: { min: resolved.minimum, max: resolved.maximum, step: 1, inputmode: 'numeric' },
    };
  }
  const max = resolved.maxLength || 5000;
  return {
    kind: 'text',
    type: max > 200 ? 'textarea' : 'text',
    rows: 4,
    attrs: { maxlength: max },
  };
}

function resolve(schema, schemas) {
  if (schema.$ref) return resolve(schemas[schema.$ref.split('/').pop()] || {}, schemas);
  if (schema.oneOf) {
    const real = schema.oneOf.find((s) => !(s.type === 'null'));
    return real ? resolve(real, schemas) : {};
  }
  return schema;
}
