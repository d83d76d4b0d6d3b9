// The portal's shell: the navigation for the signed-in role, the language
// switch (简体中文 first, English), and the router from the address's
// fragment (#/track, #/case/12, ...) to the page that draws it.

import { claims, loadMe, signOut } from './api.js';
import { t, enumLabel, lang, setLang } from './i18n.js';
import { h, pageError } from './ui.js';
import * as citizen from './citizen.js';
import * as staff from './staff.js';
import * as agent from './agent.js';
import * as bureau from './bureau.js';
import * as people from './people.js';
import * as search from './search.js';

// The pages each role reaches from the navigation.
function links() {
  const c = claims();
  const role = c && c.role;
  const out = [
    ['#/', 'nav.home'],
    ['#/submit', 'nav.submit'],
    ['#/track', 'nav.track'],
  ];
  if (role === 'unit')
    out.push(['#/inbox', 'nav.inbox'], ['#/rectifications', 'nav.rectifications']);
  if (role === 'agent') out.push(['#/intake', 'nav.intake']);
  if (role === 'bureau' || role === 'supervisor') {
    out.push(
      ['#/queue/screening', 'nav.queues'],
      ['#/stats', 'nav.stats'],
      ['#/hotspots', 'nav.hotspots'],
      ['#/rectifications', 'nav.rectifications'],
      ['#/admin', 'nav.admin'],
    );
  }
  if (role && role !== 'scheduler') out.push(['#/search', 'nav.search']);
  if (role === 'bureau' || role === 'supervisor') out.push(['#/staff', 'nav.staff']);
  if (role === 'bureau') out.push(['#/audit', 'nav.audit']);
  return out;
}

function drawShell(current) {
  document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
  document.title = t('app.title');
  document.getElementById('brand-name').textContent = t('app.title');
  document.getElementById('skip-link').textContent = t('app.skip');
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('nav.label'));
  nav.replaceChildren(
    h(
      'ul',
      {},
      links().map(([href, key]) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              href,
              'aria-current':
                current.startsWith(href) && (href !== '#/' || current === '#/') ? 'page' : null,
            },
            t(key),
          ),
        ),
      ),
    ),
  );
  const c = claims();
  const who = document.getElementById('who');
  who.replaceChildren(
    c
      ? h(
          'span',
          {},
          h('span', { 'data-testid': 'who-name' }, c.display_name),
          ` · ${c.unit_name || enumLabel('role', c.role)} `,
          h(
            'button',
            {
              type: 'button',
              class: 'link',
              onclick: async () => {
                const end = await signOut();
                if (end) location.assign(end);
                else go('#/');
              },
            },
            t('nav.signout'),
          ),
        )
      : h('a', { href: '#/signin' }, t('nav.signin')),
  );
  const switcher = document.getElementById('lang');
  switcher.textContent = lang() === 'en' ? '简体中文' : 'English';
  switcher.setAttribute('lang', lang() === 'en' ? 'zh-CN' : 'en');
  switcher.onclick = () => {
    setLang(lang() === 'en' ? 'zh-CN' : 'en');
    route();
  };
}

const go = (hash) => {
  if (location.hash === hash) route();
  else location.hash = hash;
};

// The routes: a pattern over the fragment's path and the page for it.
const ROUTES = [
  [/^\/?$/, (m) => citizen.home(m)],
  [/^\/submit$/, (m) => citizen.submit(m)],
  [
    /^\/track(?:\/([^/]+))?$/,
    (m, [code], p) => citizen.track(m, code && decodeURIComponent(code), p),
  ],
  [/^\/signin$/, (m) => staff.signin(m, go)],
  // Where the city's sign-on returns a signed-in person: on to their home
  // page, leaving no step in the history to come back to.
  [/^\/welcome$/, () => location.replace(staff.home()), true],
  [/^\/first-signin$/, (m) => people.firstSignIn(m, go)],
  [/^\/staff$/, (m) => people.directory(m), true],
  [/^\/inbox$/, (m, _, p) => staff.inbox(m, null, p), true],
  [/^\/queue\/([a-z_]+)$/, (m, [q], p) => staff.inbox(m, q, p), true],
  [/^\/case\/(\d+)$/, (m, [id], p) => staff.casePage(m, id, p), true],
  [/^\/intake$/, (m) => agent.intake(m), true],
  [/^\/search$/, (m, _, p) => search.search(m, p), true],
  [/^\/stats$/, (m, _, p) => bureau.stats(m, p), true],
  [/^\/hotspots$/, (m, _, p) => bureau.hotspots(m, p), true],
  [/^\/rectifications(?:\/(\d+))?$/, (m, [id]) => bureau.rectifications(m, id), true],
  [/^\/admin$/, (m) => bureau.admin(m), true],
  [/^\/audit$/, (m, _, p) => bureau.audit(m, p), true],
];

let renders = 0;
let started = null;

async function route() {
  // Who is signed in, asked once when the page starts (and again by the
  // pages that sign in or out).
  started = started || loadMe();
  await started;
  // Only #/… is a place in the app (the skip link's #main is not).
  const hash = location.hash.startsWith('#/') ? location.hash : '#/';
  const [path, search] = hash.slice(1).split('?');
  const params = new URLSearchParams(search || '');
  drawShell(hash);
  // Each render draws into a view of its own: a slower earlier one that
  // finishes late draws into a view no longer on the page.
  const seq = ++renders;
  const main = h('div');
  // Pages append optional parts as `cond ? part : null`, as h() takes
  // children: the view skips what is absent as h() does.
  main.append = (...parts) =>
    Element.prototype.append.call(
      main,
      ...parts.flat(Infinity).filter((p) => p !== null && p !== undefined && p !== false),
    );
  document.getElementById('main').replaceChildren(main);
  const found = ROUTES.find(([re]) => re.test(path));
  try {
    if (!found) {
      main.append(
        h('h1', {}, t('page.not_found')),
        h('p', {}, h('a', { href: '#/' }, t('nav.home'))),
      );
    } else if (found[2] && !claims()) {
      main.append(
        h('h1', {}, t('signin.needed')),
        h('p', {}, h('a', { href: '#/signin' }, t('nav.signin'))),
      );
    } else {
      await found[1](main, path.match(found[0]).slice(1), params);
    }
  } catch (err) {
    main.append(pageError(err));
    if (err && err.status === 401)
      main.append(h('p', {}, h('a', { href: '#/signin' }, t('nav.signin'))));
  }
  if (seq !== renders) return;
  const heading = main.querySelector('h1');
  document.title =
    heading && heading.textContent !== t('app.title')
      ? `${heading.textContent} - ${t('app.title')}`
      : t('app.title');
  // A new page takes the focus to its heading; the first one leaves it at
  // the top, where the skip link is.
  if (
    seq > 1 &&
    (document.activeElement === document.body || !main.contains(document.activeElement))
  ) {
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: false });
    }
  }
}

document.getElementById('skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('main').focus();
});

window.addEventListener('hashchange', route);
route();
