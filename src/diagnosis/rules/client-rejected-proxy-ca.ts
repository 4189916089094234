/**
 * The app aborted the TLS handshake with proxydoc: it does not trust proxydoc's CA, which signed the leaf
 * certificate proxydoc presented for the target host. Each runtime has its own trust store and its own way to
 * add a CA; the User-Agent of the CONNECT (curl, Java, git and most SDKs send one) tells which one applies.
 * Certificate pinning cannot be fixed by trusting the CA: such hosts must be tunnelled without interception.
 */
import type { Finding } from '../../model/exchange';
import { headerValue } from '../../model/headers';
import { splitRawUrl } from '../../model/url';
import type { Rule } from '../rule';

const CA_FILE = 'certs/ca.pem (or your --ca-dir; `proxydoc ca` shows it)';

interface RuntimeFix {
  runtime: string;
  /** Recognises the runtime from the User-Agent. */
  userAgent: RegExp;
  fix: string;
}

const RUNTIME_FIXES: readonly RuntimeFix[] = [
  {
    runtime: 'Node.js',
    userAgent: /\b(node|undici|axios|got|node-fetch|npm|yarn|pnpm)\b/i,
    fix: 'Node.js: start the app with NODE_EXTRA_CA_CERTS=certs/ca.pem (read once at process start)',
  },
  {
    runtime: 'Python',
    userAgent: /\b(python-requests|python-urllib|python-httpx|aiohttp|pip)\b/i,
    fix: 'Python: REQUESTS_CA_BUNDLE=certs/ca.pem for requests (it ignores the system store); SSL_CERT_FILE=certs/ca.pem for urllib/httpx',
  },
  {
    runtime: 'curl',
    userAgent: /\bcurl\//i,
    fix: 'curl: curl --cacert certs/ca.pem … (or CURL_CA_BUNDLE=certs/ca.pem)',
  },
  {
    runtime: 'Java',
    userAgent: /\b(java|okhttp|apache-httpclient|jersey)\b/i,
    fix: 'Java: keytool -importcert -cacerts -alias proxydoc -file certs/ca.pem (Java 9+; or -Djavax.net.ssl.trustStore=…)',
  },
  {
    runtime: 'git',
    userAgent: /\bgit\//i,
    fix: 'git: GIT_SSL_CAINFO=certs/ca.pem (or git config http.sslCAInfo certs/ca.pem)',
  },
  {
    runtime: 'Go',
    userAgent: /\bGo-http-client\b/i,
    fix: 'Go (Linux): SSL_CERT_FILE=certs/ca.pem',
  },
];

/** TLS alerts a client sends when it does not trust a certificate (RFC 8446 §6.2: bad_certificate, unknown_ca …). */
const DISTRUST = /unknown[ _]ca|bad[ _]certificate|certificate[ _]unknown|unsupported[ _]certificate|self[- ]signed/i;

export const clientRejectedProxyCa: Rule = {
  id: 'client-rejected-proxy-ca',
  description: 'The app aborted the TLS handshake with proxydoc because it does not trust proxydoc\'s CA: how to trust it in each runtime.',
  check(record) {
    const error = record.error;
    if (!error || error.kind !== 'client-tls-rejected') return [];
    const host = splitRawUrl(record.request.url)?.host ?? (record.tunnel ? record.tunnel.target : 'the target host');
    const userAgent = headerValue(record.request.headers, 'user-agent');
    const matched = userAgent !== undefined ? RUNTIME_FIXES.find((r) => r.userAgent.test(userAgent)) : undefined;
    const alertSaysDistrust = DISTRUST.test(`${error.code} ${error.message}`);

    const evidence = [`${error.code}: ${error.message.replace(/\s+/g, ' ').trim().slice(0, 200)}`];
    if (userAgent !== undefined) evidence.push(`User-Agent: ${userAgent.slice(0, 80)}${matched ? ` (${matched.runtime})` : ''}`);

    const ordered = matched ? [matched, ...RUNTIME_FIXES.filter((r) => r !== matched)] : [...RUNTIME_FIXES];
    const nextSteps = [
      `Make the app trust proxydoc's CA, ${CA_FILE}:`,
      ...ordered.map((r) => r.fix),
      'If the app pins certificates, trusting the CA will not help: exclude this host from interception so it is tunnelled untouched',
    ];

    const finding: Finding = {
      rule: 'client-rejected-proxy-ca',
      severity: 'error',
      summary: `The app rejected proxydoc's certificate for ${host}: it does not trust proxydoc's CA.`,
      explanation:
        `To show HTTPS traffic, proxydoc presents a certificate for ${host} signed by its own CA, and the app ` +
        (alertSaysDistrust ? 'said so in its TLS alert and aborted the handshake' : 'aborted the handshake') +
        ` — so ${alertSaysDistrust ? 'it' : 'it most likely'} does not have proxydoc's CA in its trust store. ` +
        (matched
          ? `The User-Agent says ${matched.runtime}, so the ${matched.runtime} trust setting below is the one to change. `
          : 'Which trust store applies depends on the app\'s runtime (listed below). ') +
        'After adding the CA, restart the app and repeat the call; a handshake that still fails points to certificate pinning.',
      evidence,
      nextSteps,
    };
    return [finding];
  },
};
