/**
 * `proxydoc replay N --probe`: for the findings whose cause can be tested by changing one thing about the request,
 * the variants to replay (probesFor) and what their answers say about the finding (judgeProbe). Pure: no sockets,
 * no clock; cli/probe.ts sends the variants through a ReplaySession.
 *
 * A variant changes only what the finding blames (the slash encoding, the header name, the auth scheme, the
 * Content-Type), so a different answer is evidence about that one thing. Labels and verdicts name header names,
 * schemes and media types, never a credential's value.
 */
import type { ExchangeRecord, Finding, RecordedResponse } from '../model/exchange';
import { hasHeader, headerValue, headerValues, mediaType } from '../model/headers';
import { bodyText } from '../model/body';
import { isCredentialHeader } from '../model/secrets';
import { normalisedPath, splitRawUrl } from '../model/url';
import { authProductHint, isKnownAuthScheme, misspelledCredentialHeaders, splitAuthorization } from '../diagnosis/credentials';
import { kindOfContentType, multipartBoundaryOf, sniffBodyKind, suggestedContentType } from '../diagnosis/parsers/body-kind';
import { responseChallenges } from '../diagnosis/parsers/www-authenticate';
import { identifyResponder } from '../diagnosis/knowledge/responder';
import type { Responder } from '../diagnosis/knowledge/types';
import type { ReplayEdits } from './plan';

export interface ProbeVariant {
  /** Reads after "with": "with %2F encoded as %252F", "with `Authorization` spelled right". */
  label: string;
  edits: ReplayEdits;
}

export interface ProbePlan {
  rule: string;
  /** What the finding claims, in its own words (its summary). */
  hypothesis: string;
  variants: ProbeVariant[];
}

export interface ProbeOutcome {
  variant: ProbeVariant;
  replay: ExchangeRecord;
}

export interface ProbeVerdict {
  verdict: 'confirmed' | 'refuted' | 'inconclusive';
  /** The verdict line first ("✔ rule confirmed: …"), then at most a hint; plain text, no colour. */
  lines: string[];
}

type VariantBuilder = (record: ExchangeRecord) => ProbeVariant[];

/** The rules with a probe, in the order their plans run when a record has several. */
const BUILDERS: ReadonlyArray<[rule: string, build: VariantBuilder]> = [
  ['encoded-slash', encodedSlashVariants],
  ['double-slash-or-dot-segment', normalisedPathVariants],
  ['auth-scheme-mismatch', authSchemeVariants],
  ['missing-content-type', missingContentTypeVariants],
  ['content-type-mismatch', contentTypeMismatchVariants],
  ['auth-header-misspelled', misspelledHeaderVariants],
];

export const PROBED_RULES: readonly string[] = BUILDERS.map(([rule]) => rule);

/** Rules whose hypothesis is "a hop in front of the API did it": a variant answered by someone else confirms it. */
const PATH_RULES = new Set(['encoded-slash', 'double-slash-or-dot-segment']);

/**
 * One plan per rule that has a probe and fired on the record, in the record's finding order. Several findings of
 * one rule (two misspelled headers) share a plan: their variants differ, their hypothesis is the same kind.
 * A rule whose variants can't be built from what was captured (a Bearer token to turn into Basic needs a user
 * name nobody sent) yields no plan.
 */
export function probesFor(record: ExchangeRecord): ProbePlan[] {
  const plans: ProbePlan[] = [];
  const fired = [...new Set(record.findings.map((f) => f.rule))];
  for (const rule of fired) {
    const build = BUILDERS.find(([id]) => id === rule)?.[1];
    if (!build) continue;
    const variants = distinct(build(record));
    if (variants.length === 0) continue;
    const summaries = [...new Set(record.findings.filter((f) => f.rule === rule).map((f) => f.summary))];
    plans.push({ rule, hypothesis: summaries.join(' '), variants });
  }
  return plans;
}

/**
 * "#17 has no finding proxydoc can probe (findings: …); probes exist for …", saying so when a probed rule fired
 * but the request holds nothing to vary (an opaque Bearer token can't become Basic without a user name).
 */
export function noProbeMessage(record: ExchangeRecord): string {
  const rules = [...new Set(record.findings.map((f) => f.rule))];
  const unbuildable = rules.filter((rule) => PROBED_RULES.includes(rule));
  const why = unbuildable.length > 0 ? `; the recorded request holds nothing to vary for ${unbuildable.join(', ')}` : '';
  return (
    `#${record.seq} has no finding proxydoc can probe (findings: ${rules.length > 0 ? rules.join(', ') : 'none'}${why}); ` +
    `probes exist for ${PROBED_RULES.join(', ')}`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Paths

/** scheme://authority, the path, and everything after it, split exactly where splitRawUrl splits (RFC 3986 §3). */
const URL_PARTS = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*)([^?#]*)([\s\S]*)$/;

function withPath(url: string, path: string): string {
  const match = URL_PARTS.exec(url);
  return match ? `${match[1]}${path}${match[3]}` : url;
}

/**
 * The encoded slash one level up (%2F → %252F), one level down (%252F → %2F) and decoded (→ "/"). A hop that
 * refuses %2F (Apache AllowEncodedSlashes Off, Tomcat) lets %252F through; a hop that decodes once (nginx
 * proxy_pass with a URI, Apache mod_proxy without nocanon) turns %252F into the %2F the API wanted; the decoded
 * path shows what the API does with the extra segment. Backslashes are never decoded: a raw "\" is not a path
 * separator (RFC 3986 §3.3) and clients refuse to send it.
 */
function encodedSlashVariants(record: ExchangeRecord): ProbeVariant[] {
  const url = record.request.url;
  const path = splitRawUrl(url)?.path;
  if (!path) return [];
  const variants: ProbeVariant[] = [];
  // "%252F" holds no "%2F" (its "%" is followed by "25"), so these never overlap.
  const single = uniqueUpper(path.match(/%(?:2F|5C)/gi));
  const double = uniqueUpper(path.match(/%25(?:2F|5C)/gi));
  if (single.length > 0) {
    variants.push({
      label: `with ${single.join(', ')} encoded as ${single.map((e) => `%25${e.slice(1)}`).join(', ')}`,
      edits: { url: withPath(url, path.replace(/%(2F|5C)/gi, '%25$1')) },
    });
  }
  if (double.length > 0) {
    variants.push({
      label: `with ${double.join(', ')} encoded once, as ${double.map((e) => `%${e.slice(3)}`).join(', ')}`,
      edits: { url: withPath(url, path.replace(/%25(2F|5C)/gi, '%$1')) },
    });
  }
  const decoded = path.replace(/%(?:25)?2F/gi, '/');
  if (decoded !== path) variants.push({ label: 'with the decoded path (/ for the encoded slash)', edits: { url: withPath(url, decoded) } });
  return variants;
}

function uniqueUpper(matches: RegExpMatchArray | null): string[] {
  return [...new Set((matches ?? []).map((m) => m.toUpperCase()))];
}

/** The path with "//" merged and dot segments removed, as nginx would route it (merge_slashes; RFC 3986 §5.2.4). */
function normalisedPathVariants(record: ExchangeRecord): ProbeVariant[] {
  const url = record.request.url;
  const path = splitRawUrl(url)?.path;
  if (!path) return [];
  const normalised = normalisedPath(path);
  return normalised === path ? [] : [{ label: `with the normalised path ${normalised}`, edits: { url: withPath(url, normalised) } }];
}


// ---------------------------------------------------------------------------------------------------------------
// Authorization

/** Schemes whose credentials are one opaque token, so a token can move between them (RFC 6750 §2.1 for Bearer). */
const TOKEN_SCHEMES = new Set(['bearer', 'token', 'jwt', 'ssws', 'geniekey', 'apikey', 'api-key', 'key']);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

interface RepairedAuthorization {
  scheme?: string;
  credentials: string;
  /** What was repaired, for the label ("a space after the scheme"). */
  repairs: string[];
}

/**
 * The Authorization value with the malformations auth-scheme-mismatch reports undone: whitespace or a newline
 * around it, `Bearer:` for `Bearer `, a scheme glued to its token, the scheme twice, quotes or an escaped newline
 * around the token, and plain `user:secret` under Basic (RFC 7617 §2 wants it base64-encoded).
 */
function repairAuthorization(value: string): RepairedAuthorization {
  const repairs: string[] = [];
  let text = value;
  if (text.trim() !== text) {
    text = text.trim();
    repairs.push('without the surrounding whitespace or newline');
  }
  let scheme: string | undefined;
  let credentials: string;
  const colon = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(\S[\s\S]*)$/.exec(text);
  const glued = /^(Bearer|Basic|Token)([A-Za-z0-9\-._~+/]+=*)$/i.exec(text);
  if (colon && isKnownAuthScheme(colon[1])) {
    [scheme, credentials] = [colon[1], colon[2]];
    repairs.push(`a space instead of the colon after ${scheme}`);
  } else if (glued) {
    [scheme, credentials] = [glued[1], glued[2]];
    repairs.push(`a space after ${scheme}`);
  } else {
    ({ scheme, credentials } = splitAuthorization(text));
  }
  const doubled = /^([^ \t]+)[ \t]+(\S[\s\S]*)$/.exec(credentials);
  if (scheme !== undefined && doubled && isKnownAuthScheme(doubled[1])) {
    credentials = doubled[2];
    repairs.push('the scheme once');
  }
  if (scheme === undefined || TOKEN_SCHEMES.has(scheme.toLowerCase()) || scheme.toLowerCase() === 'basic') {
    const unquoted = credentials.replace(/^["']+|["']+$/g, '');
    if (unquoted !== credentials && unquoted !== '') {
      credentials = unquoted;
      repairs.push('without the quotes');
    }
    const unescaped = credentials.replace(/(?:\\[nrt]|%0A|%0D)+$/i, '');
    if (unescaped !== credentials && unescaped !== '') {
      credentials = unescaped;
      repairs.push('without the escaped newline');
    }
  }
  if (scheme?.toLowerCase() === 'basic' && credentials.includes(':')) {
    credentials = Buffer.from(credentials, 'utf8').toString('base64');
    repairs.push('user:secret base64-encoded');
  }
  return { scheme, credentials, repairs };
}

/** user:secret from a Basic payload (RFC 7617 §2), when it is one. */
function basicPair(credentials: string): { user: string; secret: string } | undefined {
  if (!BASE64.test(credentials)) return undefined;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || CONTROL.test(decoded) || decoded.includes('\ufffd')) return undefined;
  return { user: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * The credential under the scheme the server asks for: the WWW-Authenticate challenges (RFC 9110 §11.6.1), or
 * what the product takes when it names none (Jira Cloud: Basic email:token; Data Center: Bearer PAT), or the
 * repaired value under its own scheme. Setting Authorization replaces every copy, so a doubled header is fixed too.
 */
function authSchemeVariants(record: ExchangeRecord): ProbeVariant[] {
  const values = headerValues(record.request.headers, 'authorization');
  if (values.length === 0) return [];
  const repaired = repairAuthorization(values[0]);
  const challenges = responseChallenges(record.response?.headers);
  const product = authProductHint(record)?.product;
  const wanted =
    challenges.length > 0
      ? challenges.map((c) => c.scheme)
      : product === 'jira-cloud'
        ? ['Basic']
        : product === 'jira-data-center'
          ? ['Bearer']
          : [repaired.scheme ?? 'Bearer'];
  const variants: ProbeVariant[] = [];
  const seenSchemes = new Set<string>();
  for (const target of wanted) {
    if (seenSchemes.has(target.toLowerCase())) continue;
    seenSchemes.add(target.toLowerCase());
    for (const { value, label } of underScheme(repaired, target)) {
      variants.push({ label, edits: { setHeaders: [['Authorization', value]] } });
    }
  }
  if (values.length > 1 && variants.length === 0) {
    const value = repaired.scheme === undefined ? repaired.credentials : `${repaired.scheme} ${repaired.credentials}`;
    variants.push({ label: 'with only the first Authorization header', edits: { setHeaders: [['Authorization', value]] } });
  }
  // One Authorization header identical to the original would replay the same request.
  return values.length === 1 ? variants.filter((v) => v.edits.setHeaders?.[0][1] !== values[0]) : variants;
}

function underScheme(repaired: RepairedAuthorization, target: string): Array<{ value: string; label: string }> {
  const { scheme, credentials, repairs } = repaired;
  const to = target.toLowerCase();
  const from = scheme?.toLowerCase();
  const fixed = repairs.length > 0 ? ` (${repairs.join(', ')})` : '';
  if (from === to) {
    return repairs.length > 0 ? [{ value: `${target} ${credentials}`, label: `with the Authorization value repaired${fixed}` }] : [];
  }
  if (to === 'basic') {
    // A Basic credential needs a user name; only a token that already is base64(user:secret) can move there.
    return basicPair(credentials) ? [{ value: `Basic ${credentials}`, label: `with the same credentials under Basic${fixed}` }] : [];
  }
  // Digest, Negotiate, NTLM… credentials come out of a handshake: they can't be moved to another scheme, nor built.
  if (!TOKEN_SCHEMES.has(to)) return [];
  if (from === undefined) return [{ value: `${target} ${credentials}`, label: `with the bare token sent as ${target}${fixed}` }];
  if (from !== 'basic' && !TOKEN_SCHEMES.has(from)) return [];
  const results = [{ value: `${target} ${credentials}`, label: `with the same credentials under ${target} instead of ${scheme}${fixed}` }];
  const pair = from === 'basic' ? basicPair(credentials) : undefined;
  // A token pasted as a Basic password (Jira DC PATs) is the usual way Basic ends up where Bearer is wanted.
  if (pair && pair.secret !== '') results.push({ value: `${target} ${pair.secret}`, label: `with the Basic password as a ${target} token` });
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// Content-Type

/** The Content-Type the body's bytes call for (a multipart body keeps the boundary it really uses, RFC 7578 §4.1). */
function bodyContentType(record: ExchangeRecord): string | undefined {
  const body = record.request.body;
  const kind = sniffBodyKind(body);
  return kind === 'empty' ? undefined : suggestedContentType(kind, multipartBoundaryOf(bodyText(body)));
}

function missingContentTypeVariants(record: ExchangeRecord): ProbeVariant[] {
  if (hasHeader(record.request.headers, 'content-type')) return [];
  const type = bodyContentType(record);
  return type ? [{ label: `with Content-Type: ${type}`, edits: { setHeaders: [['Content-Type', type]] } }] : [];
}

/**
 * The type the body really has and, for a 415, the first concrete type the server lists in Accept-Post (W3C LDP
 * §7.1) or Accept-Patch (RFC 5789 §3.1). A candidate of the declared kind is skipped (it would change nothing the
 * server parses by), except multipart, whose boundary parameter is the fix.
 */
function contentTypeMismatchVariants(record: ExchangeRecord): ProbeVariant[] {
  const declared = headerValue(record.request.headers, 'content-type');
  const declaredKind = kindOfContentType(declared);
  const candidates: Array<{ type: string; why: string }> = [];
  const fromBody = bodyContentType(record);
  if (fromBody) candidates.push({ type: fromBody, why: 'what the body is' });
  const response = record.response;
  if (response?.status === 415) {
    for (const name of ['Accept-Post', 'Accept-Patch']) {
      const listed = headerValues(response.headers, name)
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .find((v) => !(mediaType(v) ?? '*').includes('*'));
      if (listed) candidates.push({ type: listed, why: `listed in ${name}` });
    }
  }
  return candidates
    .filter(({ type }) => declared === undefined || type.trim().toLowerCase() !== declared.trim().toLowerCase())
    .filter(({ type }) => {
      const kind = kindOfContentType(type);
      return kind === 'multipart' || kind === undefined || kind !== declaredKind;
    })
    .map(({ type, why }) => ({ label: `with Content-Type: ${type} (${why})`, edits: { setHeaders: [['Content-Type', type]] } }));
}

// ---------------------------------------------------------------------------------------------------------------
// Misspelled credential headers

/**
 * The credential under the header name the server reads (RFC 9110 §5.1: names match exactly, case aside): a typo
 * or British spelling fixed, `_` made `-` (nginx drops underscored names, underscores_in_headers off), or the
 * header name removed from its own value. A name whose correct spelling was sent too is left alone: renaming it
 * would overwrite a credential the server did see.
 */
function misspelledHeaderVariants(record: ExchangeRecord): ProbeVariant[] {
  const headers = record.request.headers;
  const variants: ProbeVariant[] = [];
  const handled = new Set<string>();
  const rename = (sent: string, meant: string, label: string): void => {
    handled.add(sent.toLowerCase());
    const value = headerValue(headers, sent);
    if (value === undefined || hasHeader(headers, meant)) return;
    variants.push({ label, edits: { removeHeaders: [sent], setHeaders: [[meant, value]] } });
  };
  for (const m of misspelledCredentialHeaders(headers)) {
    if (handled.has(m.sent.toLowerCase())) continue;
    if (m.kind === 'name-in-value') {
      handled.add(m.sent.toLowerCase());
      const value = headerValue(headers, m.sent) ?? '';
      const stripped = value.replace(/^\s*[A-Za-z][A-Za-z0-9_-]*\s*:\s*/, '');
      if (stripped !== '') variants.push({ label: `with "${m.sent}:" removed from the start of the ${m.meant} value`, edits: { setHeaders: [[m.sent, stripped]] } });
    } else if (m.kind === 'underscore') {
      rename(m.sent, m.meant, `with \`${m.meant}\` instead of \`${m.sent}\``);
    } else {
      rename(m.sent, m.meant, `with \`${m.meant}\` spelled right`);
    }
  }
  // auth-header-misspelled also blames underscored credential headers outside its list, on a 401/403.
  const status = record.response?.status;
  if (status === 401 || status === 403) {
    for (const [name] of headers) {
      if (!name.includes('_') || handled.has(name.toLowerCase()) || !isCredentialHeader(name)) continue;
      const hyphenated = name.replace(/_/g, '-');
      rename(name, hyphenated, `with \`${hyphenated}\` instead of \`${name}\``);
    }
  }
  return variants;
}

/** Variants that would send the same request twice are sent once. */
function distinct(variants: ProbeVariant[]): ProbeVariant[] {
  const seen = new Set<string>();
  return variants.filter((variant) => {
    const key = JSON.stringify(variant.edits);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Verdicts

type Reading =
  | { kind: 'success' }
  | { kind: 'past-hop'; hop: Responder; now?: Responder }
  | { kind: 'same' }
  | { kind: 'different' }
  | { kind: 'transport' };

/**
 * What one variant's answer says:
 * - success: a 2xx (or 304, RFC 9110 §15.4.5) where the original failed — the change fixed it;
 * - past-hop (path rules): the original came from an intermediary's own page and the variant is answered by
 *   someone else, so the hop, not the resource, stopped the original;
 * - same: the same status (and, for path rules, the same responder) — the change made no difference;
 * - different: another failure; transport: no answer at all.
 */
function read(original: ExchangeRecord, replay: ExchangeRecord, pathRule: boolean): Reading {
  const response = replay.response;
  if (!response) return { kind: 'transport' };
  const status = response.status;
  if ((status >= 200 && status < 300) || status === 304) return { kind: 'success' };
  const before = original.response;
  if (!before) return { kind: 'different' };
  if (pathRule) {
    const hop = identifyResponder(before);
    const now = identifyResponder(response);
    if (hop?.intermediary && now?.product !== hop.product) return { kind: 'past-hop', hop, now };
    return status === before.status && now?.product === hop?.product ? { kind: 'same' } : { kind: 'different' };
  }
  return status === before.status ? { kind: 'same' } : { kind: 'different' };
}

function answer(response: RecordedResponse | undefined): string {
  if (!response) return 'no response';
  return response.statusText === '' ? String(response.status) : `${response.status} ${response.statusText}`;
}

function failure(record: ExchangeRecord): string {
  const error = record.error;
  return error ? `${error.kind}${error.code === '' ? '' : ` ${error.code}`}` : 'no response';
}

/**
 * Confirmed when a variant succeeds (or, for path rules, gets past the hop that answered); refuted when every
 * variant gets the original answer again; inconclusive otherwise (a variant failed in transport, or answered
 * differently without succeeding), and when no variant could be sent.
 */
export function judgeProbe(original: ExchangeRecord, plan: ProbePlan, outcomes: ProbeOutcome[]): ProbeVerdict {
  const pathRule = PATH_RULES.has(plan.rule);
  const readings = outcomes.map((outcome) => ({ outcome, reading: read(original, outcome.replay, pathRule) }));
  const was = answer(original.response);
  const finding = original.findings.find((f) => f.rule === plan.rule);

  const confirming = readings.find((r) => r.reading.kind === 'success') ?? readings.find((r) => r.reading.kind === 'past-hop');
  if (confirming) {
    const { outcome, reading } = confirming;
    const now = answer(outcome.replay.response);
    const headline =
      reading.kind === 'past-hop'
        ? `✔ ${plan.rule} confirmed: ${outcome.variant.label} the request gets past ${reading.hop.productName}, and ` +
          `${reading.now ? reading.now.productName : 'the server behind it'} answers ${now} (was ${reading.hop.productName}'s ${was})`
        : `✔ ${plan.rule} confirmed: ${outcome.variant.label} the server answers ${now} (was ${was})`;
    return { verdict: 'confirmed', lines: [headline, ...nextStep(finding)] };
  }

  if (outcomes.length === 0) {
    return { verdict: 'inconclusive', lines: [`? ${plan.rule} inconclusive: no variant could be sent`] };
  }

  const unclear = readings.filter((r) => r.reading.kind !== 'same');
  if (unclear.length > 0) {
    const parts = unclear.map(({ outcome, reading }) =>
      reading.kind === 'transport'
        ? `${outcome.variant.label} the replay failed (${failure(outcome.replay)})`
        : `${outcome.variant.label} the server answers ${answer(outcome.replay.response)} (was ${was}): different, but not a success`,
    );
    const compare = unclear.map((r) => `proxydoc show ${r.outcome.replay.seq}`).join(' · ');
    return { verdict: 'inconclusive', lines: [`? ${plan.rule} inconclusive: ${parts.join('; ')}`, `  compare: ${compare}`] };
  }

  const every = outcomes.length === 1 ? 'the variant' : 'every variant';
  const from = pathRule && original.response ? identifyResponder(original.response) : undefined;
  const others = [...new Set(original.findings.map((f) => f.rule).filter((rule) => rule !== plan.rule))];
  return {
    verdict: 'refuted',
    lines: [
      `✖ ${plan.rule} refuted: ${every} still gets ${was}${from ? ` from ${from.productName}` : ''} — the cause is elsewhere`,
      ...(others.length > 0 ? [`  other findings on #${original.seq}: ${others.join(', ')}`] : []),
    ],
  };
}

/** The finding's first next step, so a confirmed cause comes with its fix. */
function nextStep(finding: Finding | undefined): string[] {
  const step = finding?.nextSteps[0];
  return step ? [`  next: ${step}`] : [];
}
