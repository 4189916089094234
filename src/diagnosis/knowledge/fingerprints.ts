/**
 * How to tell which hop produced a response: the kb's fingerprints (../shared/kb/fingerprints.json, sources and
 * confidence copied verbatim) and the registry of product ids shared by timeouts.ts, responder.ts and
 * encoded-paths.ts. The matching itself lives in responder.ts. Pure data.
 */
import type { Sourced } from './types';

export interface ProductInfo {
  productName: string;
  /** A proxy, load balancer, CDN or gateway (true), or the application / its own app server (false). */
  intermediary: boolean;
}

/** Every product id proxydoc's knowledge tables use. */
export const PRODUCTS: Readonly<Record<string, ProductInfo>> = {
  nginx: { productName: 'nginx', intermediary: true },
  'ingress-nginx': { productName: 'Kubernetes ingress-nginx', intermediary: true },
  apache: { productName: 'Apache httpd', intermediary: true },
  haproxy: { productName: 'HAProxy', intermediary: true },
  envoy: { productName: 'Envoy', intermediary: true },
  'envoy-gateway': { productName: 'Envoy Gateway', intermediary: true },
  istio: { productName: 'Istio', intermediary: true },
  traefik: { productName: 'Traefik', intermediary: true },
  caddy: { productName: 'Caddy', intermediary: true },
  squid: { productName: 'Squid', intermediary: true },
  varnish: { productName: 'Varnish', intermediary: true },
  fastly: { productName: 'Fastly', intermediary: true },
  kong: { productName: 'Kong Gateway', intermediary: true },
  akamai: { productName: 'Akamai', intermediary: true },
  cloudflare: { productName: 'Cloudflare', intermediary: true },
  'aws-alb': { productName: 'AWS ALB', intermediary: true },
  'aws-elb': { productName: 'AWS Classic Load Balancer', intermediary: true },
  'aws-nlb': { productName: 'AWS NLB', intermediary: true },
  'aws-api-gateway': { productName: 'AWS API Gateway', intermediary: true },
  'aws-cloudfront': { productName: 'AWS CloudFront', intermediary: true },
  'aws-lambda': { productName: 'AWS Lambda', intermediary: true },
  'gcp-lb': { productName: 'Google Front End / Cloud Load Balancer', intermediary: true },
  'gcp-cloud-run': { productName: 'Google Cloud Run', intermediary: true },
  'gcp-app-engine': { productName: 'Google App Engine', intermediary: true },
  'gcp-cloud-functions': { productName: 'Google Cloud Functions', intermediary: true },
  'azure-app-gateway': { productName: 'Azure Application Gateway', intermediary: true },
  'azure-front-door': { productName: 'Azure Front Door', intermediary: true },
  'azure-app-service': { productName: 'Azure App Service', intermediary: true },
  'azure-lb': { productName: 'Azure Load Balancer', intermediary: true },
  heroku: { productName: 'Heroku router', intermediary: true },
  vercel: { productName: 'Vercel', intermediary: true },
  netlify: { productName: 'Netlify', intermediary: true },
  iis: { productName: 'IIS', intermediary: true },
  // App servers and frameworks run inside the application: their answer means the request reached the app's host.
  tomcat: { productName: 'Apache Tomcat', intermediary: false },
  'spring-security': { productName: 'Spring Security', intermediary: false },
  nodejs: { productName: 'Node.js http server', intermediary: false },
  gunicorn: { productName: 'Gunicorn', intermediary: false },
  php: { productName: 'PHP', intermediary: false },
  // Applications and APIs.
  gitlab: { productName: 'GitLab', intermediary: false },
  jira: { productName: 'Atlassian Jira', intermediary: false },
  github: { productName: 'GitHub API', intermediary: false },
  azure: { productName: 'Azure service', intermediary: false },
  application: { productName: 'the API itself', intermediary: false },
  // Clients (only in timeouts).
  curl: { productName: 'curl', intermediary: false },
  undici: { productName: 'undici / Node.js fetch', intermediary: false },
  okhttp: { productName: 'OkHttp', intermediary: false },
  'go-net-http': { productName: 'Go net/http', intermediary: false },
};

/** One kb fingerprint record, tied to a product id. */
export interface ProductFingerprint extends Sourced {
  product: string;
  productName: string;
  intermediary: boolean;
  /** The kb's `who`. */
  who: string;
  /** The kb's header descriptions (prose, not patterns). */
  headers: readonly string[];
  /** The kb's body signatures (prose, not patterns). */
  bodySignatures: readonly string[];
  notes: string;
}

export const FINGERPRINTS: readonly ProductFingerprint[] = [
  {
    // kb #0: nginx (incl. ingress-nginx, many PaaS front-ends)
    product: "nginx",
    productName: "nginx",
    intermediary: true,
    who: "nginx (incl. ingress-nginx, many PaaS front-ends)",
    headers: [
      "Server: nginx (or nginx/<version> with server_tokens on)",
    ],
    bodySignatures: [
      "<head><title>504 Gateway Time-out</title></head>",
      "<center><h1>504 Gateway Time-out</h1></center>",
      "<head><title>502 Bad Gateway</title></head>",
      "<title>503 Service Temporarily Unavailable</title>",
      "<title>400 Bad Request</title>",
      "<center>Request Header Or Cookie Too Large</center>",
      "<title>400 The plain HTTP request was sent to HTTPS port</title>",
      "<title>408 Request Time-out</title>",
      "<title>413 Request Entity Too Large</title>",
      "<title>429 Too Many Requests</title>",
      "<hr><center>nginx</center>  (or <center>nginx/1.x.y</center>)",
    ],
    notes: "Hyphenated 'Gateway Time-out' appears in nginx and HAProxy bodies (and Akamai's status line); Apache and Akamai's <TITLE> use 'Gateway Timeout'. Older nginx builds emit '<body bgcolor=\"white\">' (e.g. Apigee Edge docs sample). 503 text 'Service Temporarily Unavailable' is nginx-specific wording. Connection-level client timeouts (client_header/body_timeout) are logged as 408 but the connection is just closed.",
    source: "nginx/nginx src/http/ngx_http_special_response.c @3f6f7824",
    confidence: "confirmed",
  },
  {
    // kb #1: Apache httpd
    product: "apache",
    productName: "Apache httpd",
    intermediary: true,
    who: "Apache httpd",
    headers: [
      "Server: Apache[/2.4.x (OS)]",
    ],
    bodySignatures: [
      "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">",
      "<title>502 Proxy Error</title> / <h1>Proxy Error</h1>",
      "The proxy server received an invalid\\r\\nresponse from an upstream server.",
      "The proxy server could not handle the request<p>Reason: <strong>Error reading from remote server</strong></p>",
      "<title>504 Gateway Timeout</title> ... The gateway did not receive a timely response\\nfrom the upstream server or application.",
      "<p>The requested URL was not found on this server.</p>",
      "<p>Server timeout waiting for the HTTP request from the client.</p> (408)",
      "<address>Apache/x.y Server at host Port n</address> (ServerSignature On)",
    ],
    notes: "mod_proxy errors set status line '<code> Proxy Error'. Backend read timeout in mod_proxy_http gives 502 'Error reading from remote server' (log AH01102/AH01103), not 504.",
    source: "apache/httpd 2.4.x modules/http/http_protocol.c (get_canned_error_string, ap_send_error_response uses DOCTYPE_HTML_2_0), modules/proxy/proxy_util.c proxyerror_core, modules/proxy/mod_proxy_http.c",
    confidence: "confirmed",
  },
  {
    // kb #2: HAProxy
    product: "haproxy",
    productName: "HAProxy",
    intermediary: true,
    who: "HAProxy",
    headers: [
      "No Server header added by default",
      "Cache-Control: no-cache",
      "Connection: close (400/408)",
      "Content-Type: text/html",
    ],
    bodySignatures: [
      "<html><body><h1>504 Gateway Time-out</h1>\\nThe server didn't respond in time.\\n</body></html>",
      "<html><body><h1>502 Bad Gateway</h1>\\nThe server returned an invalid or incomplete response.\\n</body></html>",
      "<html><body><h1>503 Service Unavailable</h1>\\nNo server is available to handle this request.\\n</body></html>",
      "<html><body><h1>408 Request Time-out</h1>\\nYour browser didn't send a complete request in time.\\n</body></html>",
      "<html><body><h1>400 Bad request</h1>\\nYour browser sent an invalid request.\\n</body></html>",
    ],
    notes: "Log termination codes: sH (timeout server before headers), sD (during data), sC (timeout connect), SC (refused), SH (server aborted), cR (timeout http-request), cD (client).",
    source: "haproxy/haproxy src/http.c http_err_msgs[]; doc/configuration.txt section 8.5 @50872daa",
    confidence: "confirmed",
  },
  {
    // kb #3: Envoy (also Istio sidecars/gateways, Envoy Gateway, Ambassador/Emissary, Contour, GCP Envoy-based LBs)
    product: "envoy",
    productName: "Envoy",
    intermediary: true,
    who: "Envoy (also Istio sidecars/gateways, Envoy Gateway, Ambassador/Emissary, Contour, GCP Envoy-based LBs)",
    headers: [
      "server: envoy (HCM server_name default; Istio gateways usually 'istio-envoy')",
      "x-envoy-upstream-service-time: <ms> (on proxied responses)",
      "x-envoy-overloaded",
      "content-type: text/plain on local replies",
    ],
    bodySignatures: [
      "upstream request timeout  (504, flag UT)",
      "upstream connect error or disconnect/reset before headers. reset reason: connection timeout | connection failure | connection termination | overflow  (503, flags UF/UC/UO; newer: 'retried and the latest reset reason: ...')",
      "no healthy upstream  (503, UH)",
      "stream timeout  (408, stream_idle_timeout)",
      "request timeout (408, HCM request_timeout)",
    ],
    notes: "404 with empty body = no route (NR). Server header value for Istio gateways ('istio-envoy') is general knowledge, unconfirmed.",
    source: "envoyproxy/envoy router filter docs (x-envoy-upstream-service-time header list, envoyproxy.io/docs/envoy/v1.6.0/configuration/http_filters/router_filter); conn_manager_impl.cc 'stream timeout' (find_string); UT/UF/UC flag table (cnblogs.com/xuliang666/p/12089915, wso2 Choreo Connect docs); message strings from third-party captures",
    confidence: "partially-confirmed",
  },
  {
    // kb #4: Traefik
    product: "traefik",
    productName: "Traefik",
    intermediary: true,
    who: "Traefik",
    headers: [
      "No Server header by default (unconfirmed)",
    ],
    bodySignatures: [
      "Bad Gateway  (plain text, 502)",
      "Gateway Timeout  (plain text, 504)",
      "Client Closed Request  (499)",
      "404 page not found  (Go http.NotFoundHandler, no matching router)",
      "400 with empty body from encodedCharacters middleware (v3.6.4-3.6.6 defaults)",
    ],
    notes: "Body is just http.StatusText(code).",
    source: "traefik/traefik pkg/proxy/httputil/proxy.go ErrorHandlerWithContext/statusText; pkg/server/router/router.go @fd5a576d",
    confidence: "confirmed",
  },
  {
    // kb #5: Caddy
    product: "caddy",
    productName: "Caddy",
    intermediary: true,
    who: "Caddy",
    headers: [
      "Server: Caddy",
    ],
    bodySignatures: [
      "(empty body) with 502/504 from reverse_proxy; 499 for client-canceled",
    ],
    notes: "Default error handling writes status only.",
    source: "caddyserver/caddy modules/caddyhttp/server.go (ServerHeader = \"Caddy\"), modules/caddyhttp/reverseproxy/reverseproxy.go statusError",
    confidence: "partially-confirmed",
  },
  {
    // kb #6: Kong Gateway
    product: "kong",
    productName: "Kong Gateway",
    intermediary: true,
    who: "Kong Gateway",
    headers: [
      "Server: kong/<version>",
      "Via: kong/<version> (header name 'Via' in constants; exact value format unconfirmed)",
      "X-Kong-Upstream-Latency",
      "X-Kong-Proxy-Latency",
      "X-Kong-Response-Latency",
      "X-Kong-Request-Id",
      "X-Kong-Upstream-Status",
      "X-RateLimit-Limit / X-RateLimit-Remaining (rate-limiting plugin)",
    ],
    bodySignatures: [
      "The upstream server is timing out (504)",
      "An invalid response was received from the upstream server (502)",
      "The upstream server is currently unavailable (503)",
      "name resolution failed (503, general knowledge)",
      "text/plain: '<message>\\nrequest_id: <id>'",
      "JSON: {\"message\":\"...\",\"request_id\":\"...\"}",
      "HTML: <title>Error</title> <h1>Error</h1> <p>msg.</p> <p>request_id: ...</p>",
    ],
    notes: "Default error content type is text/plain (error_default_type); chosen by Accept header.",
    source: "Kong/kong kong/error_handlers.lua, kong/tools/http.lua ERROR_TEMPLATES, kong/constants.lua HEADERS, kong/templates/kong_defaults.lua @22246ef2",
    confidence: "confirmed",
  },
  {
    // kb #7: Varnish
    product: "varnish",
    productName: "Varnish",
    intermediary: true,
    who: "Varnish",
    headers: [
      "Via: 1.1 <identity> (Varnish/<branch>)",
      "X-Varnish: <vxid> [<vxid-of-hit>]",
      "Retry-After: 5 (synthetic errors)",
      "Age",
    ],
    bodySignatures: [
      "<h1>Error 503 Backend fetch failed</h1>",
      "<h3>Guru Meditation:</h3>",
      "<p>XID: <n></p>",
      "<p>Varnish cache server</p>",
    ],
    notes: "503 'Backend fetch failed' covers first_byte_timeout, between_bytes_timeout, connect_timeout.",
    source: "varnishcache/varnish-cache bin/varnishd/builtin.vcl (vcl_builtin_synth, vcl_builtin_backend_error), cache_fetch.c, cache_http.c (http_ViaHeader), cache_req_fsm.c (X-Varnish) @27d2ce15",
    confidence: "confirmed",
  },
  {
    // kb #8: Fastly
    product: "fastly",
    productName: "Fastly",
    intermediary: true,
    who: "Fastly",
    headers: [
      "X-Served-By: cache-<datacenter><nodeid>-<DATACENTER> (multiple with shielding)",
      "X-Cache: HIT|MISS[, ...]",
      "X-Cache-Hits: n[, n]",
      "Fastly-Debug-Path / Fastly-Debug-TTL (when Fastly-Debug request header sent)",
      "X-Timer (unconfirmed)",
    ],
    bodySignatures: [
      "503 with response reason 'first byte timeout' (vcl_error)",
      "Fastly default synthetic error page ('Guru Mediation' text, unconfirmed)",
    ],
    notes: "Varnish-derived; error bodies differ from open-source Varnish.",
    source: "fastly.com/documentation/reference/http/http-headers/X-Served-By, X-Cache, X-Cache-Hits, Fastly-Debug-TTL; bereq-first-byte-timeout",
    confidence: "partially-confirmed",
  },
  {
    // kb #9: Squid
    product: "squid",
    productName: "Squid",
    intermediary: true,
    who: "Squid",
    headers: [
      "X-Squid-Error: <ERR_NAME> <errno>  (e.g. 'X-Squid-Error: ERR_READ_TIMEOUT 0'; for access denial '403 Access Denied')",
      "Via: 1.1 <host> (squid/<ver>) (unconfirmed)",
      "X-Cache: MISS from <host> (unconfirmed)",
    ],
    bodySignatures: [
      "<title>ERROR: The requested URL could not be retrieved</title>",
      "The following error was encountered while trying to retrieve the URL:",
      "Read Timeout",
      "Generated <date> by <host> (squid/<version>)",
    ],
    notes: "ERR_READ_TIMEOUT -> 504; ERR_CONNECT_FAIL -> 502/503/504; ERR_GATEWAY_FAILURE -> 500.",
    source: "squid-cache/squid src/errorpage.cc (X_SQUID_ERROR '%s %d'), errors/templates/ERR_READ_TIMEOUT, src/http.cc @7c20a8a7",
    confidence: "confirmed",
  },
  {
    // kb #10: Apache Tomcat
    product: "tomcat",
    productName: "Apache Tomcat",
    intermediary: false,
    who: "Apache Tomcat",
    headers: [
      "(no Server header by default in recent versions — unconfirmed)",
    ],
    bodySignatures: [
      "<!doctype html><html lang=\"en\"><head><title>HTTP Status 400 – Bad Request</title>",
      "<h1>HTTP Status 404 – Not Found</h1>",
      "<h3>Apache Tomcat/x.y.z</h3> (showServerInfo)",
      "Invalid URI: [The encoded slash character is not allowed]",
    ],
    notes: "Pattern 'HTTP Status <code> – <reason>' (en dash).",
    source: "apache/tomcat java/org/apache/catalina/valves/ErrorReportValve.java, LocalStrings.properties @84ac9af0",
    confidence: "confirmed",
  },
  {
    // kb #11: Spring Security (StrictHttpFirewall)
    product: "spring-security",
    productName: "Spring Security",
    intermediary: false,
    who: "Spring Security (StrictHttpFirewall)",
    headers: [],
    bodySignatures: [
      "The request was rejected because the URL contained a potentially malicious String \"%2F\"",
      "The request was rejected because the URL was not normalized.",
    ],
    notes: "6.0+: client gets 400 via sendError (container/Spring Boot error body), message in DEBUG log; <=5.x: 500 + RequestRejectedException in logs.",
    source: "spring-projects/spring-security StrictHttpFirewall.java, HttpStatusRequestRejectedHandler.java, FilterChainProxy.java",
    confidence: "confirmed",
  },
  {
    // kb #12: Node.js http server
    product: "nodejs",
    productName: "Node.js http server",
    intermediary: false,
    who: "Node.js http server",
    headers: [
      "Connection: close",
    ],
    bodySignatures: [
      "HTTP/1.1 408 Request Timeout with empty body (requestTimeout/headersTimeout)",
      "HTTP/1.1 400 Bad Request, empty body (parse error)",
      "HTTP/1.1 431 Request Header Fields Too Large, empty body",
    ],
    notes: "",
    source: "lib/_http_server.js (found via find_string; nodejs/node)",
    confidence: "partially-confirmed",
  },
  {
    // kb #13: AWS Application Load Balancer / Classic ELB
    product: "aws-alb",
    productName: "AWS ALB",
    intermediary: true,
    who: "AWS Application Load Balancer / Classic ELB",
    headers: [
      "Server: awselb/2.0 (ALB)",
      "Server: awselb (classic, unconfirmed)",
    ],
    bodySignatures: [
      "<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center></body></html> (nginx-like without the nginx tail — unconfirmed)",
    ],
    notes: "CloudWatch: HTTPCode_ELB_504_Count (LB-generated) vs HTTPCode_Target_5XX (backend). Access log elb_status_code vs target_status_code ('-' when target timed out).",
    source: "AWS re:Post KC 504-error-alb; Server header from bqtyf.cn write-up (third-party)",
    confidence: "partially-confirmed",
  },
  {
    // kb #14: AWS API Gateway
    product: "aws-api-gateway",
    productName: "AWS API Gateway",
    intermediary: true,
    who: "AWS API Gateway",
    headers: [
      "x-amzn-ErrorType: <Type> (e.g. for gateway responses)",
      "x-amzn-RequestId",
      "x-amz-apigw-id",
      "x-amzn-Remapped-* (Lambda proxy)",
    ],
    bodySignatures: [
      "{\"message\": \"Endpoint request timed out\"} (504, INTEGRATION_TIMEOUT)",
      "{\"message\":\"Missing Authentication Token\"} (403, unknown route/method on REST)",
      "{\"message\": \"Internal server error\"} (502, malformed Lambda proxy response)",
      "{\"message\":\"Too Many Requests\"} (429)",
    ],
    notes: "Execution log: 'Execution failed due to a timeout error' after 'Endpoint request body after transformations:'.",
    source: "re:Post KC api-gateway-504-errors; taourl.com / tutorials.dodatech.com (body strings, third-party); header names general knowledge",
    confidence: "partially-confirmed",
  },
  {
    // kb #15: AWS CloudFront
    product: "aws-cloudfront",
    productName: "AWS CloudFront",
    intermediary: true,
    who: "AWS CloudFront",
    headers: [
      "Server: CloudFront",
      "Via: 1.1 <hash>.cloudfront.net (CloudFront)",
      "X-Amz-Cf-Id: <id>",
      "X-Cache: Error from cloudfront | Hit from cloudfront | Miss from cloudfront",
      "X-Amz-Cf-Pop (unconfirmed)",
    ],
    bodySignatures: [
      "<TITLE>ERROR: The request could not be satisfied</TITLE>",
      "<H2>The request could not be satisfied.</H2>",
      "Generated by cloudfront (CloudFront)",
      "Request ID: <X-Amz-Cf-Id>",
    ],
    notes: "502 = origin connection/TLS problem, 504 = OriginReadTimeout (30 s default) or connect attempts exhausted.",
    source: "stackoverflow.com/questions/20664018 (verbatim response capture); AWS CloudFront troubleshooting-response-errors docs",
    confidence: "confirmed",
  },
  {
    // kb #16: Cloudflare
    product: "cloudflare",
    productName: "Cloudflare",
    intermediary: true,
    who: "Cloudflare",
    headers: [
      "Server: cloudflare",
      "CF-RAY: <id>-<colo>",
      "cf-cache-status",
      "cf-error-type: 1xxx | 52x (only on Cloudflare-generated error pages)",
      "cf-error-origin",
    ],
    bodySignatures: [
      "<title>{host} | 524: A timeout occurred</title>",
      "Error 524 ... Ray ID: ... A timeout occurred",
      "<title>{host} | 504: Gateway time-out</title>",
      "/cdn-cgi/styles/cf.errors.css",
      "Cloudflare Ray ID: ... • Your IP: ... • Performance & security by Cloudflare",
    ],
    notes: "52x family: 520 unknown/empty origin response, 521 origin refused, 522 TCP connect timeout (19 s) / ACK (90 s), 523 unreachable, 524 read timeout (100 s, or 120 s per newer doc), 525/526 TLS. 1015 = rate limited. Enterprise-only 'Enable Origin Error Pages' to pass through origin 5xx (matrix-viewer PR #228).",
    source: "cloudflare/cloudflare-docs cloudflare-error-headers.mdx, connection-limits.mdx, error-524.mdx; pastebin.com/5DwX804Z and pastebin.com/EGqjy2A8 (page captures); gist aybabtme (504 page)",
    confidence: "confirmed",
  },
  {
    // kb #17: Heroku router
    product: "heroku",
    productName: "Heroku router",
    intermediary: true,
    who: "Heroku router",
    headers: [
      "Via: 1.1 vegur (legacy router; MDN example)",
      "Heroku Router 2.0 Via value unconfirmed",
    ],
    bodySignatures: [
      "Heroku error page (customizable) with 503 for H12",
    ],
    notes: "Router log: 'heroku[router]: at=error code=H12 desc=\"Request timeout\" method=... path=... dyno=web.1 connect=..ms service=30000ms status=503 bytes=0'. H13 connection closed without response, H10 app crashed (general knowledge).",
    source: "developer.mozilla.org/docs/Web/HTTP/Headers/Via (example 'Via: 1.1 vegur'); heroku/vegur repo; log captures in gist 8vius/e4572c0b, pastebin Dye17cXx",
    confidence: "partially-confirmed",
  },
  {
    // kb #18: Akamai
    product: "akamai",
    productName: "Akamai",
    intermediary: true,
    who: "Akamai",
    headers: [
      "Server: AkamaiGHost",
      "Mime-Version: 1.0",
      "Connection: close",
    ],
    bodySignatures: [
      "<TITLE>Gateway Timeout - In read </TITLE>",
      "<H1>Gateway Timeout</H1>",
      "The proxy server did not receive a timely response from the upstream server.<P>",
      "Reference #1.<hex>.<epoch>.<hex>",
    ],
    notes: "Reference # prefix categories per third-party gist: 1.xx ERR_READ_TIMEOUT, 3.xx ERR_READ_ERROR, 4.xx ERR_WRITE_ERROR, 6.xx ERR_CONNECT_FAIL, 9.xx ERR_INVALID_URL.",
    source: "gist.github.com/andcam/f6355e04d542db0b8a2fa0d722e6866c (capture); gist.github.com/chrisvanpatten (reference codes)",
    confidence: "partially-confirmed",
  },
  {
    // kb #19: Azure Front Door
    product: "azure-front-door",
    productName: "Azure Front Door",
    intermediary: true,
    who: "Azure Front Door",
    headers: [
      "X-Azure-Ref: <base64 ref string> (response; also embedded in Microsoft error pages)",
      "X-Cache / X-Azure-* debug headers only with request header 'X-Azure-DebugInfo: 1'",
      "To origin: Via: 1.1 Azure, X-Azure-FDID, X-Azure-ClientIP, X-Azure-SocketIP, X-Azure-RequestChain: hops=1",
    ],
    bodySignatures: [
      "504 with 'ErrorInfo: OriginTimeout'",
      "503 with 'ErrorInfo: OriginInvalidResponse'",
    ],
    notes: "",
    source: "learn.microsoft.com/azure/frontdoor/front-door-http-headers-protocol; docs.azure.cn/frontdoor/refstring; troubleshoot-issues",
    confidence: "confirmed",
  },
  {
    // kb #20: Azure Application Gateway
    product: "azure-app-gateway",
    productName: "Azure Application Gateway",
    intermediary: true,
    who: "Azure Application Gateway",
    headers: [
      "Server: Microsoft-Azure-Application-Gateway/v2 (unconfirmed)",
    ],
    bodySignatures: [
      "Server Error: 502 - Web server received an invalid response while acting as a gateway or proxy server",
      "<center>Microsoft-Azure-Application-Gateway/v2</center> (unconfirmed)",
    ],
    notes: "v1: 502 after 20 s request timeout; v2: retry then 504.",
    source: "MicrosoftDocs/azure-docs application-gateway-troubleshooting-502.md",
    confidence: "partially-confirmed",
  },
  {
    // kb #21: Azure (other services)
    product: "azure",
    productName: "Azure service",
    intermediary: false,
    who: "Azure (other services)",
    headers: [
      "x-ms-request-id, x-ms-* (Azure Storage/ARM etc.)",
    ],
    bodySignatures: [],
    notes: "Not researched; general knowledge.",
    source: "n/a",
    confidence: "unconfirmed",
  },
  {
    // kb #22: Google Cloud (GFE / external Application LB)
    product: "gcp-lb",
    productName: "Google Front End / Cloud Load Balancer",
    intermediary: true,
    who: "Google Cloud (GFE / external Application LB)",
    headers: [
      "Via: 1.1 google (unconfirmed; MDN example shows 'Via: HTTP/1.1 GWA')",
      "Server: Google Frontend (App Engine/Cloud Run, unconfirmed)",
    ],
    bodySignatures: [
      "'Error: Server Error ... The server encountered a temporary error and could not complete your request. Please try again in 30 seconds.' (unconfirmed)",
      "Envoy-based regional LBs/Cloud Run: 'upstream request timeout' (Cloud Run 504, from third-party code referencing 'cloudRunFrontEndError')",
    ],
    notes: "LB logs statusDetails e.g. backend_timeout (unconfirmed).",
    source: "developer.mozilla.org Via example; third-party code seen via find_string",
    confidence: "unconfirmed",
  },
  {
    // kb #23: IIS / ARR
    product: "iis",
    productName: "IIS",
    intermediary: true,
    who: "IIS / ARR",
    headers: [
      "Server: Microsoft-IIS/<ver>",
      "X-Powered-By: ARR/3.0 (unconfirmed)",
    ],
    bodySignatures: [
      "<title>IIS Detailed Error - 502.3 - Bad Gateway</title>",
      "The operation timed out (0x80072ee2 ERROR_WINHTTP_TIMEOUT)",
      "HTTP Error 404.11 (double escape)",
    ],
    notes: "",
    source: "gist davenewza/a9ed0d79 (IIS detailed 502.3 page); blogs.iis.net/richma; pastebin V85RUeyi (headers)",
    confidence: "partially-confirmed",
  },
  {
    // kb #24: Vercel
    product: "vercel",
    productName: "Vercel",
    intermediary: true,
    who: "Vercel",
    headers: [
      "x-vercel-id (unconfirmed)",
    ],
    bodySignatures: [
      "504: GATEWAY_TIMEOUT",
      "Code: FUNCTION_INVOCATION_TIMEOUT",
      "ID: <region>::<id>",
      "This Serverless Function has timed out.",
    ],
    notes: "",
    source: "github.com/vercel/community/discussions/1813; github.com/hitsapp/web/issues/1 (captures)",
    confidence: "partially-confirmed",
  },
  {
    // kb #25: AWS Lambda web functions
    product: "aws-lambda",
    productName: "AWS Lambda",
    intermediary: true,
    who: "AWS Lambda web functions",
    headers: [
      "lambda-web-error-type: Runtime.RequestTimeout",
    ],
    bodySignatures: [
      "504",
    ],
    notes: "Streaming responses: status already sent (200) with truncated body, no header.",
    source: "docs.aws.amazon.com/lambda/latest/dg/web-functions-revisions-timeout.html",
    confidence: "confirmed",
  },
  {
    // kb #26: GitLab
    product: "gitlab",
    productName: "GitLab",
    intermediary: false,
    who: "GitLab",
    headers: [
      "RateLimit-Limit, RateLimit-Observed, RateLimit-Remaining, RateLimit-Reset (Unix time), RateLimit-ResetTime (HTTP-date)",
      "GitLab-LB, GitLab-SV (GitLab.com)",
    ],
    bodySignatures: [
      "{\"message\":\"404 Project Not Found\"}",
      "{\"message\":{\"error\":\"This endpoint has been requested too many times. Try again later.\"}} (429)",
    ],
    notes: "GitLab issues report Retry-After and RateLimit-* missing on some 429s (Cloudflare/GraphQL/export limits).",
    source: "gitlab.com/gitlab-org/gitlab issues 199738, 365728, 352409, 217312; gitlab-com/gl-infra production-engineering issue 25372",
    confidence: "confirmed",
  },];

/** Conventions from the kb that belong to no product (rate limits, OAuth, problem+json), kept for reference. */
export interface ConventionFingerprint extends Sourced {
  who: string;
  headers: readonly string[];
  bodySignatures: readonly string[];
  notes: string;
}

export const CONVENTIONS: readonly ConventionFingerprint[] = [
  {
    // kb #27
    who: "Convention: Retry-After",
    headers: [
      "Retry-After: <delay-seconds> | <HTTP-date>",
    ],
    bodySignatures: [],
    notes: "Used with 429 Too Many Requests (RFC 6585) and 503 (RFC 9110). Varnish synthetic errors send 'Retry-After: 5'. GitHub secondary limits: honour retry-after if present, else if x-ratelimit-remaining=0 wait until x-ratelimit-reset, else wait >=1 min.",
    source: "varnish builtin.vcl; GitHub docs rate-limits-for-the-rest-api (quoted in JuliaWeb/GitHub.jl#231); RFC references general knowledge",
    confidence: "partially-confirmed",
  },
  {
    // kb #28
    who: "Convention: GitHub REST API rate limits",
    headers: [
      "x-ratelimit-limit",
      "x-ratelimit-remaining",
      "x-ratelimit-used",
      "x-ratelimit-reset (UTC epoch seconds)",
      "x-ratelimit-resource (core, search, graphql, ...)",
      "retry-after (secondary limits, sometimes)",
    ],
    bodySignatures: [
      "'You have exceeded a secondary rate limit' message",
    ],
    notes: "Primary limit exceeded -> 403 or 429 with x-ratelimit-remaining: 0; secondary -> 403 or 429 + message. Limits: 60/h unauthenticated per IP, 5,000/h PAT, 1,000/h GITHUB_TOKEN per repo; secondary: 100 concurrent, 900 points/min REST.",
    source: "github/docs content/rest/using-the-rest-api/rate-limits-for-the-rest-api.md; KnpLabs/php-github-api PR #1072 header dump; learn.microsoft.com dev-proxy github-api-rate-limit-exceeded",
    confidence: "confirmed",
  },
  {
    // kb #29
    who: "Convention: legacy X-RateLimit-* (de facto)",
    headers: [
      "X-RateLimit-Limit",
      "X-RateLimit-Remaining",
      "X-RateLimit-Reset (epoch seconds OR delta seconds — vendor-specific!)",
    ],
    bodySignatures: [],
    notes: "Used by GitHub (lowercase), Kong rate-limiting plugin, many APIs; semantics of Reset vary (epoch vs seconds-remaining).",
    source: "Kong/kong kong/constants.lua; GitHub docs",
    confidence: "partially-confirmed",
  },
  {
    // kb #30
    who: "Convention: IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers)",
    headers: [
      "Drafts -00..-06: RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset (+ RateLimit-Policy from -05/-06)",
      "Drafts -07+: two Structured Fields: RateLimit-Policy and RateLimit",
      "Current syntax (http.dev, -10/-11): RateLimit-Policy: \"default\";q=100;w=10  (q=quota, w=window s, qu=quota unit, pk=partition key)",
      "RateLimit: \"default\";r=50;t=30  (r=remaining, t=seconds until reset)",
      "Intermediate drafts used token + l=: 'RateLimit-Policy: default;l=100;w=10' / 'RateLimit: default;r=50;t=5'",
    ],
    bodySignatures: [],
    notes: "Still an Internet-Draft (latest -11 dated 2026-05-23); not an RFC. GitLab's RateLimit-Observed/ResetTime are GitLab-specific.",
    source: "datatracker.ietf.org draft-ietf-httpapi-ratelimit-headers (-04,-05,-06,-07,-08,-10,-11); ietf-wg-httpapi/ratelimit-headers commit 02a991c8 diff; http.dev/ratelimit-policy",
    confidence: "confirmed",
  },
  {
    // kb #31
    who: "Convention: OAuth 2.0 token endpoint errors (RFC 6749 §5.2)",
    headers: [
      "Content-Type: application/json",
      "WWW-Authenticate: <scheme> (MUST for invalid_client when client used Authorization header; status 401)",
    ],
    bodySignatures: [
      "{\"error\":\"invalid_request|invalid_client|invalid_grant|unauthorized_client|unsupported_grant_type|invalid_scope\", \"error_description\":\"...\", \"error_uri\":\"...\"}",
    ],
    notes: "Default status 400 (Bad Request) 'unless specified otherwise'; invalid_client MAY be 401 (MUST be 401 + WWW-Authenticate if Authorization header used). error_description chars limited to %x20-21/%x23-5B/%x5D-7E.",
    source: "RFC 6749 §5.2 text as quoted in snippets.aktagon.com/snippets/981-oauth2-errors and thephpleague/oauth2-server#958",
    confidence: "confirmed",
  },
  {
    // kb #32
    who: "Convention: OAuth 2.0 Bearer resource errors (RFC 6750 §3, §3.1)",
    headers: [
      "WWW-Authenticate: Bearer realm=\"example\"  (no error attr when request had no credentials)",
      "WWW-Authenticate: Bearer realm=\"example\", error=\"invalid_token\", error_description=\"The access token expired\"",
      "WWW-Authenticate: Bearer error=\"insufficient_scope\", scope=\"...\"",
    ],
    bodySignatures: [],
    notes: "invalid_request -> 400; invalid_token -> 401 (client MAY refresh and retry); insufficient_scope -> 403 (MAY include scope). 'realm', 'scope', 'error', 'error_description', 'error_uri' each at most once.",
    source: "RFC 6750 §3 (rfcinfo.com/rfc-6750/3) and §3.1 text (pullrequest.ru quote); Nimbus BearerTokenError docs",
    confidence: "confirmed",
  },
  {
    // kb #33
    who: "Convention: Problem Details (RFC 9457, obsoletes RFC 7807)",
    headers: [
      "Content-Type: application/problem+json (or application/problem+xml)",
    ],
    bodySignatures: [
      "{\"type\":\"<URI, default about:blank>\",\"title\":\"...\",\"status\":<int>,\"detail\":\"...\",\"instance\":\"<URI>\", ...extension members}",
    ],
    notes: "RFC 9457 published July 2023 (Nottingham, Wilde, Dalal). Members: type, status, title, detail, instance (§3.1.1-3.1.5).",
    source: "RFC 9457 text (gemini mirror of rfc9457.txt; watersprings.org draft-ietf-httpapi-rfc7807bis-07)",
    confidence: "confirmed",
  },];
