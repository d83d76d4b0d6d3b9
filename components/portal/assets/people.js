// People: the first sign-in (the bureau's one-time password replaced by
// one's own, the second factor enrolled: the authenticator's QR code, its
// key, and ten recovery codes shown once), and the bureau's staff page
// (add a person, change their role or unit, disable them, give them a
// one-time password). The staff directory decides who may do what; these
// pages only ask it.

import { get, post, call, claims } from './api.js';
import { t, enumLabel } from './i18n.js';
import { h, field, form, table, announce } from './ui.js';

// What a new second factor shows, once: the QR code to scan, its key to type
// in by hand, and the recovery codes to keep.
export function enrolment(data) {
  const svg = data.otpauth_qr_svg || '';
  return h(
    'div',
    { class: 'enrolment', 'data-testid': 'enrolment' },
    h('h2', {}, t('enrol.title')),
    h('p', {}, t('enrol.scan')),
    svg
      ? h('img', {
          src: `data:image/svg+xml;base64,${btoa(svg)}`,
          alt: t('enrol.qr'),
          width: 200,
          height: 200,
        })
      : null,
    h('p', {}, t('enrol.key'), ' ', h('code', { 'data-testid': 'totp-secret' }, data.totp_secret)),
    h('h3', {}, t('enrol.recovery')),
    h('p', { class: 'notice' }, t('enrol.once')),
    h(
      'ol',
      { class: 'codes', 'data-testid': 'recovery-codes' },
      (data.recovery_codes || []).map((c) => h('li', {}, h('code', {}, c))),
    ),
    h('p', {}, h('a', { class: 'button', href: '#/signin' }, t('enrol.signin'))),
  );
}

export function firstSignIn(main) {
  const box = h('div');
  const f = form({
    label: t('first.title'),
    submit: t('first.go'),
    fields: [
      field({
        name: 'username',
        label: t('signin.username'),
        required: true,
        attrs: { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' },
      }),
      field({
        name: 'password',
        label: t('first.one_time'),
        hint: t('first.one_time.hint'),
        required: true,
        attrs: { autocomplete: 'off', spellcheck: 'false' },
      }),
      field({
        name: 'new_password',
        label: t('signin.new_password'),
        hint: t('signin.new_password.hint'),
        type: 'password',
        required: true,
        attrs: { autocomplete: 'new-password' },
      }),
      field({
        name: 'again',
        label: t('first.again'),
        type: 'password',
        required: true,
        attrs: { autocomplete: 'new-password' },
      }),
    ],
    onsubmit: async (v) => {
      if (v.again !== v.new_password)
        throw { problem: { field: 'again', code: 'mismatch', title: t('first.mismatch') } };
      const { data } = await post(
        '/auth/first-sign-in',
        { username: v.username, password: v.password, new_password: v.new_password },
        { staff: false },
      );
      box.replaceChildren(enrolment(data));
      announce(t('enrol.title'));
    },
  });
  box.append(f);
  main.append(h('h1', {}, t('first.title')), h('p', {}, t('first.intro')), box);
}

const ROLES = ['bureau', 'unit', 'agent', 'supervisor', 'scheduler'];

// The bureau's staff page; supervisors read it.
export async function directory(main) {
  const mayChange = claims()?.role === 'bureau';
  const [{ data: people }, units] = await Promise.all([
    get('/api/admin/staff'),
    get('/api/admin/units').then(
      (r) => (r.data.units || r.data).filter((u) => !u.retired_at),
      () => [],
    ),
  ]);
  const unitOptions = units.map((u) => [u.id, u.name]);
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  const given = h('div', { role: 'status' });
  main.append(h('h1', {}, t('people.title')), h('p', {}, t('people.intro')), given);
  main.append(
    table(
      [
        { label: t('people.name'), cell: (p) => p.display_name },
        { label: t('people.id'), cell: (p) => p.id },
        { label: t('people.role'), cell: (p) => enumLabel('role', p.role) },
        { label: t('people.unit'), cell: (p) => p.unit_name || '—' },
        {
          label: t('people.leader'),
          cell: (p) => (p.role === 'unit' ? t(p.leader ? 'form.yes' : 'form.no') : '—'),
        },
        { label: t('people.active'), cell: (p) => t(p.active ? 'people.on' : 'people.off') },
        ...(mayChange
          ? [
              {
                label: t('people.actions'),
                cell: (p) =>
                  h(
                    'span',
                    { class: 'row-actions' },
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'secondary',
                        onclick: async () => {
                          await call('PUT', `/api/admin/staff/${encodeURIComponent(p.id)}`, {
                            body: { active: !p.active },
                          });
                          reload();
                        },
                      },
                      t(p.active ? 'people.disable' : 'people.enable'),
                      h('span', { class: 'visually-hidden' }, ` ${p.display_name}`),
                    ),
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'secondary',
                        onclick: async () => {
                          const { data } = await post(
                            `/api/admin/staff/${encodeURIComponent(p.id)}/reset`,
                            {},
                          );
                          given.replaceChildren(
                            h(
                              'p',
                              { class: 'notice', 'data-testid': 'one-time-password' },
                              t('people.given', {
                                name: p.display_name,
                                username: data.username,
                                password: data.one_time_password,
                              }),
                            ),
                          );
                          announce(t('people.given.short', { name: p.display_name }));
                        },
                      },
                      t('people.reset'),
                      h('span', { class: 'visually-hidden' }, ` ${p.display_name}`),
                    ),
                  ),
              },
            ]
          : []),
      ],
      people,
      { caption: t('people.title') },
    ),
  );
  if (!mayChange) return;
  const fields = (p) => [
    field({
      name: 'display_name',
      label: t('people.name'),
      required: !p,
      value: p && p.display_name,
    }),
    field({
      name: 'role',
      label: t('people.role'),
      type: 'select',
      required: true,
      value: p ? p.role : 'unit',
      options: ROLES.map((r) => [r, enumLabel('role', r)]),
    }),
    field({
      name: 'unit',
      label: t('people.unit'),
      type: 'select',
      placeholder: t('form.choose'),
      options: unitOptions,
      value: p && p.unit,
    }),
    field({ name: 'leader', label: t('people.leader'), type: 'checkbox', value: p && p.leader }),
  ];
  const body = (v) => ({
    display_name: v.display_name,
    role: v.role,
    unit: v.role === 'unit' ? v.unit || null : null,
    leader: v.role === 'unit' ? !!v.leader : false,
  });
  main.append(
    form({
      label: t('people.add'),
      submit: t('people.add'),
      fields: [
        h('h2', {}, t('people.add')),
        field({ name: 'id', label: t('people.id'), hint: t('people.id.hint'), required: true }),
        ...fields(null),
      ],
      onsubmit: async (v) => {
        await post('/api/admin/staff', { id: v.id, ...body(v) });
        announce(t('people.added', { name: v.display_name }));
        reload();
      },
    }),
  );
  if (!people.length) return;
  const pick = field({
    name: 'person',
    label: t('people.which'),
    type: 'select',
    required: true,
    options: people.map((p) => [p.id, `${p.display_name}（${p.id}）`]),
  });
  const change = form({
    label: t('people.change'),
    submit: t('people.change'),
    fields: [h('h2', {}, t('people.change')), pick, ...fields(people[0])],
    onsubmit: async (v) => {
      await call('PUT', `/api/admin/staff/${encodeURIComponent(v.person)}`, { body: body(v) });
      announce(t('people.changed'));
      reload();
    },
  });
  // The form shows the chosen person as they are.
  change.querySelector('[name="person"]').addEventListener('change', (e) => {
    const p = people.find((x) => x.id === e.target.value);
    if (!p) return;
    change.querySelector('[name="display_name"]').value = p.display_name;
    change.querySelector('[name="role"]').value = p.role;
    change.querySelector('[name="unit"]').value = p.unit || '';
    change.querySelector('[name="leader"]').checked = p.leader;
  });
  main.append(change);
}
