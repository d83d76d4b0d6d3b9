// One move on many cases from a work list (批量签收, 批量分办): a checkbox per
// case, and the move sent once for all of them to /api/inbox/batch, each
// case with the version it was listed at. Each case is its own move: the
// answer says which moved and, in Chinese, why the others did not.

import { post, claims } from './api.js';
import { t } from './i18n.js';
import { h, announce, guarded, notice } from './ui.js';
import { units } from './actions.js';

// The move a list offers in a batch: a unit signs for its new cases, the
// bureau sends the cases waiting for a unit on to one.
function moveFor(queue) {
  const c = claims();
  if (c && c.role === 'unit' && !queue) return 'accept_assignment';
  if (c && c.role === 'bureau' && (queue === 'triage' || queue === 'returned')) return 'route';
  return null;
}

// Why a case did not move, in words a clerk reads.
function why(problem) {
  return t(`problem.${problem.code}`, {}, problem.detail || problem.title);
}

// The checkbox column and the bar with the move's button, for `rows`; both
// null where the list offers no batch move. `reload` renders the list again.
export function batchTools(rows, queue, reload) {
  const move = moveFor(queue);
  if (!move) return { column: null, bar: null };
  const chosen = new Map();
  const eligible = (r) => move === 'route' || r.state === 'awaiting_signature';
  if (!rows.some(eligible)) return { column: null, bar: null };
  const column = {
    label: t('batch.choose'),
    cell: (r) => {
      if (!eligible(r)) return '';
      const box = h('input', {
        type: 'checkbox',
        'aria-label': t('batch.choose_case', { code: r.tracking_code }),
      });
      box.addEventListener('change', () => {
        if (box.checked) chosen.set(r.case_id, r);
        else chosen.delete(r.case_id);
      });
      return box;
    },
  };
  const said = h('div', { 'aria-live': 'polite' });
  const pick =
    move === 'route'
      ? h('select', { 'aria-label': t('batch.unit') }, h('option', { value: '' }, t('form.choose')))
      : null;
  if (pick) {
    units().then((list) =>
      (list || []).forEach((u) => pick.append(h('option', { value: u.id }, u.name))),
    );
  }
  const button = h(
    'button',
    { type: 'button' },
    t(move === 'route' ? 'batch.route' : 'batch.sign'),
  );
  button.addEventListener(
    'click',
    guarded(button, async () => {
      if (!chosen.size || (pick && !pick.value)) {
        said.replaceChildren(
          h('p', { class: 'error' }, t(chosen.size ? 'batch.no_unit' : 'batch.none')),
        );
        return;
      }
      const action =
        move === 'route' ? { action: 'route', lead: pick.value } : { action: 'accept_assignment' };
      const cases = [...chosen.values()].map((r) => ({
        case_id: r.case_id,
        if_match: `"${r.version}"`,
      }));
      const { data } = await post('/api/inbox/batch', { action, cases });
      const failed = data.results.filter((r) => r.problem);
      const code = (id) => (chosen.get(id) || {}).tracking_code || String(id);
      const done = data.results.length - failed.length;
      const text = t('batch.done', { done, total: data.results.length });
      notice(
        h(
          'div',
          { class: failed.length ? 'notice' : 'success', 'data-testid': 'batch-result' },
          h('p', {}, text),
          failed.length
            ? h(
                'ul',
                {},
                failed.map((f) => h('li', {}, code(f.case_id), '：', why(f.problem))),
              )
            : null,
        ),
      );
      announce(text);
      reload();
    }),
  );
  const bar = h(
    'div',
    { class: 'card no-print actions', 'data-testid': 'batch' },
    pick,
    button,
    h('span', { class: 'hint' }, t('batch.hint')),
    said,
  );
  return { column, bar };
}
