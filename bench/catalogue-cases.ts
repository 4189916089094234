/**
 * Realistic exchange records for the diagnosis benchmark: at least one case per rule of the catalogue (the case
 * that makes it fire, with the headers and bodies real servers send) and healthy traffic, each with a recent
 * history of the same client and origin as the recorder would pass it (bodies stripped, oldest first).
 * Self-contained: the bench is built without test/, so this file has its own small record builder.
 */
import type { CapturedBody, ExchangeRecord, HeaderPairs, Phases, TransportError, UpstreamInfo } from '../src/model/exchange';
import { captureBody } from '../src/model/body';
import { originOf } from '../src/model/url';

/** The fixed "now" of every diagnosis: each record ends at BENCH_NOW (it starts phases.total earlier). */
export const BENCH_NOW = Date.parse('2026-11-21T20:41:03.120Z');
const NOW_S = Math.floor(BENCH_NOW / 1000);

export interface BenchCase {
  name: string;
  /** The rule this case is built to trigger (undefined for healthy traffic). */
  expect?: string;
  record: ExchangeRecord;
  history: ExchangeRecord[];
}

// ---------------------------------------------------------------------------------------------------------------
// Builder
// ---------------------------------------------------------------------------------------------------------------

type BodyInput = string | Buffer | CapturedBody | undefined;

interface RecordInput {
  method?: string;
  url: string;
  /** Request headers; Host, User-Agent, Accept and Accept-Encoding are added in front unless `bareHeaders`. */
  headers?: HeaderPairs;
  bareHeaders?: boolean;
  userAgent?: string;
  body?: BodyInput;
  /** null: no response (transport failure). */
  status?: number | null;
  statusText?: string;
  responseHeaders?: HeaderPairs;
  responseBody?: BodyInput;
  error?: TransportError;
  phases?: Partial<Phases>;
  upstream?: UpstreamInfo;
  /** Milliseconds before BENCH_NOW at which the exchange ended (0 for the record being diagnosed). */
  endedAgoMs?: number;
  seq?: number;
  client?: string;
}

let seqCounter = 1000;

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found',
  303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request',
  401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  409: 'Conflict', 412: 'Precondition Failed', 413: 'Request Entity Too Large', 414: 'URI Too Long',
  415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests',
  431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Gateway Time-out', 521: 'Web Server Is Down', 524: 'A Timeout Occurred',
};

function captured(input: BodyInput): CapturedBody {
  if (input === undefined) return { size: 0, truncated: false };
  if (typeof input === 'string') return captureBody(Buffer.from(input, 'utf8'), Buffer.byteLength(input), false);
  if (Buffer.isBuffer(input)) return captureBody(input, input.length, false);
  return input;
}

function hostOf(url: string): string {
  return /^[a-z]+:\/\/([^/?#]*)/i.exec(url)?.[1] ?? 'localhost';
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

export function rec(input: RecordInput): ExchangeRecord {
  seqCounter += 1;
  const phases: Phases = { total: 85, ...input.phases };
  const endMs = BENCH_NOW - (input.endedAgoMs ?? 0);
  const startMs = endMs - phases.total;
  const reqBody = captured(input.body);
  const defaults: HeaderPairs = [
    ['Host', hostOf(input.url)],
    ['User-Agent', input.userAgent ?? 'python-requests/2.32.3'],
    ['Accept-Encoding', 'gzip, deflate'],
    ['Accept', '*/*'],
    ['Connection', 'keep-alive'],
  ];
  const headers: HeaderPairs = input.bareHeaders ? [...(input.headers ?? [])] : [...defaults, ...(input.headers ?? [])];
  if (reqBody.size > 0 && !headers.some(([n]) => n.toLowerCase() === 'content-length')) headers.push(['Content-Length', String(reqBody.size)]);
  const seq = input.seq ?? seqCounter;
  const record: ExchangeRecord = {
    v: 1,
    id: `${Math.floor(startMs).toString(36).padStart(9, '0')}-${seq.toString(36)}-0bench00`,
    seq,
    startedAt: new Date(startMs).toISOString(),
    client: { address: input.client ?? '127.0.0.1' },
    request: { method: input.method ?? 'GET', url: input.url, httpVersion: '1.1', headers, body: reqBody },
    phases,
    upstream: input.upstream ?? { reusedConnection: true, address: '203.0.113.10:443', tls: input.url.startsWith('https:') ? 'TLSv1.3' : undefined },
    tunnel: false,
    replayOf: null,
    findings: [],
  };
  if (input.status !== null && !(input.error && input.status === undefined)) {
    const status = input.status ?? 200;
    const resBody = captured(input.responseBody);
    const resHeaders: HeaderPairs = [['Date', httpDate(endMs - 5)], ...(input.responseHeaders ?? [['Content-Type', 'application/json']])];
    if (!resHeaders.some(([n]) => n.toLowerCase() === 'content-length' || n.toLowerCase() === 'transfer-encoding')) {
      resHeaders.push(['Content-Length', String(resBody.size)]);
    }
    record.response = { status, statusText: input.statusText ?? STATUS_TEXT[status] ?? '', httpVersion: '1.1', headers: resHeaders, body: resBody };
  }
  if (input.error) record.error = input.error;
  return record;
}

/** As the recorder keeps history: metadata only, bodies dropped. */
function slim(record: ExchangeRecord): ExchangeRecord {
  const out: ExchangeRecord = { ...record, request: { ...record.request, body: { size: record.request.body.size, truncated: record.request.body.truncated } } };
  if (record.response) out.response = { ...record.response, body: { size: record.response.body.size, truncated: record.response.body.truncated } };
  return out;
}

/**
 * Background traffic of the same client and origin over the last few minutes: `count` healthy calls spread from
 * `spanMs` ago up to `untilAgoMs` ago, with the given credential headers.
 */
function background(url: string, headers: HeaderPairs, count: number, spanMs = 240_000, untilAgoMs = 65_000): ExchangeRecord[] {
  const origin = originOf(url) ?? url;
  const paths = ['/api/v4/projects?per_page=50', '/api/v4/user', '/api/v4/projects/1/issues?state=opened', '/api/v4/projects/1/merge_requests', '/api/v4/version'];
  const out: ExchangeRecord[] = [];
  for (let i = 0; i < count; i++) {
    const ago = spanMs - ((spanMs - untilAgoMs) * i) / Math.max(1, count - 1);
    const method = i % 7 === 3 ? 'POST' : 'GET';
    out.push(
      slim(
        rec({
          method,
          url: origin + paths[i % paths.length],
          headers: method === 'POST' ? [...headers, ['Content-Type', 'application/json']] : headers,
          body: method === 'POST' ? '{"title":"nightly sync","labels":"ci"}' : undefined,
          status: method === 'POST' ? 201 : 200,
          responseHeaders: [['Content-Type', 'application/json'], ['X-Request-Id', `01HX${i}ABCDEF`]],
          responseBody: '[{"id":1,"name":"x"}]',
          endedAgoMs: Math.round(ago),
          phases: { ttfb: 60 + (i % 5) * 10, download: 3, total: 70 + (i % 5) * 10 },
        }),
      ),
    );
  }
  return out;
}

/** A case whose record is diagnosed with background history plus `extra` earlier records (oldest first). */
function bench(name: string, expect: string | undefined, input: RecordInput, extra: ExchangeRecord[] = [], historyCount = 20): BenchCase {
  const record = rec(input);
  const credentialHeaders = (input.headers ?? []).filter(([n]) => /authorization|token|api-key|cookie/i.test(n));
  const history = [...background(input.url, credentialHeaders, historyCount), ...extra.map(slim)];
  return { name, expect, record, history };
}

// ---------------------------------------------------------------------------------------------------------------
// Realistic pieces
// ---------------------------------------------------------------------------------------------------------------

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
function jwt(claims: Record<string, unknown>, kid = 'Qm9vdHN0cmFw'): string {
  return `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(claims)}.${Buffer.from('s'.repeat(256)).toString('base64url')}`;
}

const VALID_JWT = jwt({
  iss: 'https://login.example.com/', sub: 'auth0|5f7c8ec7c33c6c004bbafe82', aud: 'https://api.example.com',
  iat: NOW_S - 600, nbf: NOW_S - 600, exp: NOW_S + 3000, scope: 'openid profile read:orders write:orders', azp: 'Xy1FtR0abc',
});
const EXPIRED_JWT = jwt({
  iss: 'https://login.example.com/', sub: 'auth0|5f7c8ec7c33c6c004bbafe82', aud: 'https://api.example.com',
  iat: NOW_S - 4 * 3600 - 720, exp: NOW_S - 3 * 3600 - 720, scope: 'openid profile read:orders',
});
const FUTURE_JWT = jwt({ iss: 'https://idp.corp.example', sub: 'svc-billing', iat: NOW_S + 125, nbf: NOW_S + 125, exp: NOW_S + 3725 });
const NARROW_JWT = jwt({ iss: 'https://login.example.com/', sub: 'ci-bot', iat: NOW_S - 60, exp: NOW_S + 3540, scope: 'read:issues profile' });
const GITLAB_PAT = 'glpat-Xq8vR2mZkL4nT7wYbC1d';
const NGINX_HEADERS: HeaderPairs = [['Server', 'nginx/1.24.0'], ['Content-Type', 'text/html'], ['Connection', 'keep-alive']];
const JSON_HEADERS: HeaderPairs = [['Content-Type', 'application/json; charset=utf-8'], ['Cache-Control', 'no-cache'], ['X-Request-Id', '01J9ZK3Q8W7T5VXRB2M4N6P8QA']];
const GITLAB_HEADERS: HeaderPairs = [
  ['Server', 'nginx'], ['Content-Type', 'application/json'], ['Cache-Control', 'no-cache'], ['Vary', 'Origin'],
  ['X-Content-Type-Options', 'nosniff'], ['X-Frame-Options', 'SAMEORIGIN'], ['X-Request-Id', '01J9ZK4M2C7H9D1E3F5G7H9J1K'],
  ['X-Runtime', '0.041235'], ['Strict-Transport-Security', 'max-age=63072000'], ['Referrer-Policy', 'strict-origin-when-cross-origin'],
];
const JIRA_HEADERS: HeaderPairs = [
  ['Server', 'AtlassianEdge'], ['Content-Type', 'application/json;charset=UTF-8'], ['X-AREQUESTID', '1242x8391x1'],
  ['X-Seraph-LoginReason', 'OK'], ['Cache-Control', 'no-cache, no-store, no-transform'], ['Atl-Traceid', '4b1f0d2e6a7c8e9f'],
];

const nginxPage = (title: string, extra = '') =>
  `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title.replace(/^400 .*/, '400 Bad Request')}</h1></center>\r\n${extra}<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

const APACHE_404 =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n' +
  '<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n<hr>\n' +
  '<address>Apache/2.4.58 (Ubuntu) Server at gitlab.example.com Port 443</address>\n</body></html>\n';
const TOMCAT_400 =
  '<!doctype html><html lang="en"><head><title>HTTP Status 400 – Bad Request</title></head><body>' +
  '<h1>HTTP Status 400 – Bad Request</h1><hr class="line" /><p><b>Type</b> Exception Report</p>' +
  '<p><b>Message</b> Invalid URI: [The encoded slash character is not allowed]</p><h3>Apache Tomcat/10.1.20</h3></body></html>';
const VARNISH_503 =
  '<!DOCTYPE html><html><head><title>503 Backend fetch failed</title></head><body><h1>Error 503 Backend fetch failed</h1>' +
  '<p>Backend fetch failed</p><h3>Guru Meditation:</h3><p>XID: 32770</p><hr><p>Varnish cache server</p></body></html>';
const CLOUDFLARE_BLOCK =
  '<!DOCTYPE html><html lang="en-US"><head><title>Attention Required! | Cloudflare</title><meta charset="UTF-8" /></head>' +
  '<body><div id="cf-wrapper"><h1 data-translate="block_headline">Sorry, you have been blocked</h1>' +
  '<h2 class="cf-subheadline">You are unable to access example.com</h2><p>This website is using a security service to protect itself from online attacks.</p>' +
  '<span class="cf-footer-item">Cloudflare Ray ID: <strong class="font-semibold">8a1b2c3d4e5f6071</strong></span></div></body></html>';

/** A JSON array of `count` realistic issue objects (~1 KiB each). */
function issuesJson(count: number): string {
  const items: string[] = [];
  for (let i = 0; i < count; i++) {
    items.push(
      JSON.stringify({
        id: 84_000 + i, iid: i + 1, project_id: 1, title: `Sync job fails on repository ${i} when the default branch is renamed`,
        description: 'Steps to reproduce:\n1. Rename the default branch\n2. Run the nightly sync\n\nExpected: the job follows the new name.\nActual: 404 on the old ref. '.repeat(2),
        state: i % 3 === 0 ? 'closed' : 'opened', created_at: '2026-11-20T09:12:44.512Z', updated_at: '2026-11-21T18:03:10.009Z',
        labels: ['bug', 'sync', `team::${i % 4}`], milestone: null, assignees: [{ id: 17, username: 'jdoe', name: 'Jane Doe', state: 'active' }],
        author: { id: 4, username: 'ops-bot', name: 'Ops Bot', avatar_url: 'https://gitlab.example.com/uploads/-/system/user/avatar/4/avatar.png' },
        web_url: `https://gitlab.example.com/group/project/-/issues/${i + 1}`, user_notes_count: i % 9, confidential: false,
      }),
    );
  }
  return `[${items.join(',')}]`;
}
const ISSUES_1MIB = issuesJson(1000); // ≈ 1 MiB
const ISSUES_SMALL = issuesJson(20);
const BIG_REQUEST_TEXT = `{"records":${issuesJson(1200)}}`; // ≈ 1.3 MB, captured as the first 1 MiB

function truncated(text: string, limit = 1024 * 1024): CapturedBody {
  const bytes = Buffer.from(text, 'utf8');
  return captureBody(bytes.subarray(0, limit), bytes.length, bytes.length > limit);
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

// ---------------------------------------------------------------------------------------------------------------
// The catalogue's cases
// ---------------------------------------------------------------------------------------------------------------

const GL = 'https://gitlab.example.com';
const PAT: HeaderPairs = [['PRIVATE-TOKEN', GITLAB_PAT]];
const BEARER: HeaderPairs = [['Authorization', `Bearer ${VALID_JWT}`]];

function failureCases(): BenchCase[] {
  const cases: BenchCase[] = [];

  // Transport
  cases.push(bench('ENOTFOUND typo host', 'upstream-dns-failure', {
    url: 'https://api.exmaple.com/v1/orders?limit=50', headers: BEARER, status: null,
    error: { kind: 'dns', code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND api.exmaple.com', stage: 'connect' },
    phases: { dns: 14, total: 15 }, upstream: { reusedConnection: false },
  }, [], 0));
  cases.push(bench('ECONNREFUSED https on 8080', 'upstream-connection-refused', {
    url: 'https://billing.internal:8080/v1/charges', method: 'POST', headers: [['Content-Type', 'application/json'], ...BEARER],
    body: '{"amount":1299,"currency":"eur","customer":"cus_9s6XKzkNRiz8i3"}', status: null,
    error: { kind: 'refused', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.5:8080', stage: 'connect' },
    phases: { dns: 2, total: 4 }, upstream: { reusedConnection: false, address: '10.0.0.5:8080' },
  }, [], 3));
  cases.push(bench('connect ETIMEDOUT 10 s', 'upstream-connect-timeout', {
    url: 'https://api.example.com:8443/v1/reports/daily', headers: BEARER, status: null,
    error: { kind: 'connect-timeout', code: 'ETIMEDOUT', message: 'connect ETIMEDOUT 203.0.113.7:8443', stage: 'connect' },
    phases: { dns: 21, total: 10_000 }, upstream: { reusedConnection: false, address: '203.0.113.7:8443' },
  }, [], 5));
  cases.push(bench('expired certificate', 'upstream-tls-error', {
    url: 'https://legacy.example.org/api/status', status: null,
    error: {
      kind: 'tls', code: 'CERT_HAS_EXPIRED', message: 'certificate has expired', stage: 'tls',
      certificate: { subject: 'CN=legacy.example.org', issuer: "C=US, O=Let's Encrypt, CN=R3", validFrom: 'Aug  1 00:00:00 2026 GMT', validTo: 'Oct 30 00:00:00 2026 GMT', altNames: 'DNS:legacy.example.org' },
    },
    phases: { dns: 9, connect: 31, total: 68 }, upstream: { reusedConnection: false, address: '198.51.100.20:443' },
  }, [], 0));
  cases.push(bench('reset after 350 s (NLB idle)', 'upstream-reset', {
    url: 'https://api.example.com/v1/reports', method: 'POST', headers: [['Content-Type', 'application/json'], ...BEARER],
    body: '{"range":"2026-01-01/2026-11-20","format":"csv"}', status: null,
    error: { kind: 'reset', code: 'ECONNRESET', message: 'socket hang up', stage: 'response-headers' },
    phases: { connect: 30, tls: 42, total: 350_200 }, upstream: { reusedConnection: false, address: '203.0.113.10:443', tls: 'TLSv1.3' },
  }));
  cases.push(bench('client rejects proxydoc CA', 'client-rejected-proxy-ca', {
    url: 'https://api.github.com/', status: null, userAgent: 'python-requests/2.32.3',
    error: { kind: 'client-tls-rejected', code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', message: 'tlsv1 alert unknown ca', stage: 'tunnel' },
    phases: { total: 6 },
  }, [], 0));
  cases.push(bench('client gives up at 30 s', 'client-aborted', {
    url: `${GL}/api/v4/projects/1/pipeline`, method: 'POST', headers: [...PAT, ['Content-Type', 'application/json']],
    body: '{"ref":"main","variables":[{"key":"DEPLOY","value":"1"}]}', status: null,
    error: { kind: 'client-aborted', code: 'ECONNRESET', message: 'client closed the connection', stage: 'response-headers' },
    phases: { ttfb: undefined, total: 30_050 },
  }));

  // Authentication and authorization
  cases.push(bench('GitLab 401 without credential', 'auth-missing', {
    url: `${GL}/api/v4/projects?membership=true`, status: 401,
    responseHeaders: [...GITLAB_HEADERS, ['WWW-Authenticate', 'Bearer realm="gitlab"']], responseBody: '{"message":"401 Unauthorized"}',
  }));
  cases.push(bench('PRIVATE_TOKEN with underscore', 'auth-header-misspelled', {
    url: `${GL}/api/v4/projects/1/issues`, headers: [['PRIVATE_TOKEN', GITLAB_PAT]], status: 401,
    responseHeaders: GITLAB_HEADERS, responseBody: '{"message":"401 Unauthorized"}',
  }));
  cases.push(bench('Basic sent, Bearer asked', 'auth-scheme-mismatch', {
    url: 'https://api.example.com/v1/orders', headers: [['Authorization', `Basic ${b64('svc-orders:Sup3rS3cret!')}`]], status: 401,
    responseHeaders: [...JSON_HEADERS, ['WWW-Authenticate', 'Bearer realm="api", error="invalid_request"']],
    responseBody: '{"error":"unauthorized","message":"Bearer token required"}',
  }));
  cases.push(bench('401 Bearer invalid_token with expired JWT', 'token-expired', {
    url: 'https://api.example.com/v1/orders/ord_8Hn2/refunds', headers: [['Authorization', `Bearer ${EXPIRED_JWT}`]], status: 401,
    responseHeaders: [...JSON_HEADERS, ['WWW-Authenticate', 'Bearer realm="api", error="invalid_token", error_description="The access token expired"']],
    responseBody: '{"error":"invalid_token","error_description":"The access token expired"}',
  }, [], 20));
  cases.push(bench('JWT nbf in the future (clock skew)', 'token-not-yet-valid', {
    url: 'https://billing.corp.example/api/invoices', headers: [['Authorization', `Bearer ${FUTURE_JWT}`]], status: 401,
    responseHeaders: [...JSON_HEADERS, ['WWW-Authenticate', 'Bearer error="invalid_token", error_description="The token is not valid yet"']],
    responseBody: '{"error":"invalid_token"}', phases: { ttfb: 120, total: 140 },
  }));
  cases.push(bench('403 insufficient_scope vs JWT scope', 'insufficient-scope', {
    url: 'https://api.example.com/v1/issues/42', method: 'PATCH', headers: [['Authorization', `Bearer ${NARROW_JWT}`], ['Content-Type', 'application/json']],
    body: '{"state":"closed"}', status: 403,
    responseHeaders: [...JSON_HEADERS, ['WWW-Authenticate', 'Bearer realm="api", error="insufficient_scope", scope="write:issues"']],
    responseBody: '{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token."}',
  }));
  const TOKEN_URL = 'https://login.example.com/oauth2/v1/token';
  const codeExchange = (endedAgoMs: number, status: number, responseBody: string) => rec({
    method: 'POST', url: TOKEN_URL, headers: [['Content-Type', 'application/x-www-form-urlencoded'], ['Authorization', `Basic ${b64('app-client:cl13nt-s3cr3t')}`]],
    body: 'grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback',
    status, responseHeaders: [['Content-Type', 'application/json;charset=UTF-8'], ['Cache-Control', 'no-store'], ['Pragma', 'no-cache']],
    responseBody, endedAgoMs,
  });
  cases.push({
    name: 'OAuth invalid_grant (code reused)', expect: 'oauth-error',
    record: codeExchange(0, 400, '{"error":"invalid_grant","error_description":"The provided authorization grant is invalid, expired, revoked, or was issued to another client."}'),
    history: [slim(codeExchange(12_000, 200, '{"access_token":"x","token_type":"Bearer","expires_in":3600}'))],
  });
  cases.push(bench('OAuth invalid_client', 'oauth-error', {
    method: 'POST', url: 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/oauth2/v2.0/token',
    headers: [['Content-Type', 'application/x-www-form-urlencoded']],
    body: 'grant_type=client_credentials&client_id=6731de76-14a6-49ae-97bc-6eba6914391e&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_secret=wrong',
    status: 401, responseHeaders: [['Content-Type', 'application/json; charset=utf-8'], ['x-ms-request-id', 'a1b2c3d4-0000-1111-2222-333344445555']],
    responseBody: '{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.","error_codes":[7000215],"timestamp":"2026-11-21 20:41:03Z","trace_id":"0f2f3d4e","correlation_id":"9a8b7c6d"}',
  }, [], 2));
  cases.push(bench('Jira 400 project does not exist, anonymous', 'anonymous-restricted-resource', {
    url: 'https://acme.atlassian.net/rest/api/2/issue', method: 'POST', headers: [['Content-Type', 'application/json']],
    body: '{"fields":{"project":{"key":"PKEY"},"summary":"Sync failed","issuetype":{"name":"Bug"}}}', status: 400,
    responseHeaders: JIRA_HEADERS, responseBody: `{"errorMessages":[],"errors":{"project":"The value 'PKEY' does not exist for the field 'project'."}}`,
  }));
  const apiKey: HeaderPairs = [['X-Api-Key', 'ak_live_51Hc9GfE0123456789abcdef']];
  const keyFailure = (endedAgoMs: number) => rec({ url: 'https://api.example.com/v1/orders?status=open', headers: apiKey, status: 401, responseHeaders: JSON_HEADERS, responseBody: '{"error":"invalid api key"}', endedAgoMs });
  cases.push({
    name: 'third 401 in 20 s, same API key', expect: 'auth-failure-loop',
    record: keyFailure(0),
    history: [...background('https://api.example.com/', apiKey, 15, 240_000, 90_000), slim(keyFailure(20_000)), slim(keyFailure(10_000))],
  });
  cases.push(bench('GitLab 403 not allowed to push', 'forbidden', {
    url: `${GL}/api/v4/projects/1/repository/commits`, method: 'POST', headers: [...PAT, ['Content-Type', 'application/json']],
    body: '{"branch":"main","commit_message":"bump","actions":[{"action":"update","file_path":"VERSION","content":"1.2.3"}]}', status: 403,
    responseHeaders: GITLAB_HEADERS, responseBody: '{"message":"403 Forbidden - You are not allowed to push into this branch"}',
  }));
  cases.push(bench('Cloudflare block page', 'forbidden', {
    url: 'https://shop.example.com/api/cart', headers: [['Cookie', 'session=9f8e7d6c5b4a; cf_clearance=abc']], status: 403,
    responseHeaders: [['Server', 'cloudflare'], ['CF-RAY', '8a1b2c3d4e5f6071-FRA'], ['Content-Type', 'text/html; charset=UTF-8']],
    responseBody: CLOUDFLARE_BLOCK,
  }));

  // Request shape
  cases.push(bench('POST JSON without Content-Type', 'missing-content-type', {
    url: `${GL}/api/v4/projects/1/issues`, method: 'POST', headers: PAT, body: '{"title":"Bug in sync","labels":"bug,sync"}', status: 400,
    responseHeaders: GITLAB_HEADERS, responseBody: '{"error":"title is missing"}',
  }));
  cases.push(bench('curl -d JSON as form', 'content-type-mismatch', {
    url: 'https://jira.example.com/rest/api/2/issue', method: 'POST', userAgent: 'curl/8.5.0',
    headers: [['Authorization', 'Bearer NjQ0ODk2OTI2NDUxOsPmH1sm3Nf7'], ['Content-Type', 'application/x-www-form-urlencoded']],
    body: '{"fields":{"project":{"key":"OPS"},"summary":"Disk full on build-07","issuetype":{"name":"Task"}}}', status: 415,
    responseHeaders: [...JIRA_HEADERS.slice(0, 1), ['Content-Type', 'text/html;charset=UTF-8']], responseBody: '',
  }));
  cases.push(bench('trailing comma in JSON', 'invalid-json-body', {
    url: 'https://api.example.com/v1/items', method: 'POST', headers: [...BEARER, ['Content-Type', 'application/json']],
    body: '{\n  "name": "widget",\n  "price": 12.5,\n  "tags": ["a", "b"],\n}', status: 400,
    responseHeaders: JSON_HEADERS, responseBody: '{"message":"Bad Request","detail":"Unexpected token } in JSON at position 58"}',
  }));
  cases.push(bench('GitLab field errors', 'validation-failed', {
    url: `${GL}/api/v4/projects/1/issues?confidential=true`, method: 'POST', headers: [...PAT, ['Content-Type', 'application/json']],
    body: '{"title":"","labels":"x"}', status: 400, responseHeaders: GITLAB_HEADERS,
    responseBody: '{"message":{"title":["can\'t be blank"],"labels":{"name":["is invalid"]}}}',
  }));
  cases.push(bench('problem+json 422 with 40 errors', 'validation-failed', {
    url: 'https://api.example.com/v1/customers/import', method: 'POST', headers: [...BEARER, ['Content-Type', 'application/json']],
    body: JSON.stringify({ customers: Array.from({ length: 40 }, (_, i) => ({ email: `user${i}@`, name: '' })) }), status: 422,
    responseHeaders: [['Content-Type', 'application/problem+json']],
    responseBody: JSON.stringify({
      type: 'https://api.example.com/problems/validation', title: 'Your request is not valid.', status: 422,
      errors: Array.from({ length: 40 }, (_, i) => ({ detail: 'must be a valid email address', pointer: `#/customers/${i}/email` })),
    }),
  }));
  cases.push(bench('POST to search, Allow GET', 'method-not-allowed', {
    url: 'https://api.example.com/v1/search?q=widgets', method: 'POST', headers: BEARER, status: 405,
    responseHeaders: [...JSON_HEADERS, ['Allow', 'GET, HEAD']], responseBody: '{"message":"Method Not Allowed"}',
  }));
  cases.push(bench('406 for Accept xml', 'not-acceptable', {
    url: 'https://api.example.com/v1/report', headers: [...BEARER, ['Accept', 'application/xml']], status: 406,
    responseHeaders: JSON_HEADERS, responseBody: '{"message":"Only JSON is supported"}',
  }));
  cases.push(bench('409 branch exists', 'conflict', {
    url: `${GL}/api/v4/projects/1/repository/branches`, method: 'POST', headers: [...PAT, ['Content-Type', 'application/json']],
    body: '{"branch":"release-1.4","ref":"main"}', status: 409, responseHeaders: GITLAB_HEADERS, responseBody: '{"message":"Branch already exists"}',
  }));
  cases.push(bench('412 If-Match stale', 'precondition-failed', {
    url: 'https://api.example.com/v1/docs/9', method: 'PUT', headers: [...BEARER, ['Content-Type', 'application/json'], ['If-Match', '"v1-8f2c"']],
    body: '{"title":"Runbook","body":"..."}', status: 412, responseHeaders: [...JSON_HEADERS, ['ETag', '"v2-91ab"']],
    responseBody: '{"message":"Precondition Failed"}',
  }));
  cases.push(bench('nginx 413 for a 1.3 MB upload (1 MiB captured)', 'payload-too-large', {
    url: 'https://api.example.com/v1/uploads', method: 'POST', headers: [...BEARER, ['Content-Type', 'application/json']],
    body: truncated(BIG_REQUEST_TEXT), status: 413, responseHeaders: NGINX_HEADERS, responseBody: nginxPage('413 Request Entity Too Large'),
    phases: { ttfb: 40, total: 380 },
  }));
  const jql = 'key in (' + Array.from({ length: 900 }, (_, i) => `PRJ-${i}`).join(',') + ')';
  cases.push(bench('414 long JQL', 'uri-too-long', {
    url: `https://jira.example.com/rest/api/2/search?maxResults=50&jql=${encodeURIComponent(jql)}`, headers: [['Authorization', 'Bearer NjQ0ODk2OTI2NDUxOsPmH1sm3Nf7']],
    status: 414, responseHeaders: [['Server', 'Apache'], ['Content-Type', 'text/html; charset=iso-8859-1']],
    responseBody: '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>414 Request-URI Too Long</title>\n</head><body>\n<h1>Request-URI Too Long</h1>\n<p>The requested URL\'s length exceeds the capacity\nlimit for this server.<br />\n</p>\n</body></html>\n',
  }));
  cases.push(bench('nginx 400 cookie too large', 'headers-too-large', {
    url: 'https://app.example.com/dashboard/api/widgets', headers: [['Cookie', `session=${'v'.repeat(6000)}; theme=dark; _ga=GA1.2.3456789.1700000000`]], status: 400,
    responseHeaders: NGINX_HEADERS, responseBody: nginxPage('400 Request Header Or Cookie Too Large', '<center>Request Header Or Cookie Too Large</center>\r\n'),
  }));
  cases.push(bench('plain HTTP to 8443', 'plain-http-to-https-port', {
    url: 'http://gitlab.example.com:8443/api/v4/projects?private_token=abc', status: 400, responseHeaders: NGINX_HEADERS,
    responseBody: nginxPage('400 The plain HTTP request was sent to HTTPS port', '<center>The plain HTTP request was sent to HTTPS port</center>\r\n'),
  }));
  cases.push(bench('GitLab CAPTCHA', 'spam-or-captcha', {
    url: `${GL}/api/v4/projects/1/snippets`, method: 'POST', headers: [...PAT, ['Content-Type', 'application/json']],
    body: '{"title":"Buy now","file_name":"x.txt","content":"cheap pills","visibility":"public"}', status: 400, responseHeaders: GITLAB_HEADERS,
    responseBody: '{"needs_captcha_response":true,"spam_log_id":42,"captcha_site_key":"6LcSITEKEY","message":{"error":"Your snippet has been recognized as spam. Please, change the content or solve the reCAPTCHA to proceed."}}',
  }));

  // Paths and routing
  cases.push(bench('Apache HTML 404 for %2F GitLab path', 'encoded-slash', {
    url: `${GL}/api/v4/projects/group%2Fproject/issues?state=opened`, headers: PAT, status: 404,
    responseHeaders: [['Server', 'Apache/2.4.58 (Ubuntu)'], ['Content-Type', 'text/html; charset=iso-8859-1']], responseBody: APACHE_404,
  }));
  cases.push(bench('Tomcat 400 for %2F', 'encoded-slash', {
    url: 'https://jira.example.com/rest/api/2/issue/A%2FB', headers: [['Authorization', 'Bearer NjQ0ODk2OTI2NDUxOsPmH1sm3Nf7']], status: 400,
    responseHeaders: [['Content-Type', 'text/html;charset=utf-8'], ['Content-Language', 'en']], responseBody: TOMCAT_400,
  }));
  cases.push(bench('double slash 404', 'double-slash-or-dot-segment', {
    url: 'https://api.example.com/api//v4/projects', headers: BEARER, status: 404, responseHeaders: JSON_HEADERS, responseBody: '{"error":"Not Found"}',
  }));
  cases.push(bench('302 cross-host with Authorization', 'redirect-hazard', {
    url: 'https://api.example.com/v1/exports/77/download', headers: BEARER, status: 302,
    responseHeaders: [['Location', 'https://files.example.net/blob/77?X-Amz-Signature=abc123&X-Amz-Expires=300'], ['Content-Length', '0']],
  }));
  const created = rec({
    method: 'POST', url: 'https://api.example.com/v1/items', headers: [...BEARER, ['Content-Type', 'application/json']], body: '{"name":"widget"}',
    status: 201, responseHeaders: [...JSON_HEADERS, ['Location', '/v1/items/42']], responseBody: '{"id":42,"name":"widget"}', endedAgoMs: 5_000,
  });
  cases.push(bench('404 right after create', 'not-found', {
    url: 'https://api.example.com/v1/items/42?expand=owner', headers: BEARER, status: 404, responseHeaders: JSON_HEADERS, responseBody: '{"message":"Item not found"}',
  }, [created]));

  // Server side and intermediaries
  const busy = Array.from({ length: 45 }, (_, i) =>
    rec({ url: 'https://api.example.com/v1/orders?page=' + i, headers: BEARER, status: 200, responseHeaders: [...JSON_HEADERS, ['RateLimit', `limit=100, remaining=${50 - i}, reset=30`]], responseBody: '[]', endedAgoMs: 55_000 - i * 1200 }),
  );
  cases.push(bench('429 with RateLimit headers after a burst', 'rate-limited', {
    url: 'https://api.example.com/v1/orders?page=46', headers: BEARER, status: 429,
    responseHeaders: [...JSON_HEADERS, ['Retry-After', '30'], ['RateLimit-Policy', '100;w=60'], ['RateLimit', 'limit=100, remaining=0, reset=30'], ['X-RateLimit-Limit', '100'], ['X-RateLimit-Remaining', '0'], ['X-RateLimit-Reset', String(NOW_S + 30)]],
    responseBody: '{"error":"rate_limited","message":"Too many requests, retry in 30 seconds"}',
  }, busy, 40));
  cases.push(bench('GitHub 403 primary rate limit', 'rate-limited', {
    url: 'https://api.github.com/user/repos?per_page=100', headers: [['Authorization', 'token ghp_16C7e42F292c6912E7710c838347Ae178B4a'], ['X-GitHub-Api-Version', '2022-11-28']],
    userAgent: 'octokit-rest.js/20.0.2', status: 403,
    responseHeaders: [['Server', 'GitHub.com'], ['Content-Type', 'application/json; charset=utf-8'], ['x-ratelimit-limit', '5000'], ['x-ratelimit-remaining', '0'], ['x-ratelimit-reset', String(NOW_S + 1800)], ['x-ratelimit-used', '5000'], ['x-ratelimit-resource', 'core'], ['X-GitHub-Request-Id', 'C0DE:1234:5678:9ABC:674F1D2E']],
    responseBody: '{"message":"API rate limit exceeded for user ID 1234567.","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}',
  }));
  const throttled = rec({
    url: 'https://api.example.com/v1/orders?page=3', headers: BEARER, status: 429, responseHeaders: [...JSON_HEADERS, ['Retry-After', '30']],
    responseBody: '{"error":"rate_limited"}', endedAgoMs: 4_000,
  });
  cases.push(bench('retry 4 s into a 30 s Retry-After', 'retry-ignored', {
    url: 'https://api.example.com/v1/orders?page=3', headers: BEARER, status: 429, responseHeaders: [...JSON_HEADERS, ['Retry-After', '26']],
    responseBody: '{"error":"rate_limited"}',
  }, [throttled]));
  cases.push(bench('Jira 500 on POST', 'server-error', {
    url: 'https://jira.example.com/rest/api/2/issue', method: 'POST', headers: [['Authorization', 'Bearer NjQ0ODk2OTI2NDUxOsPmH1sm3Nf7'], ['Content-Type', 'application/json'], ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']],
    body: '{"fields":{"project":{"key":"OPS"},"summary":"Disk full","issuetype":{"name":"Task"},"customfield_10010":"x"}}', status: 500,
    responseHeaders: JIRA_HEADERS, responseBody: '{"errorMessages":["Internal server error"],"errors":{}}', phases: { ttfb: 2300, total: 2310 },
  }));
  cases.push(bench('quick nginx 502', 'bad-gateway', {
    url: `${GL}/api/v4/projects/1/jobs/881/trace`, headers: PAT, status: 502, responseHeaders: NGINX_HEADERS, responseBody: nginxPage('502 Bad Gateway'),
    phases: { ttfb: 110, total: 120 },
  }));
  cases.push(bench('Varnish 503 Retry-After 5', 'service-unavailable', {
    url: 'https://www.example.com/api/catalog?lang=en', status: 503,
    responseHeaders: [['Server', 'Varnish'], ['Via', '1.1 varnish (Varnish/7.4)'], ['Retry-After', '5'], ['Content-Type', 'text/html; charset=utf-8'], ['X-Varnish', '32770']],
    responseBody: VARNISH_503, phases: { ttfb: 990, total: 1_000 },
  }));
  cases.push(bench('Envoy 503 upstream connect error', 'service-unavailable', {
    url: 'https://mesh.example.com/payments/v2/charges', headers: BEARER, status: 503,
    responseHeaders: [['server', 'envoy'], ['content-type', 'text/plain']],
    responseBody: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure', phases: { total: 40 },
  }));
  cases.push(bench('nginx 504 after 60.1 s on POST', 'gateway-timeout', {
    url: `${GL}/api/v4/projects/1/issues`, method: 'POST', headers: [...PAT, ['Content-Type', 'application/json']],
    body: '{"title":"Export all","description":"long running"}', status: 504, responseHeaders: NGINX_HEADERS, responseBody: nginxPage('504 Gateway Time-out'),
    phases: { ttfb: 60_080, total: 60_100 },
  }));
  cases.push(bench('ALB 504 after 60.3 s', 'gateway-timeout', {
    url: 'https://api.example.com/v1/reports/yearly', headers: BEARER, status: 504,
    responseHeaders: [['Server', 'awselb/2.0'], ['Content-Type', 'text/html']],
    responseBody: '<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n',
    phases: { ttfb: 60_290, total: 60_300 },
  }));
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// Healthy traffic
// ---------------------------------------------------------------------------------------------------------------

function healthyCases(): BenchCase[] {
  const ok = (name: string, input: RecordInput, historyCount = 20) => bench(name, undefined, input, [], historyCount);
  const oneItem = '{"id":42,"name":"widget","price":12.5,"currency":"EUR","tags":["a","b"],"owner":{"id":7,"login":"jdoe"},"created_at":"2026-11-21T18:00:00Z"}';
  return [
    ok('GET item', { url: 'https://api.example.com/v1/items/42', headers: BEARER, status: 200, responseHeaders: [...JSON_HEADERS, ['ETag', '"v2-91ab"']], responseBody: oneItem }),
    ok('GET GitLab issues (20)', { url: `${GL}/api/v4/projects/1/issues?state=opened&per_page=20`, headers: PAT, status: 200, responseHeaders: [...GITLAB_HEADERS, ['X-Total', '137'], ['X-Next-Page', '2']], responseBody: ISSUES_SMALL }),
    ok('GET GitLab issues ≈1 MiB', { url: `${GL}/api/v4/projects/1/issues?per_page=1000`, headers: PAT, status: 200, responseHeaders: GITLAB_HEADERS, responseBody: ISSUES_1MIB, phases: { ttfb: 420, download: 180, total: 610 } }),
    ok('GET export 1.3 MB truncated', { url: 'https://api.example.com/v1/exports/77', headers: BEARER, status: 200, responseHeaders: JSON_HEADERS, responseBody: truncated(BIG_REQUEST_TEXT), phases: { ttfb: 300, download: 400, total: 710 } }),
    ok('POST create 201', { url: 'https://api.example.com/v1/items', method: 'POST', headers: [...BEARER, ['Content-Type', 'application/json']], body: '{"name":"widget","price":12.5}', status: 201, responseHeaders: [...JSON_HEADERS, ['Location', '/v1/items/43']], responseBody: oneItem }),
    ok('PATCH Jira issue 204', { url: 'https://jira.example.com/rest/api/2/issue/OPS-12', method: 'PUT', headers: [['Authorization', 'Bearer NjQ0ODk2OTI2NDUxOsPmH1sm3Nf7'], ['Content-Type', 'application/json']], body: '{"fields":{"summary":"Disk full on build-07"}}', status: 204, responseHeaders: JIRA_HEADERS }),
    ok('DELETE 204', { url: 'https://api.example.com/v1/items/41', method: 'DELETE', headers: BEARER, status: 204, responseHeaders: [['X-Request-Id', '01J9ZK']] }),
    ok('conditional GET 304', { url: 'https://api.example.com/v1/items/42', headers: [...BEARER, ['If-None-Match', '"v2-91ab"']], status: 304, responseHeaders: [['ETag', '"v2-91ab"']] }),
    ok('OAuth token success', { url: 'https://login.example.com/oauth2/v1/token', method: 'POST', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'grant_type=client_credentials&client_id=app&client_secret=s3cr3t&scope=read%3Aorders', status: 200, responseHeaders: [['Content-Type', 'application/json'], ['Cache-Control', 'no-store']], responseBody: `{"access_token":"${VALID_JWT}","token_type":"Bearer","expires_in":3600,"scope":"read:orders"}` }, 3),
    ok('GraphQL query', { url: `${GL}/api/graphql`, method: 'POST', headers: [...PAT, ['Content-Type', 'application/json']], body: '{"query":"query { project(fullPath: \\"group/project\\") { issues(first: 5) { nodes { iid title } } } }"}', status: 200, responseHeaders: GITLAB_HEADERS, responseBody: '{"data":{"project":{"issues":{"nodes":[{"iid":"1","title":"a"},{"iid":"2","title":"b"}]}}}}' }),
    ok('same-origin 301 trailing slash', { url: 'https://api.example.com/v1/items', headers: BEARER, status: 301, responseHeaders: [['Location', '/v1/items/'], ['Content-Length', '0']] }),
    ok('GitHub repos with rate-limit headers', { url: 'https://api.github.com/user/repos?per_page=30', headers: [['Authorization', 'token ghp_16C7e42F292c6912E7710c838347Ae178B4a']], userAgent: 'octokit-rest.js/20.0.2', status: 200, responseHeaders: [['Server', 'GitHub.com'], ['Content-Type', 'application/json; charset=utf-8'], ['x-ratelimit-limit', '5000'], ['x-ratelimit-remaining', '4987'], ['x-ratelimit-reset', String(NOW_S + 3000)], ['ETag', 'W/"abc"']], responseBody: '[{"id":1296269,"name":"Hello-World","full_name":"octocat/Hello-World","private":false}]' }),
    ok('HTML page', { url: 'https://www.example.com/docs/', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/132.0', headers: [['Cookie', '_ga=GA1.2.3; theme=dark']], status: 200, responseHeaders: [['Server', 'nginx'], ['Content-Type', 'text/html; charset=utf-8']], responseBody: `<!doctype html><html><head><title>Docs</title></head><body>${'<p>Lorem ipsum dolor sit amet.</p>'.repeat(200)}</body></html>` }),
    ok('PNG download', { url: 'https://cdn.example.com/img/logo.png', status: 200, responseHeaders: [['Content-Type', 'image/png'], ['Cache-Control', 'max-age=31536000']], responseBody: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.alloc(20_000, 7)]) }, 2),
    ok('S3 upload 200', { url: 'https://bucket.s3.eu-west-1.amazonaws.com/reports/2026-11-21.csv', method: 'PUT', headers: [['Authorization', 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261121/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024'], ['Content-Type', 'text/csv'], ['x-amz-date', '20261121T204103Z']], body: 'id,amount\n1,12.5\n2,99.0\n'.repeat(200), status: 200, responseHeaders: [['x-amz-request-id', 'EXAMPLE123'], ['ETag', '"d41d8cd98f00b204e9800998ecf8427e"'], ['Server', 'AmazonS3']] }, 5),
    ok('Jira search JSON', { url: 'https://jira.example.com/rest/api/2/search?jql=project%3DOPS&maxResults=50', headers: [['Authorization', 'Bearer NjQ0ODk2OTI2NDUxOsPmH1sm3Nf7']], status: 200, responseHeaders: JIRA_HEADERS, responseBody: JSON.stringify({ startAt: 0, maxResults: 50, total: 2, issues: [{ key: 'OPS-1', fields: { summary: 'a' } }, { key: 'OPS-2', fields: { summary: 'b' } }] }) }),
    ok('202 accepted job', { url: 'https://api.example.com/v1/reports', method: 'POST', headers: [...BEARER, ['Content-Type', 'application/json']], body: '{"range":"2026-11"}', status: 202, responseHeaders: [...JSON_HEADERS, ['Location', '/v1/jobs/991']], responseBody: '{"job":991,"status":"queued"}' }),
    ok('health check', { url: 'http://localhost:3000/health', userAgent: 'kube-probe/1.30', status: 200, responseHeaders: [['Content-Type', 'application/json']], responseBody: '{"status":"ok"}', upstream: { reusedConnection: true, address: '127.0.0.1:3000' } }, 30),
    ok('form login 200', { url: 'https://app.example.com/api/session', method: 'POST', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'username=jdoe&password=hunter2&remember=1', status: 200, responseHeaders: [['Content-Type', 'application/json'], ['Set-Cookie', 'session=abc; HttpOnly; Secure']], responseBody: '{"ok":true}' }),
    ok('GET list page 2', { url: 'https://api.example.com/v1/orders?page=2&limit=100', headers: BEARER, status: 200, responseHeaders: [...JSON_HEADERS, ['Link', '<https://api.example.com/v1/orders?page=3&limit=100>; rel="next"']], responseBody: JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ id: `ord_${i}`, total: i * 3.5, status: 'open' }))) }),
  ];
}

/** Every case: the catalogue's failures and healthy traffic (about 30 % of the cases). */
export function catalogueCases(): { failures: BenchCase[]; healthy: BenchCase[] } {
  return { failures: failureCases(), healthy: healthyCases() };
}
