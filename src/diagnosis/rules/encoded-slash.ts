/**
 * An encoded slash or backslash (`%2F`, `%5C`) or a double-encoded one (`%252F`) in the raw request path, answered
 * with 404, 400 or 403.
 *
 * APIs like GitLab need `namespace%2Fproject` in one path segment, but most servers and proxies in front of an
 * API refuse or decode it by default (../shared/kb/encoded-paths.json): Apache answers 404 (AllowEncodedSlashes
 * Off), Tomcat 400 (encodedSolidusHandling=reject), Spring Security 400 ("potentially malicious String"), nginx
 * decodes it when proxy_pass has a URI part, Traefik 3.4.1+ routers no longer match it (404 page not found).
 * Who answered decides the diagnosis: a hop's own error page means the API never saw the request; the API's own
 * JSON error means the slash arrived and the path itself (project name, access) is the problem — except GitLab's
 * "no such route" answer, which means a hop decoded the slash and GitLab saw one segment too many.
 */
import type { Finding, RecordedResponse, Severity } from '../../model/exchange';
import { headerValue, mediaType } from '../../model/headers';
import { splitRawUrl } from '../../model/url';
import { encodedPathFactsFor, hasKnownFix } from '../knowledge/encoded-paths';
import { identifyHopFromHeaders, identifyResponder } from '../knowledge/responder';
import type { EncodedPathFact, Responder } from '../knowledge/types';
import type { Rule } from '../rule';

const STATUSES = new Set([400, 403, 404]);
const ENCODED = /%2F|%5C|%252F|%255C/gi;
/** Responders that are the API itself (their JSON error means the request got through every hop). */
const API_PRODUCTS = new Set(['application', 'gitlab', 'jira', 'github']);
/** Apache's mod_rewrite fact is about %3F, not slashes: only core and mod_proxy apply here. */
const APACHE_SLASH_FACTS = /core|mod_proxy/;
/**
 * GitLab's API catch-all for a path no route matches (lib/api/api.rb: `route :any, '*path'` →
 * `error!('404 Not Found', 404)`), as opposed to `{"message":"404 Project Not Found"}` from the project lookup.
 */
const GITLAB_ROUTE_MISS = /^\{\s*"error"\s*:\s*"404 Not Found"\s*\}\s*$/;

export const encodedSlash: Rule = {
  id: 'encoded-slash',
  description: 'A 404/400/403 for a path with %2F, %5C or %252F: which hop refused or decoded the encoded slash, and that product\'s fix.',
  check(record) {
    const response = record.response;
    if (!response || !STATUSES.has(response.status)) return [];
    const url = splitRawUrl(record.request.url);
    if (!url) return [];
    const encodings = [...new Set((url.path.match(ENCODED) ?? []).map((e) => e.toUpperCase()))];
    if (encodings.length === 0) return [];

    const status = response.status;
    const shown = encodings.join(', ');
    const doubleEncoded = encodings.some((e) => e.startsWith('%25'));
    const responder = safeIdentify(response);
    const isHtml = mediaType(headerValue(response.headers, 'content-type')) === 'text/html';
    const gitlabLike = /^\/api\/v4\/projects\//.test(url.path) || responder?.product === 'gitlab';
    const probe = `proxydoc replay ${record.seq} --probe`;
    const evidence = [`path has ${shown}`, `path as sent: ${url.path}`];
    if (responder) evidence.push(`answered by ${responder.productName}: ${responder.evidence.join(', ')}`);
    let severity: Severity = 'error';
    let summary: string;
    let explanation: string;
    const nextSteps: string[] = [];

    const gitlabRouteMiss =
      gitlabLike && status === 404 && encodings.includes('%2F') && !doubleEncoded && GITLAB_ROUTE_MISS.test(response.body.text ?? '');
    if (responder && API_PRODUCTS.has(responder.product) && gitlabRouteMiss) {
      // GitLab's route miss: /projects/:id takes one segment, so the path arrived with the slash decoded.
      const hop = identifyHopFromHeaders(response);
      const hopName = hop?.productName ?? 'a reverse proxy in front of it';
      evidence.push('GitLab\'s "no such route" error {"error":"404 Not Found"}, not {"message":"404 Project Not Found"}');
      if (hop) evidence.push(`the response passed through ${hop.productName}: ${hop.evidence.join(', ')}`);
      const facts = hop ? factsFor(hop) : [];
      const behaviour = facts.map((fact) => `${fact.productName}: ${fact.symptom}`).join(' ');
      summary = `GitLab answered ${status} for an unknown route, not for an unknown project: ${hopName} likely decoded the ${shown} before GitLab saw the path.`;
      explanation =
        'GitLab answers {"error":"404 Not Found"} when no API route matches the path, and {"message":"404 Project Not Found"} when ' +
        'it looked up the project (an encoded namespace%2Fproject is one path segment) and found none. A route miss here means the ' +
        `slash arrived as a real "/", so GitLab saw one segment too many: a hop decoded it${hop ? `, likely ${hop.productName}, the hop the response came through` : ''}. ` +
        (behaviour !== '' ? `${behaviour} ` : 'nginx decodes it when proxy_pass has a URI part; Apache mod_proxy decodes it unless ProxyPass has nocanon. ') +
        `Confirm with \`${probe}\`: it replays with %252F and with the decoded path.`;
      const fixes = facts.filter(hasKnownFix).map((fact) => `${fact.productName}: ${fact.fix}`);
      nextSteps.push(
        ...(fixes.length > 0
          ? fixes
          : ['On the reverse proxy in front of GitLab, keep encoded slashes: nginx proxy_pass without a URI part; Apache "AllowEncodedSlashes NoDecode" + "ProxyPass … nocanon"']),
      );
      nextSteps.push('Or address the project by its numeric id (/api/v4/projects/1234), which needs no slash');
      nextSteps.push(`Compare the variants: ${probe}`);
      return [finding(severity, summary, explanation, evidence, nextSteps)];
    }

    if (responder && API_PRODUCTS.has(responder.product)) {
      // The API's own error document: every hop let the path through.
      const apiName = responder.product === 'application' ? 'the API' : responder.productName;
      evidence.push(`the ${status} is the API's own error, not a proxy's page`);
      if (doubleEncoded) {
        summary = `The path is double-encoded (${shown}): ${apiName} decoded it once and found nothing under the literal "%2F" name.`;
        explanation =
          `${capitalise(apiName)} answered ${status} itself, so the request got through. Because the client encoded the ` +
          'slash twice (%252F), the API decodes it to the text "%2F" and looks for a resource literally named that way. ' +
          'Likely the value was URL-encoded by the application and then again by its HTTP library. ' +
          `Confirm with \`${probe}\` (it replays with %2F and with the decoded path).`;
        nextSteps.push('Encode the path segment once (e.g. encodeURIComponent of the raw "group/project", and no second pass)');
      } else {
        severity = 'warn';
        summary = `The ${status} for a path with ${shown} came from ${apiName} itself, so the encoded slash arrived; the path itself may be wrong.`;
        explanation =
          `${capitalise(apiName)} answered with its own error document, so no hop refused the encoded slash. ` +
          (gitlabLike
            ? 'GitLab answers "404 Project Not Found" when the namespace/project path does not exist or the token may not see the project, ' +
              'so check the spelling of the full path (group/subgroup/project) and the token\'s access. '
            : 'The resource named by the encoded segment possibly does not exist, or the caller may not see it. ') +
          `Less likely, a hop changed it on the way (nginx decodes it when proxy_pass has a URI part; Apache mod_proxy without nocanon re-encodes it as %252F); \`${probe}\` compares the variants.`;
        nextSteps.push('Check the encoded segment (e.g. the full namespace/project path) for typos and access rights');
      }
      if (gitlabLike) nextSteps.push('Or address the project by its numeric id (/api/v4/projects/1234), which needs no slash');
      nextSteps.push(`Compare the variants: ${probe}`);
      return [finding(severity, summary, explanation, evidence, nextSteps)];
    }

    if (isHtml) evidence.push(`the ${status} is an HTML page${responder ? ` from ${responder.productName}` : ''}, not the API's JSON error`);
    const facts = responder ? factsFor(responder) : [];
    const whoName = responder?.productName ?? 'an intermediary (reverse proxy, app server or firewall)';
    summary = responder
      ? `${status} for a path with ${shown}, answered by ${responder.productName}: it likely refused or decoded the encoded slash before the API saw it.`
      : `${status} for a path with ${shown}: an intermediary likely refused or decoded the encoded slash before the API saw it.`;
    const behaviour = facts
      .map((fact) => `${fact.productName}: ${fact.defaultBehaviour}${fact.confidence === 'confirmed' ? '' : ` (${fact.confidence})`}`)
      .join(' ');
    explanation =
      `The path carries ${shown}, and the ${status} came from ${whoName} rather than from the API's own error handling` +
      `${responder ? ` (${responder.strength === 'certain' ? 'its error page matched' : 'only its header matched, so this is less certain'})` : ''}. ` +
      (behaviour !== '' ? `${behaviour} ` : 'Apache (404), Tomcat and Spring Security (400) refuse an encoded slash by default; nginx decodes it when proxy_pass has a URI part. ') +
      (gitlabLike ? 'GitLab needs the %2F to arrive encoded; an HTML error here means GitLab never saw the request. ' : '') +
      (doubleEncoded ? 'The path is also double-encoded (%252F), which IIS rejects (404.11) and other hops pass as a literal "%2F". ' : '') +
      `Confirm with \`${probe}\`: it replays with %252F and with the decoded path, and a different answer pins it on this hop.`;

    const fixes = facts.filter(hasKnownFix).map((fact) => `${fact.productName}: ${fact.fix}`);
    if (fixes.length > 0) nextSteps.push(...fixes);
    else {
      nextSteps.push(
        'On the reverse proxy in front of the API, keep encoded slashes: Apache "AllowEncodedSlashes NoDecode" + "ProxyPass … nocanon"; nginx proxy_pass without a URI part; Tomcat encodedSolidusHandling="passthrough"',
      );
    }
    if (gitlabLike) nextSteps.push('Or address the project by its numeric id (/api/v4/projects/1234), which needs no slash');
    nextSteps.push(`Compare the variants: ${probe}`);
    return [finding(severity, summary, explanation, evidence, nextSteps)];
  },
};

function finding(severity: Severity, summary: string, explanation: string, evidence: string[], nextSteps: string[]): Finding {
  return { rule: 'encoded-slash', severity, summary, explanation, evidence, nextSteps };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function factsFor(responder: Responder): EncodedPathFact[] {
  const facts = encodedPathFactsFor(responder.product);
  return responder.product === 'apache' ? facts.filter((f) => APACHE_SLASH_FACTS.test(f.productName)) : facts;
}

function safeIdentify(response: RecordedResponse): Responder | undefined {
  try {
    return identifyResponder(response);
  } catch {
    return undefined;
  }
}
