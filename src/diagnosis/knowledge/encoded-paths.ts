/**
 * What intermediaries do with `%2F`, `%5C`, `%25` and `//` in a request path, and how to fix each one.
 * Built from ../shared/kb/encoded-paths.json (17 records); `source` and `confidence` are copied verbatim so a
 * finding can say how sure it is. Product ids are the registry's in fingerprints.ts (PRODUCTS), so a Responder's
 * product finds its facts directly.
 */
import type { EncodedPathFact } from './types';

export const ENCODED_PATH_FACTS: readonly EncodedPathFact[] = [
  {
    product: "apache",
    productName: "Apache httpd (core)",
    defaultBehaviour: "AllowEncodedSlashes Off (default): any URL whose path contains %2F (and %5C on 'accordant systems') is refused before handlers run.",
    symptom: "404 Not Found on paths containing %2F, even for ProxyPass'ed locations (request never reaches the backend; nothing in backend logs).",
    fix: "AllowEncodedSlashes NoDecode (recommended; keeps %2F encoded) or On (decodes %2F to / like other escapes). Must be set in the matching <VirtualHost> (not inherited from main server in some setups).",
    source: "apache/httpd docs/manual/mod/core.xml AllowEncodedSlashes ('With the default value, Off, such URLs are refused with a 404 (Not found) error'); server/core.c; modules/http/http_protocol.c canned text (2.4.x branch)",
    confidence: "confirmed",
  },
  {
    product: "apache",
    productName: "Apache httpd mod_proxy (ProxyPass)",
    defaultBehaviour: "ProxyPass canonicalises (re-escapes) the URL path before forwarding.",
    symptom: "With AllowEncodedSlashes NoDecode but without nocanon, the backend can receive a double-encoded path (e.g. /ABC%252fXYZ) -> backend 404; with On, %2F arrives decoded as '/' -> wrong route/404 at backend.",
    fix: "Add 'nocanon' to ProxyPass ('passes the URL path \"raw\" to the backend'); combine with AllowEncodedSlashes NoDecode. mod_rewrite [P] rules: use the NE flag.",
    source: "apache/httpd docs/manual/mod/mod_proxy.xml ('The optional nocanon keyword suppresses this and passes the URL path \"raw\" to the backend'); double-encoding example from serverdevworker.com/589576044 (third-party)",
    confidence: "partially-confirmed",
  },
  {
    product: "apache",
    productName: "Apache httpd mod_rewrite (2.4.60+)",
    defaultBehaviour: "A RewriteRule whose substitution contains '?' while the request path had an encoded %3F is refused unless the rule has the UnsafeAllow3F flag (CVE-2024-38474 hardening).",
    symptom: "403 Forbidden on URLs containing %3F that pass through rewrite rules; error log AH10508 'Unsafe URL with %3f URL rewritten without UnsafeAllow3F'.",
    fix: "Add [UnsafeAllow3F] to the RewriteRule (only if safe).",
    source: "apache/httpd docs/manual/rewrite/flags.xml 'UnsafeAllow3F'; modules/mappers/mod_rewrite.c (r->status = HTTP_FORBIDDEN, APLOGNO(10508)) in 2.4.x branch",
    confidence: "confirmed",
  },
  {
    product: "nginx",
    productName: "nginx",
    defaultBehaviour: "URI is normalised into $uri: %XX escapes are decoded (including %2F, which is then treated as a real '/', so it participates in slash merging and dot-segment resolution); merge_slashes on collapses '//' to '/'. A decoded %00 makes the request invalid. The raw form stays in $request_uri.",
    symptom: "proxy_pass WITH a URI part (e.g. proxy_pass http://b/api/;) sends the NORMALISED (decoded) URI -> backend sees '/' instead of %2F (and '//' merged) -> backend 404. proxy_pass WITHOUT a URI part sends the request URI 'in the same form as sent by a client' (encoding preserved). Invalid escapes/%00 -> 400.",
    fix: "Use proxy_pass without a URI part, or proxy_pass http://b$request_uri; (variables: URI passed as is); 'merge_slashes off' (server level) to keep '//'.",
    source: "nginx.org xml/en/docs/http/ngx_http_proxy_module.xml (proxy_pass) and ngx_http_core_module.xml (merge_slashes, default on); nginx/nginx src/http/ngx_http_parse.c ngx_http_parse_complex_uri (sw_quoted_second: decoded char re-enters state machine; '\\0' -> NGX_HTTP_PARSE_INVALID_REQUEST); src/http/ngx_http_special_response.c",
    confidence: "confirmed",
  },
  {
    product: "ingress-nginx",
    productName: "Kubernetes ingress-nginx",
    defaultBehaviour: "Generated config uses nginx proxy_pass; rewrite-target annotations rewrite $uri (decoded).",
    symptom: "Same as nginx: %2F may be decoded when a rewrite/URI part is involved (unconfirmed in this research).",
    fix: "Avoid rewrite-target for APIs that need %2F, or use $request_uri-based snippets.",
    source: "derived from nginx behaviour; not verified against ingress-nginx templates",
    confidence: "unconfirmed",
  },
  {
    product: "haproxy",
    productName: "HAProxy",
    defaultBehaviour: "Forwards the request URI as received; no URI normalisation by default.",
    symptom: "%2F and '//' reach the backend untouched. Malformed request lines -> 400.",
    fix: "Opt-in 'http-request normalize-uri <normalizer>' (path-merge-slashes, path-strip-dot, path-strip-dotdot, percent-decode-unreserved [strict], percent-to-uppercase, query-sort-by-name, fragment-strip/encode); experimental in 2.4 (needs expose-experimental-directives). percent-decode-unreserved never decodes %2F (reserved).",
    source: "haproxy/haproxy doc/configuration.txt 'http-request normalize-uri'; src/http.c http_err_msgs[HTTP_ERR_400]",
    confidence: "confirmed",
  },
  {
    product: "envoy",
    productName: "Envoy",
    defaultBehaviour: "path_with_escaped_slashes_action = IMPLEMENTATION_SPECIFIC_DEFAULT which Envoy implements as KEEP_UNCHANGED; normalize_path default false (runtime-overridable); merge_slashes default false.",
    symptom: "%2F/%5C passed through unchanged. If an operator set REJECT_REQUEST: 400 (gRPC: INTERNAL), counter httpN.downstream_rq_failed_path_normalization. With normalize_path on, malformed paths -> 400. Routes with prefix '/dir' do not match '//dir///file' unless merge_slashes -> 404 (no route, response flag NR, empty body).",
    fix: "HttpConnectionManager.path_with_escaped_slashes_action: KEEP_UNCHANGED | REJECT_REQUEST | UNESCAPE_AND_REDIRECT | UNESCAPE_AND_FORWARD; normalize_path: true; merge_slashes: true.",
    source: "envoyproxy/envoy api/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto (PathWithEscapedSlashesAction enum, normalize_path=30, merge_slashes=33, path_with_escaped_slashes_action=45)",
    confidence: "confirmed",
  },
  {
    product: "traefik",
    productName: "Traefik",
    defaultBehaviour: "Current (v3.6.7+): encoded characters %2F %5C %00 %3B %25 %3F %23 are ALLOWED by default; sanitizePath=true cleans '/./', '/../' and '//' ('/foo/bar//' -> '/foo/bar/'). Since v3.4.1 reserved characters stay encoded during router rule matching.",
    symptom: "v3.6.4-v3.6.6: requests whose PATH contains any of %2F %5C %00 %3B %25 %3F %23 are rejected with 400 Bad Request (query string not checked). v3.4.1+: PathPrefix(`/foo/bar`) no longer matches /foo%2Fbar -> Traefik 404 '404 page not found'.",
    fix: "entryPoints.<name>.http.encodedCharacters.allowEncodedSlash / allowEncodedBackSlash / allowEncodedNullCharacter / allowEncodedSemicolon / allowEncodedPercent / allowEncodedQuestionMark / allowEncodedHash (true = allow); entryPoints.<name>.http.sanitizePath=false (unsafe) to keep dot-segments and '//'.",
    source: "traefik/traefik docs/content/migrate/v3.md (sections v3.6.7, v3.6.4, v3.4.1 'Reserved Character Handling in Routing'); docs/content/reference/install-configuration/entrypoints.md ('Encoded Characters', 'sanitizePath'); pkg/server/router/router.go @fd5a576d",
    confidence: "confirmed",
  },
  {
    product: "tomcat",
    productName: "Apache Tomcat (Coyote connector)",
    defaultBehaviour: "encodedSolidusHandling=reject (default): request paths containing %2f are rejected. encodedReverseSolidusHandling default 'decode' (%5c -> '\\'), allowBackslash=false. rejectSuspiciousURIs default false.",
    symptom: "400 Bad Request on any path with %2F (application never invoked). CoyoteAdapter: sendError(400, 'Invalid URI: [The encoded slash character is not allowed]').",
    fix: "Connector attribute encodedSolidusHandling=\"decode\" or \"passthrough\" (passthrough also leaves %25 undecoded; app must decode). Legacy (pre-8.5/9 attribute era): system property org.apache.tomcat.util.buf.UDecoder.ALLOW_ENCODED_SLASH=true (per lidalia.org.uk blog).",
    source: "apache/tomcat webapps/docs/config/http.xml (encodedSolidusHandling 'If not specified the default value is reject', 'rejected with a 400 response'); java/org/apache/tomcat/util/buf/LocalStrings.properties (uDecoder.noSlash); java/org/apache/catalina/connector/LocalStrings.properties (coyoteAdapter.invalidURIWithMessage); ErrorReportValve.java @84ac9af0",
    confidence: "confirmed",
  },
  {
    product: "spring-security",
    productName: "Spring Security StrictHttpFirewall (default HttpFirewall)",
    defaultBehaviour: "Rejects URLs (servletPath/pathInfo/requestURI/contextPath) containing: ';' / %3b / %3B; %2f / %2F; '//' and encoded double slashes; '\\\\' / %5c / %5C; NUL / %00; %25; %2e / %2E (encoded period); non-printable ASCII; non-normalised paths ('/./', '/../'); plus host/header/parameter checks.",
    symptom: "Spring Security 6.0+: HttpStatusRequestRejectedHandler -> response.sendError(400) (message only logged at DEBUG). Spring Security 5.x and earlier: RequestRejectedException propagates -> typically 500 with log 'RequestRejectedException: The request was rejected because the URL contained a potentially malicious String \"%2F\"'.",
    fix: "Customise the StrictHttpFirewall bean: setAllowUrlEncodedSlash(true), setAllowUrlEncodedDoubleSlash(true), setAllowUrlEncodedPercent(true), setAllowSemicolon(true), setAllowBackSlash(true), setAllowUrlEncodedPeriod(true), setAllowNull(true); or a custom RequestRejectedHandler.",
    source: "spring-projects/spring-security web/src/main/java/org/springframework/security/web/firewall/StrictHttpFirewall.java, HttpStatusRequestRejectedHandler.java; FilterChainProxy default handler changed in commit f34ea188e2 'RequestRejectedException is 400 by Default' (first tag 6.0.0-M4/6.0.0)",
    confidence: "confirmed",
  },
  {
    product: "iis",
    productName: "IIS (Request Filtering)",
    defaultBehaviour: "allowDoubleEscaping=false (default): IIS normalises the URL twice and rejects it if the results differ; allowHighBitCharacters=true.",
    symptom: "404.11 (logged sub-status 'URL_DOUBLE_ESCAPED') for double-encoded URLs (e.g. %252F, or '+' in path segments); 404.12 high-bit chars if disallowed; 404.19 filteringRules.",
    fix: "<requestFiltering allowDoubleEscaping=\"true\"> (per site/app web.config).",
    source: "learn.microsoft.com/iis/manage/configuring-security/use-request-filtering; IIS settings schema requestFiltering (allowDoubleEscaping default false); CIS IIS 10 benchmark item 4.5",
    confidence: "partially-confirmed",
  },
  {
    // kb says "confirmed-with-conflict"; the Confidence type has no such value, and the conflict is about the default type.
    product: "cloudflare",
    productName: "Cloudflare",
    defaultBehaviour: "URL normalization: 'Normalize incoming URLs' = On (for Cloudflare features like WAF/Rules/Workers), 'Normalize URLs to origin' = Off, type = RFC-3986 (per settings page). RFC 3986 normalisation decodes only unreserved chars, never decodes reserved ': / ? # [ ] @ ! $ & ' ( ) * + , ; =' ; removes dot segments; uppercases %xx. 'Cloudflare' type additionally turns '\\' into '/' and merges '//' -> '/'.",
    symptom: "By default the origin receives the URL as sent (encoding preserved); only rule matching sees the normalised form. If 'Normalize URLs to origin' is on with Cloudflare type, '//' is merged and '\\' converted before reaching origin.",
    fix: "Rules > Settings > URL normalization (type, incoming, to-origin); API /zones/{id}/url_normalization {scope,type}.",
    source: "cloudflare/cloudflare-docs src/content/docs/rules/normalization/settings.mdx, how-it-works.mdx, examples.mdx",
    confidence: "conflicting-sources",
  },
  {
    product: "aws-api-gateway",
    productName: "AWS API Gateway (REST/HTTP API)",
    defaultBehaviour: "Path parameters are URL-decoded by API Gateway before routing/integration (per third-party write-ups).",
    symptom: "/items/a%2Fb with route /items/{itemId} -> 404 (decoded to a/b = extra segment). Reported workaround: double-encode (%252F). REST API unmatched routes typically return 403 {\"message\":\"Missing Authentication Token\"} rather than 404 (general knowledge).",
    fix: "Double-encode path params containing '/', or pass them as query parameters; use greedy {proxy+}.",
    source: "errorhandle.ai and prodissertation.co.uk write-ups (third-party, possibly AI-generated); not confirmed in AWS docs",
    confidence: "unconfirmed",
  },
  {
    product: "aws-alb",
    productName: "AWS Application Load Balancer",
    defaultBehaviour: "Encoded-path handling not documented in sources read.",
    symptom: "unconfirmed",
    fix: "n/a",
    source: "not researched",
    confidence: "unconfirmed",
  },
  {
    product: "gitlab",
    productName: "GitLab (API)",
    defaultBehaviour: "Namespaced project paths must be URL-encoded in the :id segment: /api/v4/projects/namespace%2Fproject (also %2F between nested groups). GitLab Workhorse/Rails expects the %2F to arrive encoded.",
    symptom: "If a proxy in front decodes or rejects %2F: 404 from the proxy (Apache default) or GitLab JSON {\"message\":\"404 Project Not Found\"} after decoding; several GitLab issues report 404s when project path contains '.' unless also encoded.",
    fix: "Apache front-end: 'AllowEncodedSlashes NoDecode' + 'ProxyPass ... nocanon' (gitlab-recipes PR #231 'Keep slashes encoded for API'); nginx: proxy_pass without URI part. Or use numeric project ID.",
    source: "gitlab.com/gitlab-org/gitlab issues 18775, 199717, 31793, 1167 (quoting docs 'namespaced-path-encoding'); github.com/gitlabhq/gitlab-recipes/pull/231",
    confidence: "confirmed",
  },
  {
    product: "jira",
    productName: "Atlassian Jira / Confluence (Server/Data Center)",
    defaultBehaviour: "Runs on bundled Tomcat: Tomcat's default encodedSolidusHandling=reject applies (400 on %2F). Atlassian documents Apache mod_proxy_http fronting ('Proxying Atlassian server applications with Apache HTTP Server').",
    symptom: "400 from Tomcat on %2F paths; if fronted by Apache with default AllowEncodedSlashes Off -> 404 from Apache.",
    fix: "Apache: AllowEncodedSlashes NoDecode + ProxyPass nocanon; Tomcat: encodedSolidusHandling (as applicable).",
    source: "confluence.atlassian.com/kb/proxying-atlassian-server-applications-with-apache-http-server-mod_proxy_http-806032611.html (page exists; %2F specifics not read); Tomcat docs above",
    confidence: "unconfirmed",
  },
  {
    product: "caddy",
    productName: "Caddy",
    defaultBehaviour: "Not researched.",
    symptom: "unconfirmed",
    fix: "n/a",
    source: "n/a",
    confidence: "unconfirmed",
  },
];

/** Short ids used in early drafts of the task, mapped to the registry's ids. */
const PRODUCT_ALIASES: Readonly<Record<string, string>> = { spring: 'spring-security', 'aws-apigw': 'aws-api-gateway' };

/** The facts for one product id (Apache has three: core, mod_proxy, mod_rewrite), in table order. */
export function encodedPathFactsFor(product: string): EncodedPathFact[] {
  const id = PRODUCT_ALIASES[product] ?? product;
  return ENCODED_PATH_FACTS.filter((fact) => fact.product === id);
}

/** A fact is only worth quoting as a fix when the research found one. */
export function hasKnownFix(fact: EncodedPathFact): boolean {
  return fact.fix !== 'n/a' && fact.fix.trim() !== '';
}
