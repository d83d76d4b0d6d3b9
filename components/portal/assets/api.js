// Calls to the public HTTP API: JSON in and out, the staff token from the
// tab's session (never kept beyond it), problem documents passed back as
// they are so a form can show each error beside its field.

const TOKEN = 'casework.token';

export function token() {
  return sessionStorage.getItem(TOKEN) || '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN, value);
  else sessionStorage.removeItem(TOKEN);
}

// What the token says of its holder (its claims, read only to shape the
// page: the server checks the signature on every call).
export function claims() {
  const t = token();
  const part = t.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const c = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof c.exp === 'number' && c.exp * 1000 < Date.now()) return null;
    return c;
  } catch {
    return null;
  }
}

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || { status, title: `HTTP ${status}` };
  }
}

// One call. `opts`: body (sent as JSON), etag (If-Match), headers, staff
// (send the token, default true), raw (return the Response).
export async function call(method, path, opts = {}) {
  const headers = { accept: 'application/json', ...(opts.headers || {}) };
  if (opts.staff !== false && token()) headers.authorization = `Bearer ${token()}`;
  if (opts.etag) headers['if-match'] = opts.etag;
  let body;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, { status: 0, code: 'network', title: String(e) });
  }
  if (opts.raw && response.ok) return response;
  const type = response.headers.get('content-type') || '';
  const data = type.includes('json') ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, data);
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
