/**
 * Loopback fakes of the APIs in the diagnosis stories (GitLab behind Apache, Jira, an OAuth token endpoint, a
 * gateway that times out, a JSON API), answering the way the real products do. Each handler works for
 * startHttpServer and startHttpsServer alike; every timer a fake owns is cleared when its socket closes.
 */
import * as http from 'node:http';
import * as zlib from 'node:zlib';

export type Handler = http.RequestListener;

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A JWT with the given claims (unsigned for our purposes: the fakes only read the payload, as the rules do). */
export function makeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT', kid: 'test-key' })}.${part(claims)}.${Buffer.from('not-a-real-signature').toString('base64url')}`;
}

function jwtClaims(token: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// GitLab, and Apache httpd in front of it

/** Apache httpd 2.4's canned 404 (modules/http/http_protocol.c), as sent with AllowEncodedSlashes Off. */
export function apache404Page(host: string, port: number): string {
  return (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n' +
    '<html><head>\n' +
    '<title>404 Not Found</title>\n' +
    '</head><body>\n' +
    '<h1>Not Found</h1>\n' +
    '<p>The requested URL was not found on this server.</p>\n' +
    '<hr>\n' +
    `<address>Apache/2.4.57 (Debian) Server at ${host} Port ${port}</address>\n` +
    '</body></html>\n'
  );
}

/** Projects by id and by full path (GitLab's :id is either, the path URL-encoded as namespace%2Fproject). */
const GITLAB_PROJECTS = [{ id: 7, path: 'acme/backend' }];
const GITLAB_TOKEN = 'glpat-aaaaBBBBccccDDDDeeee';
export const gitlab = { token: GITLAB_TOKEN, projectPath: 'acme/backend', projectId: 7 };

/**
 * GitLab's REST API (Grape): PRIVATE-TOKEN auth, {"message":"404 Project Not Found"}, field errors as
 * {"message":{"title":["can't be blank"]}}, and the spam check's 409 asking for a CAPTCHA
 * (SpammableActions::CaptchaCheck::RestApiActionsSupport).
 */
export function gitlabApi(): Handler {
  let nextIssue = 100;
  return (req, res) => {
    void readBody(req).then((body) => {
      const url = req.url ?? '/';
      const match = /^\/api\/v4\/projects\/([^/?]+)(\/[^?]*)?(?:\?.*)?$/.exec(url);
      res.setHeader('X-Request-Id', `01HGITLAB${String(nextIssue)}`);
      if (!match) return sendJson(res, 404, { error: '404 Not Found' });
      if (req.headers['private-token'] !== GITLAB_TOKEN) return sendJson(res, 401, { message: '401 Unauthorized' });
      const id = decodeURIComponent(match[1]);
      const project = GITLAB_PROJECTS.find((p) => String(p.id) === id || p.path === id);
      if (!project) return sendJson(res, 404, { message: '404 Project Not Found' });
      const rest = match[2] ?? '';
      if (rest === '' && req.method === 'GET') return sendJson(res, 200, { id: project.id, path_with_namespace: project.path });
      if (rest === '/issues' && req.method === 'POST') {
        const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
        let params: Record<string, unknown> = {};
        if (type === 'application/json') {
          try {
            params = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
          } catch {
            return sendJson(res, 400, { error: 'The provided content-type \'application/json\' is not valid JSON' });
          }
        } else if (type === 'application/x-www-form-urlencoded') {
          params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
        }
        // Grape's `requires :title` (no Content-Type: the body is not read at all).
        if (params.title === undefined) return sendJson(res, 400, { error: 'title is missing' });
        if (typeof params.title !== 'string' || params.title.trim() === '') return sendJson(res, 400, { message: { title: ["can't be blank"] } });
        if (/casino|free money/i.test(`${params.title} ${String(params.description ?? '')}`) && req.headers['x-gitlab-captcha-response'] === undefined) {
          return sendJson(res, 409, {
            needs_captcha_response: true,
            spam_log_id: 42,
            captcha_site_key: '6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI',
            message: { error: 'Your issue has been recognized as spam. Please, change the content or solve the reCAPTCHA to proceed.' },
          });
        }
        const iid = nextIssue++;
        return sendJson(res, 201, { id: iid, iid, project_id: project.id, title: params.title }, { Location: `/api/v4/projects/${project.id}/issues/${iid}` });
      }
      return sendJson(res, 404, { error: '404 Not Found' });
    });
  };
}

/**
 * Apache httpd with `ProxyPass / http://gitlab/` and the default `AllowEncodedSlashes Off`: a path with %2F (or
 * %5C) is refused with Apache's own HTML 404 before mod_proxy runs; everything else is forwarded.
 */
export function apacheInFrontOf(backendPort: number): Handler {
  return (req, res) => {
    const host = (req.headers.host ?? 'localhost').split(':')[0];
    const port = Number((req.headers.host ?? '').split(':')[1] ?? 80);
    if (/%2F|%5C/i.test((req.url ?? '/').split('?')[0])) {
      req.resume();
      const page = apache404Page(host, port);
      res.writeHead(404, 'Not Found', { Server: 'Apache/2.4.57 (Debian)', 'Content-Type': 'text/html; charset=iso-8859-1', 'Content-Length': Buffer.byteLength(page) });
      res.end(page);
      return;
    }
    const forward = http.request({ host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers }, (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, { ...upstream.headers, server: 'Apache/2.4.57 (Debian)', via: '1.1 gitlab.example.test (Apache/2.4.57)' });
      upstream.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Jira

export const jira = {
  email: 'dev@example.test',
  apiToken: 'ATATT3xFfGF0aaaaBBBBccccDDDD',
  pat: 'NjM0NTY3ODkwMTIzOkF1dGhUb2tlbkZvckRD',
};

/**
 * Jira's REST API. `scheme: 'Bearer'` is Data Center with personal access tokens (or an OAuth/JWT-issuing SSO in
 * front), `scheme: 'Basic'` is Cloud with email + API token. Anonymous JQL on a project hidden from anonymous users
 * answers 400 "does not exist for the field 'project'" (Jira does not say "log in").
 */
export function jiraApi(scheme: 'Bearer' | 'Basic'): Handler {
  return (req, res) => {
    void readBody(req).then(() => {
      res.setHeader('X-AREQUESTID', '1234x5678x1');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      const url = new URL(req.url ?? '/', 'http://jira.local');
      const authorization = req.headers.authorization;
      const challenge = scheme === 'Bearer' ? 'Bearer realm="Jira"' : 'Basic realm="protected-by-api-token"';
      let authenticated = false;
      if (authorization !== undefined) {
        const [sent, credential = ''] = authorization.split(' ');
        if (sent !== scheme) {
          return sendJson(res, 401, { errorMessages: ['You are not authenticated. Authentication required to perform this operation.'], errors: {} }, { 'WWW-Authenticate': challenge });
        }
        if (scheme === 'Basic') {
          authenticated = Buffer.from(credential, 'base64').toString('utf8') === `${jira.email}:${jira.apiToken}`;
        } else if (credential === jira.pat) {
          authenticated = true;
        } else {
          const claims = jwtClaims(credential);
          if (claims && typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) {
            return sendJson(res, 401, { errorMessages: ['The access token expired'], errors: {} }, {
              'WWW-Authenticate': 'Bearer realm="Jira", error="invalid_token", error_description="The access token expired"',
            });
          }
          authenticated = claims !== undefined;
        }
        if (!authenticated) return sendJson(res, 401, { errorMessages: ['Client must be authenticated to access this resource.'], errors: {} }, { 'WWW-Authenticate': challenge });
      }
      if (url.pathname === '/rest/api/2/search') {
        const jql = url.searchParams.get('jql') ?? '';
        const key = /project\s*=\s*"?([A-Z][A-Z0-9]*)"?/i.exec(jql)?.[1];
        if (key && !authenticated) {
          return sendJson(res, 400, { errorMessages: [`The value '${key}' does not exist for the field 'project'.`], warningMessages: [] });
        }
        return sendJson(res, 200, { startAt: 0, maxResults: 50, total: 1, issues: [{ key: `${key ?? 'PKEY'}-1`, fields: { summary: 'First issue' } }] });
      }
      if (url.pathname === '/rest/api/2/myself') {
        if (!authenticated) {
          return sendJson(res, 401, { errorMessages: ['You are not authenticated. Authentication required to perform this operation.'], errors: {} }, { 'WWW-Authenticate': challenge });
        }
        return sendJson(res, 200, { name: 'dev', emailAddress: jira.email, active: true });
      }
      return sendJson(res, 404, { errorMessages: ['Null'], errors: {} });
    });
  };
}

// ---------------------------------------------------------------------------------------------------------------
// OAuth 2.0 token endpoint (RFC 6749 §5.2)

interface OAuthClient {
  secret: string;
  grants: string[];
  scopes: string[];
  redirectUri?: string;
}

export const OAUTH_CLIENTS: Record<string, OAuthClient> = {
  'web-app': { secret: 'web-secret', grants: ['authorization_code', 'refresh_token', 'password'], scopes: ['openid', 'read:issues'], redirectUri: 'https://app.example.test/callback' },
  'batch-job': { secret: 'batch-secret', grants: ['client_credentials'], scopes: ['read:issues', 'write:issues'] },
};
/** Accounts for the password grant: `mallory` is not assigned to the application (access_denied). */
export const OAUTH_USERS: Record<string, string> = { alice: 'alice-pw', mallory: 'mallory-pw' };

function oauthError(res: http.ServerResponse, status: number, error: string, description: string, headers: http.OutgoingHttpHeaders = {}): void {
  sendJson(res, status, { error, error_description: description }, { 'Cache-Control': 'no-store', Pragma: 'no-cache', ...headers });
}

/**
 * A token endpoint at /oauth/token that checks a request the way RFC 6749 says, in order: POST, form body,
 * grant_type known, client authentication, grant allowed for the client, grant parameters, scope. It also has an
 * overloaded mode (temporarily_unavailable) and a broken one (server_error), switched by `state`.
 */
export function oauthServer(state: { mode: 'ok' | 'overloaded' | 'broken' } = { mode: 'ok' }): Handler {
  return (req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://oauth.local');
      if (url.pathname !== '/oauth/token') return sendJson(res, 404, { error: 'not_found' });
      if (req.method !== 'POST') return oauthError(res, 400, 'invalid_request', 'Token requests must be sent with POST.');
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
      const params = type === 'application/x-www-form-urlencoded' ? new URLSearchParams(body.toString('utf8')) : new URLSearchParams();
      const grantType = params.get('grant_type');
      if (grantType === null) return oauthError(res, 400, 'invalid_request', 'Missing form parameter: grant_type');
      if (!['authorization_code', 'refresh_token', 'client_credentials', 'password'].includes(grantType)) {
        return oauthError(res, 400, 'unsupported_grant_type', `Unsupported grant_type: ${grantType}`);
      }
      if (state.mode === 'overloaded') return oauthError(res, 503, 'temporarily_unavailable', 'The authorization server is overloaded, try again later.', { 'Retry-After': '30' });
      if (state.mode === 'broken') return oauthError(res, 500, 'server_error', 'Unexpected error while issuing the token.');
      let clientId = params.get('client_id') ?? '';
      let secret = params.get('client_secret') ?? '';
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      if (basic) [clientId, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':').map(decodeURIComponent);
      const client = OAUTH_CLIENTS[clientId];
      if (!client || client.secret !== secret) {
        return oauthError(res, 401, 'invalid_client', 'Client authentication failed.', { 'WWW-Authenticate': 'Basic realm="oauth"' });
      }
      if (!client.grants.includes(grantType)) return oauthError(res, 400, 'unauthorized_client', `The client is not authorized to use ${grantType}.`);
      if (grantType === 'authorization_code') {
        if (params.get('redirect_uri') !== client.redirectUri) return oauthError(res, 400, 'redirect_uri_mismatch', 'The redirect_uri does not match the one registered for this client.');
        if (params.get('code') !== 'fresh-code') return oauthError(res, 400, 'invalid_grant', 'The authorization code is invalid or expired.');
      }
      if (grantType === 'password') {
        const username = params.get('username') ?? '';
        if (OAUTH_USERS[username] !== params.get('password')) return oauthError(res, 400, 'invalid_grant', 'Invalid user credentials.');
        if (username === 'mallory') return oauthError(res, 403, 'access_denied', 'The user is not assigned to this application.');
      }
      const scopes = (params.get('scope') ?? '').split(' ').filter((s) => s !== '');
      const unknown = scopes.filter((s) => !client.scopes.includes(s));
      if (unknown.length > 0) return oauthError(res, 400, 'invalid_scope', `Unknown scope: ${unknown.join(' ')}`);
      return sendJson(
        res,
        200,
        { access_token: makeJwt({ sub: clientId, exp: Math.floor(Date.now() / 1000) + 3600 }), token_type: 'Bearer', expires_in: 3600, scope: scopes.join(' ') },
        { 'Cache-Control': 'no-store' },
      );
    });
  };
}

// ---------------------------------------------------------------------------------------------------------------
// A gateway whose backend is slow, and an API that throttles

/**
 * A gateway that gives up on its (imaginary) backend after `delayMs`: `/timeout` 504, `/bad` 502, `/busy` 503,
 * each after a timer the server owns; `/now-504` answers 504 at once; `/maintenance` 503 with Retry-After.
 */
export function slowGateway(delayMs: number): Handler {
  const page = (status: number, reason: string): string => `<html><head><title>${status} ${reason}</title></head><body><h1>${reason}</h1><p>The backend did not answer in time.</p></body></html>`;
  const answer = (res: http.ServerResponse, status: number, reason: string, headers: http.OutgoingHttpHeaders = {}): void => {
    const text = page(status, reason);
    res.writeHead(status, reason, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  return (req, res) => {
    req.resume();
    const path = (req.url ?? '/').split('?')[0];
    const later = (fn: () => void): void => {
      const timer = setTimeout(fn, delayMs);
      req.socket.once('close', () => clearTimeout(timer));
    };
    if (path === '/timeout') return later(() => answer(res, 504, 'Gateway Timeout'));
    if (path === '/bad') return later(() => answer(res, 502, 'Bad Gateway'));
    if (path === '/busy') return later(() => answer(res, 503, 'Service Unavailable'));
    if (path === '/now-504') return answer(res, 504, 'Gateway Timeout');
    if (path === '/maintenance') return answer(res, 503, 'Service Unavailable', { 'Retry-After': '120' });
    return sendJson(res, 200, { ok: true });
  };
}

/** An API with a budget of `limit` requests per window: beyond it, 429 with Retry-After and RateLimit headers. */
export function throttledApi(limit: number, windowSeconds = 60): Handler {
  let used = 0;
  return (req, res) => {
    req.resume();
    used++;
    const remaining = Math.max(0, limit - used);
    const headers = { 'RateLimit-Limit': String(limit), 'RateLimit-Remaining': String(remaining), 'RateLimit-Reset': String(windowSeconds) };
    if (used > limit) return sendJson(res, 429, { message: 'Too Many Requests' }, { ...headers, 'Retry-After': String(windowSeconds) });
    return sendJson(res, 200, { items: [] }, headers);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// A healthy JSON API with the usual HTTP machinery

/**
 * A well-behaved REST API: CRUD on /api/items, ETag/304, 201 + Location, 204, same-host redirects, gzip when
 * asked, chunked streaming, ranges, Bearer JWT and cookie auth, a form login, and an OAuth token endpoint.
 */
export function healthyApi(): Handler {
  const items = new Map<number, { id: number; name: string }>([[1, { id: 1, name: 'first' }]]);
  let nextId = 2;
  const etagOf = (value: unknown): string => `"${Buffer.from(JSON.stringify(value)).toString('base64url').slice(-16)}"`;
  return (req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://api.local');
      const path = url.pathname;
      const method = req.method ?? 'GET';
      const rate = { 'RateLimit-Limit': '1000', 'RateLimit-Remaining': '998', 'RateLimit-Reset': '60', 'X-Request-Id': `req-${Math.random().toString(16).slice(2)}` };
      const jsonBody = (): Record<string, unknown> => JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      const itemMatch = /^\/api\/items\/(\d+)$/.exec(path);

      if (path === '/api/items' && (method === 'GET' || method === 'HEAD')) {
        const list = [...items.values()];
        const text = JSON.stringify({ page: Number(url.searchParams.get('page') ?? 1), items: list });
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ETag: etagOf(list), 'Cache-Control': 'private, max-age=0', ...rate });
        return res.end(method === 'HEAD' ? undefined : text);
      }
      if (path === '/api/items' && method === 'POST') {
        const item = { id: nextId++, name: String(jsonBody().name ?? 'unnamed') };
        items.set(item.id, item);
        return sendJson(res, 201, item, { Location: `/api/items/${item.id}`, ...rate });
      }
      if (itemMatch) {
        const id = Number(itemMatch[1]);
        const item = items.get(id);
        if (!item) return sendJson(res, 404, { message: 'Not Found' });
        if (method === 'GET') {
          const etag = etagOf(item);
          if (req.headers['if-none-match'] === etag) {
            res.writeHead(304, { ETag: etag, 'Cache-Control': 'private, max-age=0' });
            return res.end();
          }
          return sendJson(res, 200, item, { ETag: etag, ...rate });
        }
        if (method === 'PUT' || method === 'PATCH') {
          Object.assign(item, { name: String(jsonBody().name ?? item.name) });
          return sendJson(res, 200, item, { ETag: etagOf(item), ...rate });
        }
        if (method === 'DELETE') {
          items.delete(id);
          res.writeHead(204, rate);
          return res.end();
        }
      }
      if (path === '/api/v1/items') {
        res.writeHead(301, { Location: '/api/items', 'Content-Length': 0 });
        return res.end();
      }
      if (path === '/latest') {
        res.writeHead(302, { Location: `/api/items/1${url.search}`, 'Content-Length': 0 });
        return res.end();
      }
      if (path === '/api/items-upload') {
        // A temporary move that keeps the method and body (307), on the same host.
        res.writeHead(307, { Location: '/api/items', 'Content-Length': 0 });
        return res.end();
      }
      if (path === '/api/report') {
        const text = JSON.stringify({ rows: Array.from({ length: 200 }, (_, i) => ({ i, label: `row ${i}` })) });
        if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
          const gz = zlib.gzipSync(text);
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding', 'Content-Length': gz.length, ...rate });
          return res.end(gz);
        }
        return sendJson(res, 200, JSON.parse(text), rate);
      }
      if (path === '/api/events') {
        // Chunked: no Content-Length, several writes.
        res.writeHead(200, { 'Content-Type': 'application/x-ndjson', ...rate });
        for (let i = 0; i < 5; i++) res.write(`${JSON.stringify({ event: i })}\n`);
        return res.end();
      }
      if (path === '/api/blob') {
        const data = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
        const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
        if (range) {
          const start = Number(range[1]);
          const end = Math.min(Number(range[2]), data.length - 1);
          res.writeHead(206, { 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes ${start}-${end}/${data.length}`, 'Content-Length': end - start + 1, 'Accept-Ranges': 'bytes' });
          return res.end(data.subarray(start, end + 1));
        }
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length, 'Accept-Ranges': 'bytes' });
        return res.end(data);
      }
      if (path === '/api/search') {
        return sendJson(res, 200, { q: url.searchParams.get('q'), tags: url.searchParams.getAll('tag'), total: 0, results: [] }, rate);
      }
      if (path === '/api/me') {
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const claims = bearer ? jwtClaims(bearer) : undefined;
        const cookie = /(?:^|;\s*)session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (claims && typeof claims.exp === 'number' && claims.exp * 1000 > Date.now()) return sendJson(res, 200, { user: claims.sub, via: 'jwt' }, rate);
        if (cookie === 's3ss10n') return sendJson(res, 200, { user: 'alice', via: 'cookie' }, rate);
        if (basic && Buffer.from(basic, 'base64').toString('utf8') === 'alice:alice-pw') return sendJson(res, 200, { user: 'alice', via: 'basic' }, rate);
        return sendJson(res, 401, { message: 'Unauthorized' }, { 'WWW-Authenticate': 'Bearer realm="api"' });
      }
      if (path === '/login' && method === 'POST') {
        const form = new URLSearchParams(body.toString('utf8'));
        if (form.get('username') === 'alice' && form.get('password') === 'alice-pw') {
          res.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': 'session=s3ss10n; Path=/; HttpOnly; SameSite=Lax' });
          return res.end('{"ok":true}');
        }
        return sendJson(res, 401, { message: 'bad credentials' });
      }
      if (path === '/api/jobs' && method === 'POST') {
        return sendJson(res, 202, { id: 'job-1', status: 'queued' }, { Location: '/api/jobs/job-1', ...rate });
      }
      if (path === '/api/v4/projects/acme%2Fbackend' || url.pathname === '/api/v4/projects/acme%2Fbackend') {
        return sendJson(res, 200, { id: 7, path_with_namespace: 'acme/backend' }, rate);
      }
      if (method === 'OPTIONS') {
        // A CORS preflight.
        res.writeHead(204, {
          'Access-Control-Allow-Origin': String(req.headers.origin ?? '*'),
          'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE',
          'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Api-Key',
          'Access-Control-Max-Age': '600',
        });
        return res.end();
      }
      if (path === '/api/uploads' && method === 'POST') {
        const boundary = /boundary=([^;]+)/.exec(String(req.headers['content-type'] ?? ''))?.[1];
        const parts = boundary ? body.toString('latin1').split(`--${boundary}`).length - 2 : 0;
        return sendJson(res, 201, { parts }, { Location: '/api/uploads/1', ...rate });
      }
      if (path === '/oauth/token' && method === 'POST') {
        // Form-encoded as RFC 6749 says, or JSON as Auth0's /oauth/token also accepts.
        const json = /json/.test(String(req.headers['content-type'] ?? ''));
        const form = json ? new URLSearchParams(jsonBody() as Record<string, string>) : new URLSearchParams(body.toString('utf8'));
        if (form.get('grant_type') === 'client_credentials') {
          return sendJson(res, 200, { access_token: makeJwt({ sub: 'batch-job', exp: Math.floor(Date.now() / 1000) + 3600 }), token_type: 'Bearer', expires_in: 3600 }, { 'Cache-Control': 'no-store' });
        }
      }
      if (path === '/health') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return res.end('ok');
      }
      return sendJson(res, 404, { message: 'Not Found' });
    });
  };
}
