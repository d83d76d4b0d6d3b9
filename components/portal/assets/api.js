// Calls to the public HTTP API: JSON in and out, problem documents passed
// back as they are so a form can show each error beside its field. Staff
// are signed in by the session cookie the browser holds (sent by itself;
// every change carries the session's CSRF token), or, on a development
// instance, by a demo token kept in the tab's session (never beyond it).
// Who is signed in is what the server says (GET /api/me): the staff
// directory, never the page, decides.

const TOKEN = 'casework.token';

export function token() {
  return sessionStorage.getItem(TOKEN) || '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN, value);
  else sessionStorage.removeItem(TOKEN);
}

// Who is signed in (GET /api/me), or null: read once when the page
// starts and again after signing in or out.
let me = null;

export function claims() {
  return me;
}

export async function loadMe() {
  try {
    me = (await call('GET', '/api/me')).data;
  } catch {
    me = null;
  }
  return me;
}

// Signs out: the session ends on the server, the tab forgets its token.
// For a session from the city's sign-on, where the browser goes next to
// sign out there too (the provider's end-session page), if it has one.
export async function signOut() {
  let end = null;
  if (me && !token()) {
    try {
      const answer = await call('POST', '/auth/logout');
      const url = answer.data && answer.data.end_session_url;
      if (typeof url === 'string' && /^https?:\/\//.test(url)) end = url;
    } catch {
      // Already ended: nothing to undo.
    }
  }
  setToken('');
  me = null;
  return end;
}

class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || { status, title: `HTTP ${status}` };
    // How long the server asks to wait (a limit reached), in seconds.
    const wait = Number.parseInt(retryAfter || '', 10);
    if (wait > 0) this.problem = { ...this.problem, retry_after: wait };
  }
}

// One call. `opts`: body (sent as JSON), etag (If-Match), headers, staff
// (send the token, default true), raw (return the Response).
export async function call(method, path, opts = {}) {
  const headers = { accept: 'application/json', ...(opts.headers || {}) };
  if (opts.staff !== false && token()) headers.authorization = `Bearer ${token()}`;
  else if (method !== 'GET' && me && me.csrf_token) headers['x-csrf-token'] = me.csrf_token;
  if (opts.etag) headers['if-match'] = opts.etag;
  let body;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body,
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, { status: 0, code: 'network', title: String(e) });
  }
  if (opts.raw && response.ok) return response;
  const type = response.headers.get('content-type') || '';
  const data = type.includes('json') ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, data, response.headers.get('retry-after'));
  return {
    status: response.status,
    data,
    etag: response.headers.get('etag'),
    headers: response.headers,
  };
}

export const get = (path, opts) => call('GET', path, opts);
export const post = (path, body, opts = {}) => call('POST', path, { ...opts, body });

// A fresh Idempotency-Key (crypto.randomUUID exists only on secure origins;
// a county intranet may serve plain HTTP).
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// A query string from the pairs that have a value.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
