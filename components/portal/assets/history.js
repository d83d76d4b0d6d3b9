// A case's history as a Chinese reader reads it: who by name (a stage of
// the system as such), the unit by its name, the provisions as the
// measures number them (第五条), and each detail under a Chinese label with
// its value in words — codes only where a reader needs them (tracking
// codes).

import { t, enumLabel } from './i18n.js';
import { h, when, table } from './ui.js';

// A value the dictionary has words for, or the value itself.
function word(list, value) {
  return t(`enum.${list}.${value}`, {}, String(value));
}

// Who did it: their name, or the stage of the system that did.
function who(actor, names) {
  if (!actor) return '';
  const stage = (actor.subject || '').match(/^stage:([a-z_]+)$/);
  const person =
    actor.name || (stage ? t('actor.stage', { stage: word('stage', stage[1]) }) : null);
  const unit = actor.unit_name || (actor.unit && names[actor.unit]) || null;
  return [person, unit || enumLabel('role', actor.role)].filter(Boolean).join(' · ');
}

// A screening flag (`advice: category3.litigation: 起诉 «…»`) in words.
function flag(text) {
  const m = String(text).match(/^advice: ([a-z0-9_.]+)(?::\s*(.*))?$/);
  if (!m) return String(text);
  const rest = (m[2] || '').replace(/^case (\d+)$/, (_, id) => t('detail.case_no', { id }));
  return `${t('detail.advice')}${word('rule', m[1])}${rest ? `：${rest}` : ''}`;
}

// One detail's value in words.
function value(key, v, names) {
  if (v === true) return t('form.yes');
  if (v === false) return t('form.no');
  if (Array.isArray(v)) return v.map((x) => value(key, x, names)).join('、');
  if (['unit', 'lead', 'from', 'co_units'].includes(key)) return names[v] || String(v);
  if (key === 'rule') return word('rule', v);
  if (key === 'flags') return flag(v);
  if (key === 'category') return t('detail.category_n', { n: v });
  if (key === 'adoption') return enumLabel('adoption', v);
  if (key === 'result') return enumLabel('result', v);
  if (key === 'reason') return word('reason', v);
  if (v && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// Who approved or reviewed is the actor, already named beside it.
const SHOWN_ELSEWHERE = new Set(['approver', 'leader', 'round']);

function details(d, names) {
  if (!d || typeof d !== 'object') return '';
  return Object.entries(d)
    .filter(([k]) => !SHOWN_ELSEWHERE.has(k))
    .filter(([, v]) => v !== null && v !== '' && !(Array.isArray(v) && !v.length))
    .map(([k, v]) => `${t(`detail.${k}`, {}, k)}：${value(k, v, names)}`)
    .join('；');
}

export function history(events, names = {}) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'history-h' },
    h('h2', { id: 'history-h' }, t('case.history')),
    table(
      [
        { label: t('history.at'), cell: (e) => when(e.at) },
        { label: t('history.who'), cell: (e) => who(e.actor, names) },
        { label: t('history.event'), cell: (e) => enumLabel('event', e.event) },
        { label: t('history.article'), cell: (e) => e.article_name || e.article || '' },
        { label: t('history.details'), cell: (e) => details(e.details, names) },
      ],
      events,
      { caption: t('case.history'), captionHidden: true },
    ),
  );
}
