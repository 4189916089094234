/**
 * Default timeouts of the hops an HTTP call crosses, and matching an elapsed time against them.
 * Data: ../shared/kb/timeouts.json — every record with a non-null default, in kb order, `source` and `confidence`
 * copied verbatim. The classification (product id, outcome, layer, timer) is proxydoc's own reading of each
 * record's symptom text. Pure: no I/O, no clock.
 */
import type { UserTimeout } from '../rule';
import type { Confidence, TimeoutFact, TimeoutMatch } from './types';

/**
 * What the timer waits for, which decides what its expiry means:
 * - connect: the hop could not open a connection to the next one (the request never reached it);
 * - response: the hop waited for the upstream's response (the upstream may still be working on it);
 * - request: the hop waited for the *caller's* request bytes;
 * - idle-connection: a keep-alive connection idle between requests was closed;
 * - flow-idle: an L4 balancer forgot a TCP flow that carried no bytes;
 * - client-write: the hop gave up writing to a caller that stopped reading;
 * - execution: the platform or app server killed the handler.
 */
export type TimerKind = 'connect' | 'response' | 'request' | 'idle-connection' | 'flow-idle' | 'client-write' | 'execution';

export interface KnownTimeout extends TimeoutFact {
  timer: TimerKind;
  /** The kb's description of what the caller sees. */
  symptom: string;
}

export const TIMEOUTS: readonly KnownTimeout[] = [
  {
    // kb #0: nginx — proxy_read_timeout
    product: "nginx",
    productName: "nginx",
    setting: "proxy_read_timeout",
    seconds: 60,
    outcome: [504],
    layer: "proxy",
    timer: "response",
    symptom: "504 Gateway Time-out (nginx HTML page, '<center>nginx</center>' tail); error log 'upstream timed out (110: Connection timed out) while reading response header from upstream'",
    source: "nginx.org docs: xml/en/docs/http/ngx_http_proxy_module.xml (repo nginx/nginx.org @3924a7f8) = https://nginx.org/en/docs/http/ngx_http_proxy_module.html; nginx/nginx src/http/modules/ngx_http_proxy_module.c (merge defaults 60000 ms) + src/http/ngx_http_upstream.c (NGX_HTTP_UPSTREAM_FT_TIMEOUT -> NGX_HTTP_GATEWAY_TIME_OUT) @3f6f7824",
    confidence: "confirmed",
  },
  {
    // kb #1: nginx — proxy_connect_timeout
    product: "nginx",
    productName: "nginx",
    setting: "proxy_connect_timeout",
    seconds: 60,
    outcome: [504],
    layer: "proxy",
    timer: "connect",
    symptom: "504 Gateway Time-out (upstream FT_TIMEOUT); if connect is refused instead -> 502 Bad Gateway",
    source: "nginx.org docs: xml/en/docs/http/ngx_http_proxy_module.xml (repo nginx/nginx.org @3924a7f8) = https://nginx.org/en/docs/http/ngx_http_proxy_module.html; nginx/nginx src/http/modules/ngx_http_proxy_module.c (merge defaults 60000 ms) + src/http/ngx_http_upstream.c (NGX_HTTP_UPSTREAM_FT_TIMEOUT -> NGX_HTTP_GATEWAY_TIME_OUT) @3f6f7824",
    confidence: "confirmed",
  },
  {
    // kb #2: nginx — proxy_send_timeout
    product: "nginx",
    productName: "nginx",
    setting: "proxy_send_timeout",
    seconds: 60,
    outcome: [504],
    layer: "proxy",
    timer: "response",
    symptom: "504 Gateway Time-out (timeout while sending request to upstream -> FT_TIMEOUT)",
    source: "nginx.org docs: xml/en/docs/http/ngx_http_proxy_module.xml (repo nginx/nginx.org @3924a7f8) = https://nginx.org/en/docs/http/ngx_http_proxy_module.html; nginx/nginx src/http/modules/ngx_http_proxy_module.c (merge defaults 60000 ms) + src/http/ngx_http_upstream.c (NGX_HTTP_UPSTREAM_FT_TIMEOUT -> NGX_HTTP_GATEWAY_TIME_OUT) @3f6f7824",
    confidence: "confirmed",
  },
  {
    // kb #3: nginx — keepalive_timeout
    product: "nginx",
    productName: "nginx",
    setting: "keepalive_timeout",
    seconds: 75,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "idle-connection",
    symptom: "Idle client keep-alive connection closed by server (no HTTP response); client that reuses it may see 'connection reset' / empty reply on next request",
    source: "nginx.org docs: xml/en/docs/http/ngx_http_core_module.xml = https://nginx.org/en/docs/http/ngx_http_core_module.html; nginx/nginx src/http/ngx_http_core_module.c (merge default 75000 ms)",
    confidence: "confirmed",
  },
  {
    // kb #4: nginx — client_body_timeout
    product: "nginx",
    productName: "nginx",
    setting: "client_body_timeout",
    seconds: 60,
    outcome: [408, 'dropped'],
    layer: "proxy",
    timer: "request",
    symptom: "Logged as 408; docs say 'terminated with the 408 (Request Time-out) error' but source terminates the request (ngx_http_finalize_request treats NGX_HTTP_REQUEST_TIME_OUT like NGX_ERROR -> ngx_http_terminate_request), so the client typically sees the connection closed with no response",
    source: "nginx.org docs: xml/en/docs/http/ngx_http_core_module.xml = https://nginx.org/en/docs/http/ngx_http_core_module.html; nginx/nginx src/http/ngx_http_core_module.c; nginx/nginx src/http/ngx_http_request.c (~l.2775) and src/http/ngx_http_request_body.c",
    confidence: "confirmed",
  },
  {
    // kb #5: nginx — client_header_timeout
    product: "nginx",
    productName: "nginx",
    setting: "client_header_timeout",
    seconds: 60,
    outcome: [408, 'dropped'],
    layer: "proxy",
    timer: "request",
    symptom: "Same as client_body_timeout: logged 408, connection closed",
    source: "nginx.org docs: xml/en/docs/http/ngx_http_core_module.xml = https://nginx.org/en/docs/http/ngx_http_core_module.html; nginx/nginx src/http/ngx_http_core_module.c",
    confidence: "confirmed",
  },
  {
    // kb #6: nginx — send_timeout
    product: "nginx",
    productName: "nginx",
    setting: "send_timeout",
    seconds: 60,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "client-write",
    symptom: "Connection to client closed mid-response (truncated body) when client doesn't read for 60 s",
    source: "nginx.org docs: xml/en/docs/http/ngx_http_core_module.xml = https://nginx.org/en/docs/http/ngx_http_core_module.html; nginx/nginx src/http/ngx_http_core_module.c",
    confidence: "confirmed",
  },
  {
    // kb #7: Kubernetes ingress-nginx — proxy-read-timeout / proxy-send-timeout (ConfigMap or nginx.ingress.kubernetes.io/proxy-read-timeout annotation)
    product: "ingress-nginx",
    productName: "Kubernetes ingress-nginx",
    setting: "proxy-read-timeout / proxy-send-timeout",
    seconds: 60,
    outcome: [504],
    layer: "proxy",
    timer: "response",
    symptom: "504 Gateway Time-out from nginx (same body as nginx)",
    source: "kubernetes/ingress-nginx docs/user-guide/nginx-configuration/configmap.md @dbb11b92",
    confidence: "confirmed",
  },
  {
    // kb #8: Kubernetes ingress-nginx — proxy-connect-timeout
    product: "ingress-nginx",
    productName: "Kubernetes ingress-nginx",
    setting: "proxy-connect-timeout",
    seconds: 5,
    outcome: [504],
    layer: "proxy",
    timer: "connect",
    symptom: "504 (or 502 if refused) after ~5 s per upstream attempt",
    source: "kubernetes/ingress-nginx docs/user-guide/nginx-configuration/configmap.md @dbb11b92",
    confidence: "confirmed",
  },
  {
    // kb #9: Apache httpd — TimeOut (core)
    product: "apache",
    productName: "Apache httpd",
    setting: "Timeout",
    seconds: 60,
    outcome: [502],
    layer: "proxy",
    timer: "response",
    symptom: "Generic I/O timeout; also default for ProxyTimeout",
    source: "apache/httpd docs/manual/mod/core.xml (2.4.x branch @f45abec1 and trunk) '<default>TimeOut 60</default>' = https://httpd.apache.org/docs/2.4/mod/core.html#timeout",
    confidence: "confirmed",
  },
  {
    // kb #10: Apache httpd mod_proxy — ProxyTimeout (and per-worker ProxyPass timeout=)
    product: "apache",
    productName: "Apache httpd",
    setting: "ProxyTimeout",
    seconds: 60,
    outcome: [502, 504],
    layer: "proxy",
    timer: "response",
    symptom: "mod_proxy_http read timeout on status line -> 502 'Proxy Error' page: 'The proxy server received an invalid response from an upstream server... Reason: Error reading from remote server'; error log AH01102 'error reading status line from remote server' with '(70007)The timeout specified has expired'. NOT a 504. mod_proxy_fcgi / mod_proxy_ajp return 504 on timeout.",
    source: "apache/httpd docs/manual/mod/mod_proxy.xml ('Default: Value of Timeout'); modules/proxy/mod_proxy_http.c (2.4.x ~l.1115/1194: APR_STATUS_IS_TIMEUP -> ap_proxyerror(r, HTTP_BAD_GATEWAY, \"Error reading from remote server\")); modules/proxy/mod_proxy_fcgi.c & mod_proxy_ajp.c return HTTP_GATEWAY_TIME_OUT",
    confidence: "confirmed",
  },
  {
    // kb #11: Apache httpd — KeepAliveTimeout
    product: "apache",
    productName: "Apache httpd",
    setting: "KeepAliveTimeout",
    seconds: 5,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "idle-connection",
    symptom: "Idle keep-alive connection closed",
    source: "apache/httpd docs/manual/mod/core.xml (2.4.x) '<default>KeepAliveTimeout 5</default>'",
    confidence: "confirmed",
  },
  {
    // kb #12: Apache httpd mod_reqtimeout — RequestReadTimeout
    product: "apache",
    productName: "Apache httpd",
    setting: "RequestReadTimeout (mod_reqtimeout)",
    seconds: 20,
    outcome: [408],
    layer: "proxy",
    timer: "request",
    symptom: "408 Request Time Out ('Server timeout waiting for the HTTP request from the client.') when headers not received in 20 s (extendable to 40 s at MinRate 500 B/s) or body stalls 20 s",
    source: "apache/httpd docs/manual/mod/mod_reqtimeout.xml (2.4.x) '<default>RequestReadTimeout handshake=0 header=20-40,MinRate=500 body=20,MinRate=500</default>'; canned text in modules/http/http_protocol.c",
    confidence: "confirmed",
  },
  {
    // kb #18: Envoy — RouteAction.timeout (route timeout)
    product: "envoy",
    productName: "Envoy",
    setting: "route timeout",
    seconds: 15,
    outcome: [504],
    layer: "proxy",
    timer: "response",
    symptom: "504, body 'upstream request timeout' (text/plain), access-log response flag UT; timer starts only after the full downstream request is received",
    source: "envoyproxy/envoy docs/root/faq/configuration/timeouts.rst @073db228 = https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts; response-flag mapping 'UT: Upstream request timeout in addition to 504' (Envoy access-log docs as quoted by cnblogs.com/xuliang666 and netdata.cloud Envoy guide)",
    confidence: "confirmed",
  },
  {
    // kb #19: Envoy — HttpConnectionManager.stream_idle_timeout
    product: "envoy",
    productName: "Envoy",
    setting: "stream_idle_timeout",
    seconds: 300,
    outcome: [408, 'dropped'],
    layer: "proxy",
    timer: "response",
    symptom: "408 'stream timeout' local reply if no response started; otherwise stream reset (truncated)",
    source: "envoyproxy/envoy docs/root/faq/configuration/timeouts.rst @073db228 = https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts; Envoy conn_manager_impl.cc (sendLocalReply(Http::Code::RequestTimeout, \"stream timeout\") seen via find_string)",
    confidence: "confirmed",
  },
  {
    // kb #20: Envoy — HttpProtocolOptions.idle_timeout (downstream & upstream connection idle)
    product: "envoy",
    productName: "Envoy",
    setting: "idle_timeout (connection)",
    seconds: 3600,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "idle-connection",
    symptom: "Idle connection closed (no active streams); upstream-side: request on a connection the backend already closed -> 503 'upstream connect error or disconnect/reset before headers. reset reason: connection termination' (flag UC)",
    source: "envoyproxy/envoy docs/root/faq/configuration/timeouts.rst @073db228 = https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts",
    confidence: "confirmed",
  },
  {
    // kb #21: Envoy — Cluster.connect_timeout
    product: "envoy",
    productName: "Envoy",
    setting: "cluster connect_timeout",
    seconds: 5,
    outcome: [503],
    layer: "proxy",
    timer: "connect",
    symptom: "503 'upstream connect error or disconnect/reset before headers. reset reason: connection timeout' (flag UF)",
    source: "envoyproxy/envoy docs/root/faq/configuration/timeouts.rst @073db228 = https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts",
    confidence: "confirmed",
  },
  {
    // kb #23: Envoy — TcpProxy.idle_timeout
    product: "envoy",
    productName: "Envoy",
    setting: "TCP proxy idle_timeout",
    seconds: 3600,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "flow-idle",
    symptom: "TCP connection closed",
    source: "envoyproxy/envoy docs/root/faq/configuration/timeouts.rst @073db228 = https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts",
    confidence: "confirmed",
  },
  {
    // kb #24: Envoy Gateway — HTTPRoute request timeout (inherits Envoy route timeout)
    product: "envoy-gateway",
    productName: "Envoy Gateway",
    setting: "HTTPRoute request timeout",
    seconds: 15,
    outcome: [504],
    layer: "gateway",
    timer: "response",
    symptom: "504 'upstream request timeout'",
    source: "gateway.envoyproxy.io docs 'HTTP Timeouts' task (v1.1/v1.2/latest): 'The default request timeout is set to 15 seconds in Envoy Proxy'",
    confidence: "confirmed",
  },
  {
    // kb #26: Traefik — entryPoints.<n>.transport.respondingTimeouts.readTimeout
    product: "traefik",
    productName: "Traefik",
    setting: "entry point readTimeout",
    seconds: 60,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "request",
    symptom: "Go server stops reading: request (incl. body) not fully read within 60 s -> connection closed/reset (no HTTP status)",
    source: "traefik/traefik docs/content/reference/install-configuration/entrypoints.md and docs/content/reference/routing-configuration/http/load-balancing/serverstransport.md @fd5a576d; pkg/proxy/httputil/proxy.go ComputeStatusCode; pkg/config/static/static_config.go DefaultReadTimeout = 60s (introduced in commit 099c7e9444, first tag v2.11.2, Apr 2024)",
    confidence: "confirmed",
  },
  {
    // kb #28: Traefik — respondingTimeouts.idleTimeout
    product: "traefik",
    productName: "Traefik",
    setting: "entry point idleTimeout",
    seconds: 180,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "idle-connection",
    symptom: "Idle keep-alive closed",
    source: "traefik/traefik docs/content/reference/install-configuration/entrypoints.md and docs/content/reference/routing-configuration/http/load-balancing/serverstransport.md @fd5a576d; pkg/proxy/httputil/proxy.go ComputeStatusCode",
    confidence: "confirmed",
  },
  {
    // kb #30: Traefik — serversTransport.forwardingTimeouts.dialTimeout
    product: "traefik",
    productName: "Traefik",
    setting: "forwardingTimeouts.dialTimeout",
    seconds: 30,
    outcome: [504],
    layer: "proxy",
    timer: "connect",
    symptom: "504 'Gateway Timeout' (dial timeout is a net timeout) ; refused -> 502 'Bad Gateway'",
    source: "traefik/traefik docs/content/reference/install-configuration/entrypoints.md and docs/content/reference/routing-configuration/http/load-balancing/serverstransport.md @fd5a576d; pkg/proxy/httputil/proxy.go ComputeStatusCode",
    confidence: "confirmed",
  },
  {
    // kb #31: Traefik — serversTransport.forwardingTimeouts.idleConnTimeout
    product: "traefik",
    productName: "Traefik",
    setting: "forwardingTimeouts.idleConnTimeout",
    seconds: 90,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "idle-connection",
    symptom: "Idle upstream connection closed",
    source: "traefik/traefik docs/content/reference/install-configuration/entrypoints.md and docs/content/reference/routing-configuration/http/load-balancing/serverstransport.md @fd5a576d; pkg/proxy/httputil/proxy.go ComputeStatusCode",
    confidence: "confirmed",
  },
  {
    // kb #32: Caddy reverse_proxy — transport http dial_timeout
    product: "caddy",
    productName: "Caddy",
    setting: "reverse_proxy dial_timeout",
    seconds: 3,
    outcome: [504, 502],
    layer: "proxy",
    timer: "connect",
    symptom: "502 for most upstream errors; 504 if the error is a net timeout; 499 if client canceled",
    source: "caddyserver/caddy modules/caddyhttp/reverseproxy/httptransport.go and reverseproxy.go statusError(); modules/caddyhttp/app.go @0cf03d32",
    confidence: "confirmed",
  },
  {
    // kb #34: Caddy reverse_proxy — transport http keepalive idle_timeout
    product: "caddy",
    productName: "Caddy",
    setting: "reverse_proxy keepalive idle_timeout",
    seconds: 120,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "idle-connection",
    symptom: "Idle upstream conn closed",
    source: "caddyserver/caddy modules/caddyhttp/reverseproxy/httptransport.go and reverseproxy.go statusError(); modules/caddyhttp/app.go @0cf03d32",
    confidence: "confirmed",
  },
  {
    // kb #35: Caddy server — idle_timeout
    product: "caddy",
    productName: "Caddy",
    setting: "server idle_timeout",
    seconds: 300,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "idle-connection",
    symptom: "Idle client connection closed",
    source: "caddyserver/caddy modules/caddyhttp/reverseproxy/httptransport.go and reverseproxy.go statusError(); modules/caddyhttp/app.go @0cf03d32",
    confidence: "confirmed",
  },
  {
    // kb #36: Caddy server — read_header_timeout
    product: "caddy",
    productName: "Caddy",
    setting: "server read_header_timeout",
    seconds: 60,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "request",
    symptom: "Client header not received in 60 s -> connection closed",
    source: "caddyserver/caddy modules/caddyhttp/reverseproxy/httptransport.go and reverseproxy.go statusError(); modules/caddyhttp/app.go @0cf03d32",
    confidence: "confirmed",
  },
  {
    // kb #37: Squid — read_timeout
    product: "squid",
    productName: "Squid",
    setting: "read_timeout",
    seconds: 900,
    outcome: [504],
    layer: "proxy",
    timer: "response",
    symptom: "504 Gateway Timeout, Squid error page ERR_READ_TIMEOUT ('Read Timeout'), header 'X-Squid-Error: ERR_READ_TIMEOUT 0'",
    source: "squid-cache/squid src/cf.data.pre @7c20a8a7; src/http.cc (ERR_READ_TIMEOUT, Http::scGatewayTimeout); src/FwdState.cc",
    confidence: "confirmed",
  },
  {
    // kb #38: Squid — connect_timeout
    product: "squid",
    productName: "Squid",
    setting: "connect_timeout",
    seconds: 60,
    outcome: [502, 503, 504],
    layer: "proxy",
    timer: "connect",
    symptom: "ERR_CONNECT_FAIL (502/503/504 depending on path; tunnel connect timeout -> 504)",
    source: "squid-cache/squid src/cf.data.pre @7c20a8a7; src/http.cc (ERR_READ_TIMEOUT, Http::scGatewayTimeout); src/FwdState.cc",
    confidence: "confirmed",
  },
  {
    // kb #39: Squid — forward_timeout
    product: "squid",
    productName: "Squid",
    setting: "forward_timeout",
    seconds: 240,
    outcome: [504],
    layer: "proxy",
    timer: "connect",
    symptom: "ERR_CONNECT_FAIL / 504 after all forwarding attempts",
    source: "squid-cache/squid src/cf.data.pre @7c20a8a7; src/http.cc (ERR_READ_TIMEOUT, Http::scGatewayTimeout); src/FwdState.cc",
    confidence: "confirmed",
  },
  {
    // kb #40: Squid — request_timeout
    product: "squid",
    productName: "Squid",
    setting: "request_timeout",
    seconds: 300,
    outcome: [408, 'dropped'],
    layer: "proxy",
    timer: "request",
    symptom: "Client request headers not received -> connection closed / 408-type error",
    source: "squid-cache/squid src/cf.data.pre @7c20a8a7; src/http.cc (ERR_READ_TIMEOUT, Http::scGatewayTimeout); src/FwdState.cc",
    confidence: "confirmed",
  },
  {
    // kb #41: Squid — client_idle_pconn_timeout
    product: "squid",
    productName: "Squid",
    setting: "client_idle_pconn_timeout",
    seconds: 120,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "idle-connection",
    symptom: "Idle client keep-alive closed",
    source: "squid-cache/squid src/cf.data.pre @7c20a8a7; src/http.cc (ERR_READ_TIMEOUT, Http::scGatewayTimeout); src/FwdState.cc",
    confidence: "confirmed",
  },
  {
    // kb #42: Squid — server_idle_pconn_timeout
    product: "squid",
    productName: "Squid",
    setting: "server_idle_pconn_timeout",
    seconds: 60,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "idle-connection",
    symptom: "Idle server connection closed",
    source: "squid-cache/squid src/cf.data.pre @7c20a8a7; src/http.cc (ERR_READ_TIMEOUT, Http::scGatewayTimeout); src/FwdState.cc",
    confidence: "confirmed",
  },
  {
    // kb #43: Varnish — first_byte_timeout
    product: "varnish",
    productName: "Varnish",
    setting: "first_byte_timeout",
    seconds: 60,
    outcome: [503],
    layer: "proxy",
    timer: "response",
    symptom: "503 'Backend fetch failed' with builtin 'Guru Meditation' HTML page (XID), Retry-After: 5",
    source: "varnishcache/varnish-cache include/tbl/params.h @27d2ce15; bin/varnishd/cache/cache_fetch.c; bin/varnishd/builtin.vcl",
    confidence: "confirmed",
  },
  {
    // kb #44: Varnish — between_bytes_timeout
    product: "varnish",
    productName: "Varnish",
    setting: "between_bytes_timeout",
    seconds: 60,
    outcome: [503, 'dropped'],
    layer: "proxy",
    timer: "response",
    symptom: "503 'Backend fetch failed' if no headers yet; truncated body if streaming",
    source: "varnishcache/varnish-cache include/tbl/params.h @27d2ce15; bin/varnishd/cache/cache_fetch.c; bin/varnishd/builtin.vcl",
    confidence: "confirmed",
  },
  {
    // kb #45: Varnish — connect_timeout
    product: "varnish",
    productName: "Varnish",
    setting: "connect_timeout",
    seconds: 3.5,
    outcome: [503],
    layer: "proxy",
    timer: "connect",
    symptom: "503 'Backend fetch failed'",
    source: "varnishcache/varnish-cache include/tbl/params.h @27d2ce15; bin/varnishd/cache/cache_fetch.c; bin/varnishd/builtin.vcl",
    confidence: "confirmed",
  },
  {
    // kb #46: Varnish — send_timeout
    product: "varnish",
    productName: "Varnish",
    setting: "send_timeout",
    seconds: 600,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "client-write",
    symptom: "Client session closed (total time for HTTP/1 response)",
    source: "varnishcache/varnish-cache include/tbl/params.h @27d2ce15; bin/varnishd/cache/cache_fetch.c; bin/varnishd/builtin.vcl",
    confidence: "confirmed",
  },
  {
    // kb #47: Varnish — timeout_idle
    product: "varnish",
    productName: "Varnish",
    setting: "timeout_idle",
    seconds: 5,
    outcome: ['dropped'],
    layer: "proxy",
    timer: "idle-connection",
    symptom: "Idle client connection closed",
    source: "varnishcache/varnish-cache include/tbl/params.h @27d2ce15; bin/varnishd/cache/cache_fetch.c; bin/varnishd/builtin.vcl",
    confidence: "confirmed",
  },
  {
    // kb #48: Kong Gateway — Service read_timeout / write_timeout / connect_timeout
    product: "kong",
    productName: "Kong Gateway",
    setting: "Service read_timeout",
    seconds: 60,
    outcome: [504],
    layer: "gateway",
    timer: "response",
    symptom: "504 with body 'The upstream server is timing out' (+ request_id) in text/plain (default error_default_type), JSON {\"message\":\"The upstream server is timing out\",\"request_id\":\"...\"} or HTML depending on Accept; invalid response -> 502 'An invalid response was received from the upstream server'",
    source: "Kong/kong kong/db/schema/entities/services.lua (default = 60000 ms each); kong/error_handlers.lua; kong/tools/http.lua ERROR_TEMPLATES @22246ef2",
    confidence: "confirmed",
  },
  {
    // kb #49: AWS Application Load Balancer — idle_timeout.timeout_seconds
    product: "aws-alb",
    productName: "AWS ALB",
    setting: "idle timeout",
    seconds: 60,
    outcome: [504],
    layer: "load-balancer",
    timer: "response",
    symptom: "504 Gateway Time-out from ELB (Server: awselb/2.0); CloudWatch HTTPCode_ELB_504_Count",
    source: "AWS re:Post KC 'How do I troubleshoot 504 errors returned while using an Application Load Balancer?' https://repost.aws/knowledge-center/504-error-alb",
    confidence: "confirmed",
  },
  {
    // kb #50: AWS Application Load Balancer — target connection timeout (fixed)
    product: "aws-alb",
    productName: "AWS ALB",
    setting: "target connection timeout (fixed)",
    seconds: 10,
    outcome: [504],
    layer: "load-balancer",
    timer: "connect",
    symptom: "504",
    source: "AWS re:Post KC 504-error-alb",
    confidence: "confirmed",
  },
  {
    // kb #51: AWS Classic Load Balancer — ConnectionSettings.IdleTimeout
    product: "aws-elb",
    productName: "AWS Classic Load Balancer",
    setting: "idle timeout",
    seconds: 60,
    outcome: [504],
    layer: "load-balancer",
    timer: "response",
    symptom: "504 (HTTP listeners)",
    source: "AWS re:Post KC 'https://repost.aws/knowledge-center/504-error-classic'; docs.aws.amazon.com/elasticloadbalancing/latest/classic/config-idle-timeout.html",
    confidence: "confirmed",
  },
  {
    // kb #52: AWS Network Load Balancer — tcp.idle_timeout.seconds
    product: "aws-nlb",
    productName: "AWS NLB",
    setting: "TCP idle timeout",
    seconds: 350,
    outcome: ['dropped'],
    layer: "load-balancer",
    timer: "flow-idle",
    symptom: "Flow silently dropped/closed after 350 s idle; client sees reset/hang on next send (no HTTP status)",
    source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/update-idle-timeout.html",
    confidence: "confirmed",
  },
  {
    // kb #53: AWS API Gateway (REST API) — integration timeout (TimeoutInMillis)
    product: "aws-api-gateway",
    productName: "AWS API Gateway (REST API)",
    setting: "integration timeout",
    seconds: 29,
    outcome: [504],
    layer: "gateway",
    timer: "response",
    symptom: "504, JSON body {\"message\": \"Endpoint request timed out\"}, x-amzn-ErrorType header (INTEGRATION_TIMEOUT gateway response); execution log 'Execution failed due to a timeout error'",
    source: "AWS What's New 2017-11 (50 ms - 29 s) and 2024-06 ('increase their integration timeout beyond the prior limit of 29 seconds' for Regional/private REST APIs); re:Post KC api-gateway-504-errors",
    confidence: "confirmed",
  },
  {
    // kb #54: AWS API Gateway (HTTP API) — Maximum integration timeout
    product: "aws-api-gateway",
    productName: "AWS API Gateway (HTTP API)",
    setting: "maximum integration timeout",
    seconds: 30,
    outcome: [503, 504],
    layer: "gateway",
    timer: "response",
    symptom: "503/504 (status for HTTP API not confirmed here)",
    source: "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html ('Maximum integration timeout | 30 seconds | No')",
    confidence: "partially-confirmed",
  },
  {
    // kb #55: AWS CloudFront — OriginReadTimeout (origin response timeout)
    product: "aws-cloudfront",
    productName: "AWS CloudFront",
    setting: "origin response timeout (OriginReadTimeout)",
    seconds: 30,
    outcome: [504],
    layer: "cdn",
    timer: "response",
    symptom: "504 (CloudFront error page 'The request could not be satisfied', X-Cache: Error from cloudfront)",
    source: "docs.aws.amazon.com/cloudfront/latest/APIReference/API_VpcOriginConfig.html; SDK docs ('default ... 30 seconds', 1-120 s)",
    confidence: "confirmed",
  },
  {
    // kb #56: AWS CloudFront — ConnectionTimeout x ConnectionAttempts
    product: "aws-cloudfront",
    productName: "AWS CloudFront",
    setting: "origin ConnectionTimeout",
    seconds: 10,
    outcome: [502, 504],
    layer: "cdn",
    timer: "connect",
    symptom: "502/504 after 3 attempts x 10 s = up to 30 s before failover/error",
    source: "AWS SDK/CDK docs (ConnectionTimeout default 10, ConnectionAttempts default 3); re:Post quote 'as long as 30 seconds (3 connection attempts of 10 seconds each)'",
    confidence: "confirmed",
  },
  {
    // kb #57: AWS CloudFront — OriginKeepaliveTimeout
    product: "aws-cloudfront",
    productName: "AWS CloudFront",
    setting: "OriginKeepaliveTimeout",
    seconds: 5,
    outcome: ['dropped'],
    layer: "cdn",
    timer: "idle-connection",
    symptom: "Idle origin connection closed",
    source: "API_VpcOriginConfig.html",
    confidence: "confirmed",
  },
  {
    // kb #58: AWS Lambda (function timeout, used by Function URLs / ALB / API GW) — Timeout
    product: "aws-lambda",
    productName: "AWS Lambda",
    setting: "function Timeout",
    seconds: 3,
    outcome: [502, 504],
    layer: "platform",
    timer: "execution",
    symptom: "Function killed ('Task timed out after 3.00 seconds'); Function URL status unconfirmed",
    source: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html (default 3 s, max 900 s)",
    confidence: "partially-confirmed",
  },
  {
    // kb #59: GCP external Application Load Balancer — backendService.timeoutSec
    product: "gcp-lb",
    productName: "Google Cloud Application Load Balancer",
    setting: "backend service timeout (timeoutSec)",
    seconds: 30,
    outcome: [502, 504],
    layer: "load-balancer",
    timer: "response",
    symptom: "Status not confirmed here (commonly 502 'backend_timeout' in LB logs for classic GFE; Envoy-based regional LBs: 504 'upstream request timeout')",
    source: "GCP compute BackendService.timeoutSec field docs (via pulumi reference): 'The default is 30 seconds'; gitlab.com infra issue 10070",
    confidence: "partially-confirmed",
  },
  {
    // kb #60: Google Cloud Run — request timeout
    product: "gcp-cloud-run",
    productName: "Google Cloud Run",
    setting: "request timeout",
    seconds: 300,
    outcome: [504],
    layer: "platform",
    timer: "execution",
    symptom: "504",
    source: "https://cloud.google.com/run/docs/configuring/request-timeout ('default to 5 minutes (300 seconds) and can be extended up to 60 minutes')",
    confidence: "confirmed",
  },
  {
    // kb #61: Google App Engine (legacy standard, default instance) — request deadline
    product: "gcp-app-engine",
    productName: "Google App Engine",
    setting: "request deadline",
    seconds: 60,
    outcome: [500],
    layer: "platform",
    timer: "execution",
    symptom: "DeadlineExceededException/Error inside app; client gets 500-class error",
    source: "App Engine Java javadoc DeadlineExceededException ('e.g. 60 seconds in the case of a default instance')",
    confidence: "partially-confirmed",
  },
  {
    // kb #62: Google Cloud Functions (1st gen) — timeout
    product: "gcp-cloud-functions",
    productName: "Google Cloud Functions",
    setting: "function timeout",
    seconds: 60,
    outcome: [408],
    layer: "platform",
    timer: "execution",
    symptom: "408 (generally)",
    source: "cloud.google.com/functions/1stgendocs/configuring/timeout",
    confidence: "confirmed",
  },
  {
    // kb #63: Azure Application Gateway — backend settings requestTimeout
    product: "azure-app-gateway",
    productName: "Azure Application Gateway",
    setting: "backend requestTimeout",
    seconds: 20,
    outcome: [502],
    layer: "load-balancer",
    timer: "response",
    symptom: "v1: 502 'Web server received an invalid response while acting as a gateway or proxy server'; v2: retries a second backend member, then 504 (so up to ~40 s)",
    source: "MicrosoftDocs/azure-docs articles/application-gateway/application-gateway-troubleshooting-502.md ('By default, this interval is 20 seconds')",
    confidence: "confirmed",
  },
  {
    // kb #64: Azure Front Door (Standard/Premium) — Origin response timeout
    product: "azure-front-door",
    productName: "Azure Front Door",
    setting: "origin response timeout",
    seconds: 30,
    outcome: [503, 504],
    layer: "cdn",
    timer: "response",
    symptom: "503 or 504, 'ErrorInfo: OriginTimeout' (504) / 'OriginInvalidResponse' (503), typically after ~30 s",
    source: "learn.microsoft.com/azure/frontdoor/troubleshoot-issues ('The default timeout is 30 seconds'; configurable 16-240 s)",
    confidence: "confirmed",
  },
  {
    // kb #65: Azure App Service (and HTTP-triggered Functions) — front-end request idle timeout
    product: "azure-app-service",
    productName: "Azure App Service",
    setting: "front-end request timeout",
    seconds: 230,
    outcome: [500],
    layer: "platform",
    timer: "execution",
    symptom: "Request cut at ~230 s (status unconfirmed; commonly reported as 500 'The request timed out')",
    source: "Azure App Service FAQ 'Why does my request time out after 230 seconds?' (MicrosoftDocs/azure-docs app-service/faq-availability-performance-application-issues); Azure Functions scale doc footnote",
    confidence: "partially-confirmed",
  },
  {
    // kb #66: Azure Load Balancer — idle timeout (IdleTimeoutInMinutes)
    product: "azure-lb",
    productName: "Azure Load Balancer",
    setting: "idle timeout",
    seconds: 240,
    outcome: ['dropped'],
    layer: "load-balancer",
    timer: "flow-idle",
    symptom: "Flow silently dropped by default; with 'TCP reset on idle' enabled, bidirectional RST",
    source: "MicrosoftDocs/azure-docs articles/load-balancer/load-balancer-tcp-idle-timeout.md ('The default setting is 4 minutes'); load-balancer-tcp-reset.md",
    confidence: "confirmed",
  },
  {
    // kb #67: Cloudflare — Proxy Read Timeout
    product: "cloudflare",
    productName: "Cloudflare",
    setting: "Proxy Read Timeout",
    seconds: 100,
    outcome: [524],
    layer: "cdn",
    timer: "response",
    symptom: "524 'A timeout occurred' Cloudflare HTML page (title '<host> | 524: A timeout occurred', Cloudflare Ray ID); header cf-error-type: 52x on Cloudflare-generated pages",
    source: "cloudflare/cloudflare-docs src/content/docs/fundamentals/reference/connection-limits.mdx (Proxy Read Timeout 100 s -> 524); error-524.mdx",
    confidence: "conflicting-sources",
  },
  {
    // kb #68: Cloudflare — Proxy Read Timeout (value in newer error-524 doc version)
    product: "cloudflare",
    productName: "Cloudflare",
    setting: "Proxy Read Timeout",
    seconds: 120,
    outcome: [524],
    layer: "cdn",
    timer: "response",
    symptom: "524 'A timeout occurred' Cloudflare HTML page (title '<host> | 524: A timeout occurred', Cloudflare Ray ID); header cf-error-type: 52x on Cloudflare-generated pages",
    source: "cloudflare/cloudflare-docs src/content/docs/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-524.mdx (stored version @24bbba12: 'the default 120 seconds Proxy Read Timeout')",
    confidence: "conflicting-sources",
  },
  {
    // kb #69: Cloudflare — Proxy Write Timeout
    product: "cloudflare",
    productName: "Cloudflare",
    setting: "Proxy Write Timeout",
    seconds: 30,
    outcome: [524],
    layer: "cdn",
    timer: "response",
    symptom: "524",
    source: "cloudflare-docs connection-limits.mdx / error-524.mdx",
    confidence: "confirmed",
  },
  {
    // kb #70: Cloudflare — TCP connect to origin
    product: "cloudflare",
    productName: "Cloudflare",
    setting: "TCP connect to origin",
    seconds: 19,
    outcome: [522],
    layer: "cdn",
    timer: "connect",
    symptom: "522 Connection timed out",
    source: "cloudflare-docs connection-limits.mdx",
    confidence: "confirmed",
  },
  {
    // kb #71: Cloudflare — Proxy Idle Timeout (origin keep-alive)
    product: "cloudflare",
    productName: "Cloudflare",
    setting: "Proxy Idle Timeout (origin keep-alive)",
    seconds: 900,
    outcome: [520],
    layer: "cdn",
    timer: "idle-connection",
    symptom: "520",
    source: "cloudflare-docs connection-limits.mdx",
    confidence: "confirmed",
  },
  {
    // kb #72: Heroku router (Common Runtime) — request timeout (H12)
    product: "heroku",
    productName: "Heroku router",
    setting: "request timeout (H12)",
    seconds: 30,
    outcome: [503],
    layer: "platform",
    timer: "response",
    symptom: "503 + Heroku error page; router log 'at=error code=H12 desc=\"Request timeout\" ... service=30000ms status=503'",
    source: "devcenter.heroku.com/articles/request-timeout (30 s after full request sent to dyno); riptutorial/gist log captures show status=503",
    confidence: "confirmed",
  },
  {
    // kb #73: Fastly — bereq.first_byte_timeout
    product: "fastly",
    productName: "Fastly",
    setting: "first_byte_timeout",
    seconds: 15,
    outcome: [503],
    layer: "cdn",
    timer: "response",
    symptom: "503 with obj.response 'first byte timeout' (vcl_error)",
    source: "https://www.fastly.com/documentation/reference/vcl/variables/backend-connection/bereq-first-byte-timeout",
    confidence: "confirmed",
  },
  {
    // kb #74: Akamai — Read Timeout behavior (readTimeout)
    product: "akamai",
    productName: "Akamai",
    setting: "Read Timeout",
    seconds: 120,
    outcome: [504],
    layer: "cdn",
    timer: "response",
    symptom: "504 Gateway Time-out, Server: AkamaiGHost, body '<TITLE>Gateway Timeout - In read </TITLE>... Reference #...'",
    source: "techdocs.akamai.com/property-mgr/docs/read-timeout (504 on expiry); default 120 s per third-party gist (chrisvanpatten); body from gist andcam/f6355e04",
    confidence: "partially-confirmed",
  },
  {
    // kb #75: Vercel Functions — maxDuration
    product: "vercel",
    productName: "Vercel Functions",
    setting: "maxDuration",
    seconds: 300,
    outcome: [504],
    layer: "platform",
    timer: "execution",
    symptom: "504 GATEWAY_TIMEOUT, Code: FUNCTION_INVOCATION_TIMEOUT",
    source: "vercel.com/docs/functions/limitations (Hobby/Pro/Ent default 300 s; Pro/Ent up to 800 s); vercel/community discussion #1813 (older 10 s Hobby / 60 s Pro)",
    confidence: "partially-confirmed",
  },
  {
    // kb #76: Netlify Functions — synchronous execution limit
    product: "netlify",
    productName: "Netlify Functions",
    setting: "synchronous execution limit",
    seconds: 60,
    outcome: [502],
    layer: "platform",
    timer: "execution",
    symptom: "502 with {'errorMessage':'... Task timed out after N seconds'} (seen with 10 s legacy limit)",
    source: "docs.netlify.com/build/functions/configuration (Synchronous execution limit 60 s, not configurable); opennextjs-netlify issue #1174 (10.01 s, 502)",
    confidence: "partially-confirmed",
  },
  {
    // kb #77: Apache Tomcat (HTTP connector) — connectionTimeout
    product: "tomcat",
    productName: "Apache Tomcat",
    setting: "connectionTimeout",
    seconds: 20,
    outcome: ['dropped'],
    layer: "app-server",
    timer: "request",
    symptom: "Connection closed if request line not received (default 60 s in code, but shipped server.xml sets 20000 ms)",
    source: "apache/tomcat webapps/docs/config/http.xml and conf/server.xml @84ac9af0",
    confidence: "confirmed",
  },
  {
    // kb #78: Node.js http.Server — server.requestTimeout
    product: "nodejs",
    productName: "Node.js http.Server",
    setting: "requestTimeout",
    seconds: 300,
    outcome: [408],
    layer: "app-server",
    timer: "request",
    symptom: "'HTTP/1.1 408 Request Timeout' + Connection: close, empty body (whole request incl. body not received in time)",
    source: "nodejs.cn mirror of Node API docs v18+ (server.requestTimeout default 300000); lib/_http_server.js requestTimeoutResponse (via find_string)",
    confidence: "confirmed",
  },
  {
    // kb #79: Node.js http.Server — server.headersTimeout
    product: "nodejs",
    productName: "Node.js http.Server",
    setting: "headersTimeout",
    seconds: 60,
    outcome: [408],
    layer: "app-server",
    timer: "request",
    symptom: "408 Request Timeout (headers not received)",
    source: "nodejs.cn Node API docs (default 60000)",
    confidence: "confirmed",
  },
  {
    // kb #80: Node.js http.Server — server.keepAliveTimeout
    product: "nodejs",
    productName: "Node.js http.Server",
    setting: "keepAliveTimeout",
    seconds: 5,
    outcome: ['dropped'],
    layer: "app-server",
    timer: "idle-connection",
    symptom: "Idle keep-alive socket destroyed; a proxy/LB reusing it gets ECONNRESET -> intermittent 502 (e.g. ALB with 60 s idle > Node 5 s)",
    source: "nodejs.cn docs (5000); nodejs/node PR #62782 'http: increase keepAliveTimeout default to 65 seconds' (merged 2026, semver-major, targeted v26) and PR #63974",
    confidence: "confirmed",
  },
  {
    // kb #81: Gunicorn — timeout
    product: "gunicorn",
    productName: "Gunicorn",
    setting: "worker timeout",
    seconds: 30,
    outcome: [502, 'dropped'],
    layer: "app-server",
    timer: "execution",
    symptom: "Worker silent >30 s killed (SIGABRT then SIGKILL), log '[CRITICAL] WORKER TIMEOUT (pid:N)'; front proxy sees connection closed -> 502 (nginx 'upstream prematurely closed connection')",
    source: "benoitc/gunicorn gunicorn/config.py (Timeout default 30) and gunicorn/arbiter.py murder_workers @65ac1a3a",
    confidence: "confirmed",
  },
  {
    // kb #83: PHP — max_execution_time
    product: "php",
    productName: "PHP",
    setting: "max_execution_time",
    seconds: 30,
    outcome: [500, 502],
    layer: "app-server",
    timer: "execution",
    symptom: "PHP 'Fatal error: Maximum execution time of 30 seconds exceeded'; via php-fpm typically 500/502 from web server (status unconfirmed); CLI default is unlimited",
    source: "PHP manual set_time_limit ('The default limit is 30 seconds or ... max_execution_time ... in php.ini'); Packt 'Mastering PHP 7'",
    confidence: "confirmed",
  },
  {
    // kb #84: IIS Application Request Routing — system.webServer/proxy timeout
    product: "iis",
    productName: "IIS Application Request Routing",
    setting: "proxy timeout",
    seconds: 120,
    outcome: [502],
    layer: "proxy",
    timer: "response",
    symptom: "502.3 Bad Gateway 'The operation timed out' (WinHTTP ERROR_WINHTTP_TIMEOUT 0x80072ee2), Server: Microsoft-IIS/x",
    source: "blogs.iis.net/richma '502.3 Bad Gateway The operation timed out with IIS ARR'; default 120 s per taourl.com (third-party)",
    confidence: "partially-confirmed",
  },
  {
    // kb #85: curl (CLI/libcurl) — --connect-timeout / CURLOPT_CONNECTTIMEOUT
    product: "curl",
    productName: "curl",
    setting: "--connect-timeout",
    seconds: 300,
    outcome: ['dropped'],
    layer: "client",
    timer: "connect",
    symptom: "curl: (28) Connection timed out after N ms",
    source: "curl/curl lib/connect.h DEFAULT_CONNECT_TIMEOUT 300000; docs/libcurl/opts/CURLOPT_CONNECTTIMEOUT.md (DEFAULT 300)",
    confidence: "confirmed",
  },
  {
    // kb #91: undici / Node.js fetch — headersTimeout
    product: "undici",
    productName: "undici / Node.js fetch",
    setting: "headersTimeout",
    seconds: 300,
    outcome: ['dropped'],
    layer: "client",
    timer: "response",
    symptom: "UND_ERR_HEADERS_TIMEOUT (HeadersTimeoutError); fetch rejects 'TypeError: fetch failed' with cause",
    source: "nodejs/undici docs/docs/api/Client.md (Default 300e3); lib/core/errors.js",
    confidence: "confirmed",
  },
  {
    // kb #92: undici / Node.js fetch — bodyTimeout
    product: "undici",
    productName: "undici / Node.js fetch",
    setting: "bodyTimeout",
    seconds: 300,
    outcome: ['dropped'],
    layer: "client",
    timer: "response",
    symptom: "UND_ERR_BODY_TIMEOUT between body chunks",
    source: "nodejs/undici docs/docs/api/Client.md",
    confidence: "confirmed",
  },
  {
    // kb #93: undici / Node.js fetch — connectTimeout
    product: "undici",
    productName: "undici / Node.js fetch",
    setting: "connectTimeout",
    seconds: 10,
    outcome: ['dropped'],
    layer: "client",
    timer: "connect",
    symptom: "UND_ERR_CONNECT_TIMEOUT",
    source: "nodejs/undici docs/docs/api/Client.md (Default 10e3)",
    confidence: "confirmed",
  },
  {
    // kb #94: undici / Node.js fetch — keepAliveTimeout (client side)
    product: "undici",
    productName: "undici / Node.js fetch",
    setting: "keepAliveTimeout",
    seconds: 4,
    outcome: ['dropped'],
    layer: "client",
    timer: "idle-connection",
    symptom: "Idle socket closed by client",
    source: "nodejs/undici docs/docs/api/Client.md (Default 4e3)",
    confidence: "confirmed",
  },];

/**
 * Hops that retry before they give up, so the error arrives after a multiple of the single timeout
 * (kb: "Multiples happen").
 */
export const REPEATED_ATTEMPTS: ReadonlyArray<{
  product: string;
  setting: string;
  attempts: number;
  /** What the caller sees after the last attempt. */
  outcome: Array<number | 'dropped'>;
  why: string;
}> = [
  {
    product: 'aws-cloudfront',
    setting: 'origin ConnectionTimeout',
    attempts: 3,
    outcome: [502, 504],
    why: 'ConnectionAttempts defaults to 3, so up to 3 × 10 s before the error',
  },
  {
    product: 'azure-app-gateway',
    setting: 'backend requestTimeout',
    attempts: 2,
    outcome: [504],
    why: 'v2 retries a second backend member before answering 504',
  },
];

/**
 * Client defaults mentioned only in the kb's notes (unconfirmed there), kept apart from TIMEOUTS so the table above
 * stays one entry per kb record. Used when a client aborts.
 */
export const CLIENT_TIMEOUT_HINTS: readonly KnownTimeout[] = [
  {
    product: 'okhttp',
    productName: 'OkHttp',
    setting: 'connect/read/write timeout',
    seconds: 10,
    outcome: ['dropped'],
    layer: 'client',
    timer: 'response',
    symptom: 'SocketTimeoutException in the client',
    source: 'kb timeouts.json, notes of "Java HttpURLConnection": "OkHttp default 10 s connect/read/write"',
    confidence: 'unconfirmed',
  },
  {
    product: 'go-net-http',
    productName: 'Go net/http DefaultTransport',
    setting: 'dial timeout',
    seconds: 30,
    outcome: ['dropped'],
    layer: 'client',
    timer: 'connect',
    symptom: 'dial tcp …: i/o timeout',
    source: 'kb timeouts.json, notes of "Go net/http Client": "DefaultTransport dial 30 s / TLS handshake 10 s / idle 90 s"',
    confidence: 'unconfirmed',
  },
  {
    product: 'go-net-http',
    productName: 'Go net/http DefaultTransport',
    setting: 'TLSHandshakeTimeout',
    seconds: 10,
    outcome: ['dropped'],
    layer: 'client',
    timer: 'connect',
    symptom: 'net/http: TLS handshake timeout',
    source: 'kb timeouts.json, notes of "Go net/http Client": "DefaultTransport dial 30 s / TLS handshake 10 s / idle 90 s"',
    confidence: 'unconfirmed',
  },
];

/** Products that are configured like, and answer like, another one (ingress-nginx is nginx underneath). */
const PRODUCT_FAMILY: Readonly<Record<string, string>> = {
  'ingress-nginx': 'nginx',
  'envoy-gateway': 'envoy',
  istio: 'envoy',
  'aws-elb': 'aws-alb',
};

export function productFamily(product: string): string {
  return PRODUCT_FAMILY[product] ?? product;
}

export function sameProductFamily(a: string, b: string): boolean {
  return productFamily(a) === productFamily(b);
}

/**
 * How far an elapsed time may be from a timeout and still be that timeout: ±1 s, or ±2 % for long ones (kb README:
 * timers start at the relevant event, not at the request, and proxydoc measures from the request).
 */
export function toleranceSeconds(timeoutSeconds: number): number {
  return Math.max(1, timeoutSeconds * 0.02);
}

export function withinTolerance(elapsedSeconds: number, timeoutSeconds: number): boolean {
  return Math.abs(elapsedSeconds - timeoutSeconds) <= toleranceSeconds(timeoutSeconds);
}

/** The timer of a fact from TIMEOUTS / CLIENT_TIMEOUT_HINTS, or undefined for user thresholds. */
export function timerOf(fact: TimeoutFact): TimerKind | undefined {
  return 'timer' in fact ? (fact as KnownTimeout).timer : undefined;
}

/** A user threshold from the config file as a fact: it can explain any outcome, since we don't know the hop. */
export function userTimeoutFact(timeout: UserTimeout): TimeoutFact {
  return {
    product: 'user',
    productName: timeout.name,
    setting: 'configured timeout',
    seconds: timeout.seconds,
    outcome: [],
    layer: 'user',
    source: 'proxydoc configuration (timeouts)',
    confidence: 'confirmed',
  };
}

/** Every multi-attempt expansion of TIMEOUTS as its own fact (setting names the attempts). */
function repeatedAttemptFacts(): KnownTimeout[] {
  const facts: KnownTimeout[] = [];
  for (const repeat of REPEATED_ATTEMPTS) {
    const single = TIMEOUTS.find((fact) => fact.product === repeat.product && fact.setting === repeat.setting);
    if (!single) continue;
    facts.push({
      ...single,
      setting: `${single.setting} × ${repeat.attempts} attempts`,
      seconds: single.seconds * repeat.attempts,
      outcome: repeat.outcome,
      symptom: `${single.symptom} (${repeat.why})`,
    });
  }
  return facts;
}

const REPEATED_ATTEMPT_FACTS: readonly KnownTimeout[] = repeatedAttemptFacts();

export const CONFIDENCE_RANK: Readonly<Record<Confidence, number>> = {
  confirmed: 0,
  'partially-confirmed': 1,
  'conflicting-sources': 2,
  unconfirmed: 3,
};

export interface MatchTimeoutOptions {
  /** What the caller saw: a status, or 'dropped'. Facts with another outcome are skipped (user thresholds never are). */
  outcome?: number | 'dropped';
  /** Products the response's fingerprint points at; their facts (and their family's) sort first. */
  products?: string[];
  userTimeouts?: readonly UserTimeout[];
}

/**
 * Known timeouts an elapsed time matches, best first: facts of the fingerprinted products (and the user's own
 * thresholds, which describe the user's own hops) first, then by confidence, then by closeness, then kb order.
 * `conflicting-sources` facts (Cloudflare 100 s vs 120 s) are returned like the others; callers flag them.
 */
export function matchTimeouts(elapsedSeconds: number, options: MatchTimeoutOptions = {}): TimeoutMatch[] {
  if (!Number.isFinite(elapsedSeconds) || elapsedSeconds < 0) return [];
  const products = options.products ?? [];
  const facts: TimeoutFact[] = [
    ...(options.userTimeouts ?? [])
      .filter((user) => Number.isFinite(user.seconds) && user.seconds > 0)
      .map(userTimeoutFact),
    ...TIMEOUTS,
    ...REPEATED_ATTEMPT_FACTS,
  ];
  const candidates: Array<{ match: TimeoutMatch; narrowed: boolean; order: number }> = [];
  facts.forEach((fact, order) => {
    const isUser = fact.layer === 'user';
    if (options.outcome !== undefined && !isUser && !fact.outcome.includes(options.outcome)) return;
    if (!withinTolerance(elapsedSeconds, fact.seconds)) return;
    const narrowed = isUser || products.some((product) => sameProductFamily(product, fact.product));
    candidates.push({ match: { fact, deltaSeconds: Math.round((elapsedSeconds - fact.seconds) * 1000) / 1000 }, narrowed, order });
  });
  candidates.sort(
    (a, b) =>
      Number(b.narrowed) - Number(a.narrowed) ||
      CONFIDENCE_RANK[a.match.fact.confidence] - CONFIDENCE_RANK[b.match.fact.confidence] ||
      Math.abs(a.match.deltaSeconds) - Math.abs(b.match.deltaSeconds) ||
      secondaryRank(a.match.fact, options.outcome) - secondaryRank(b.match.fact, options.outcome) ||
      a.order - b.order,
  );
  return candidates.map((candidate) => candidate.match);
}

/**
 * Tie-break among equally good matches: a fact whose usual outcome is the one seen beats one where it is a side case
 * (Apache's 504 is only for fcgi/ajp backends), and a response timer beats a connect timer (a connect that takes
 * 60 s is rarer than a slow response).
 */
function secondaryRank(fact: TimeoutFact, outcome: number | 'dropped' | undefined): number {
  const sideOutcome = outcome !== undefined && fact.outcome.length > 0 && fact.outcome[0] !== outcome ? 1 : 0;
  const connectTimer = timerOf(fact) === 'connect' ? 1 : 0;
  return sideOutcome * 2 + connectTimer;
}

/** True when the match's product is one the fingerprint named (or a user threshold). */
export function isNarrowedMatch(match: TimeoutMatch, products: readonly string[]): boolean {
  return match.fact.layer === 'user' || products.some((product) => sameProductFamily(product, match.fact.product));
}

/** "nginx proxy_read_timeout (60 s)", with a caveat when the kb is not sure of the figure. */
export function describeTimeout(fact: TimeoutFact): string {
  const caveat =
    fact.confidence === 'conflicting-sources'
      ? '; sources disagree'
      : fact.confidence === 'partially-confirmed'
        ? '; partly confirmed'
        : fact.confidence === 'unconfirmed'
          ? '; unconfirmed'
          : '';
  if (fact.layer === 'user') return `your "${fact.productName}" timeout (${formatSeconds(fact.seconds)} s, from the config)`;
  return `${fact.productName} ${fact.setting} (${formatSeconds(fact.seconds)} s${caveat})`;
}

/** Seconds for prose: 60, 3.5, 60.1 (one decimal at most, no trailing ".0" for whole numbers). */
export function formatSeconds(seconds: number): string {
  const rounded = roundTenths(seconds);
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
}

/** An elapsed time as measured: always one decimal ("60.1", "7.0"), so it reads as a measurement. */
export function formatElapsed(seconds: number): string {
  return roundTenths(seconds).toFixed(1);
}

function roundTenths(value: number): number {
  return Math.round(value * 10) / 10;
}
