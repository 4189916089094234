/**
 * The TLS handshake between proxydoc and the target failed: its certificate did not verify, or the two sides
 * could not agree on TLS at all. The codes are OpenSSL's X509_V_ERR_* names as Node reports them, plus Node's
 * ERR_TLS_* and ERR_SSL_* codes. The app would usually hit the same failure without proxydoc, unless it trusts
 * a private CA proxydoc does not know about (then `--upstream-ca` gives proxydoc the same trust).
 */
import type { Finding, TransportError } from '../../model/exchange';
import { splitRawUrl } from '../../model/url';
import type { Rule } from '../rule';

interface CodeMeaning {
  /** What the code means, one sentence. */
  meaning: string;
  /** What to do about it. */
  fix: string[];
}

const PRIVATE_CA_FIX = 'If the server uses a private/corporate CA, give proxydoc that CA: proxydoc start --upstream-ca FILE.pem';
const LOOK_ONLY = 'To inspect the traffic meanwhile (never in production): proxydoc start --insecure-upstream';

const MEANINGS: Record<string, CodeMeaning> = {
  CERT_HAS_EXPIRED: {
    meaning: 'the server\'s certificate (or one in its chain) has expired',
    fix: ['Have the server owner renew the certificate (check with: openssl s_client -connect HOST:PORT -servername HOST)', LOOK_ONLY],
  },
  CERT_NOT_YET_VALID: {
    meaning: 'the certificate is not valid yet: it was issued moments ago or the clock of proxydoc\'s machine is behind',
    fix: ['Check the clock of the machine running proxydoc (NTP)', 'Retry in a few minutes if the certificate was just issued'],
  },
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    meaning: 'the server presents a self-signed certificate that no CA vouches for (typical of test servers and appliances)',
    fix: ['Give proxydoc that certificate as a trusted CA: proxydoc start --upstream-ca server-cert.pem', LOOK_ONLY],
  },
  SELF_SIGNED_CERT_IN_CHAIN: {
    meaning: 'the chain ends in a root CA that is not trusted here — a private/corporate CA, or a TLS-inspecting corporate proxy re-signing traffic',
    fix: [PRIVATE_CA_FIX, LOOK_ONLY],
  },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
    meaning: 'the certificate\'s issuer could not be found: usually the server does not send its intermediate certificate (browsers paper over this by fetching it; Node does not)',
    fix: ['Have the server owner configure the full chain (leaf + intermediates)', 'Or pass the intermediate and root: proxydoc start --upstream-ca chain.pem'],
  },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: {
    meaning: 'the issuing CA is not in the trust store: a private CA, or a missing intermediate certificate',
    fix: [PRIVATE_CA_FIX, 'Or have the server owner send the full chain'],
  },
  UNABLE_TO_GET_ISSUER_CERT: {
    meaning: 'the issuer of a certificate in the chain is unknown: an incomplete chain or a private CA',
    fix: [PRIVATE_CA_FIX, 'Or have the server owner send the full chain'],
  },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    meaning: 'the certificate is valid but not for this host name: the URL uses a name (or IP) the certificate does not list',
    fix: ['Use a host name listed in the certificate\'s subjectAltName, or have the server owner add this one'],
  },
  CERT_REVOKED: {
    meaning: 'the certificate has been revoked by its CA',
    fix: ['Have the server owner replace the certificate'],
  },
  CERT_SIGNATURE_FAILURE: {
    meaning: 'a signature in the chain does not verify: a corrupted or mis-assembled chain, or an interception device',
    fix: ['Have the server owner check the configured chain'],
  },
  ERR_SSL_WRONG_VERSION_NUMBER: {
    meaning: 'the other side did not answer with TLS at all — typically https:// sent to a plain-HTTP port',
    fix: ['Use http:// for this port, or the port where the service speaks HTTPS (443, 8443)'],
  },
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: {
    meaning: 'the server only accepts an older TLS version than Node allows by default (TLS 1.2+)',
    fix: ['Have the server owner enable TLS 1.2 or 1.3'],
  },
  ERR_SSL_UNSUPPORTED_PROTOCOL: {
    meaning: 'the server only speaks an obsolete protocol (SSLv3/TLS 1.0/1.1)',
    fix: ['Have the server owner enable TLS 1.2 or 1.3'],
  },
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: {
    meaning: 'the server aborted the handshake: no cipher suite in common, or it requires a client certificate (mutual TLS)',
    fix: ['Check whether the API requires a client certificate (mTLS) and whether its TLS configuration is current'],
  },
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: {
    meaning: 'the server requires a client certificate (mutual TLS), and none was presented',
    fix: ['The API wants mutual TLS: proxydoc cannot present the app\'s client certificate; exclude this host from interception'],
  },
};

/** Codes (or messages) that mean "that was not TLS on the other end". */
function isNotTls(error: TransportError): boolean {
  return error.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long|http request/i.test(error.message) ||
    (error.code === 'EPROTO' && /wrong version|unknown protocol/i.test(error.message));
}

export const upstreamTlsError: Rule = {
  id: 'upstream-tls-error',
  description: 'The TLS handshake with the target failed: expired, self-signed, unknown-CA or wrong-name certificate, or TLS spoken to a plain-HTTP port.',
  check(record) {
    const error = record.error;
    if (!error || error.kind !== 'tls') return [];
    const url = splitRawUrl(record.request.url);
    const target = url ? `${url.host}:${url.port}` : record.tunnel ? record.tunnel.target : 'the target';
    const notTls = isNotTls(error);
    const known = notTls ? MEANINGS.ERR_SSL_WRONG_VERSION_NUMBER : MEANINGS[error.code];
    const certificate = error.certificate;
    const message = error.message.replace(/\s+/g, ' ').trim().slice(0, 300);

    const evidence = [`${error.code}: ${message}`];
    if (certificate?.subject) evidence.push(`subject ${certificate.subject}`);
    if (certificate?.issuer) evidence.push(`issuer ${certificate.issuer}`);
    if (certificate?.validFrom || certificate?.validTo) evidence.push(`valid ${certificate.validFrom ?? '?'} – ${certificate.validTo ?? '?'}`);
    if (certificate?.altNames) evidence.push(`names ${certificate.altNames}`);
    if (notTls && url?.scheme === 'https' && url.port !== 443) evidence.push(`https:// to port ${url.port}`);

    let meaning = known?.meaning;
    if (!meaning) {
      meaning = 'the certificate or the TLS negotiation was rejected';
    }
    if (error.code === 'CERT_HAS_EXPIRED' && certificate?.validTo) meaning += ` (it expired ${certificate.validTo})`;
    if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID' && certificate?.altNames && url) {
      meaning += ` (${url.host} is not among ${certificate.altNames})`;
    }
    const nextSteps = known ? [...known.fix] : [PRIVATE_CA_FIX, LOOK_ONLY];
    nextSteps.push(`Then replay: proxydoc replay ${record.seq}`);

    const finding: Finding = {
      rule: 'upstream-tls-error',
      severity: 'error',
      summary: notTls
        ? `TLS handshake with ${target} failed (${error.code}): the port does not speak TLS.`
        : `TLS handshake with ${target} failed: ${error.code}.`,
      explanation:
        `proxydoc could not establish TLS with ${target}: ${meaning}. ` +
        (notTls
          ? 'The server answered the TLS hello with something that is not TLS (often an HTTP error page), so the scheme and port do not match. '
          : 'proxydoc verifies the target like any strict client would, so the app would most likely see the same failure on its own, ' +
            'unless it trusts a private CA that proxydoc does not. ') +
        (known ? '' : `The code ${error.code} is not one proxydoc knows in detail; the message above is what the TLS library said.`),
      evidence,
      nextSteps,
    };
    return [finding];
  },
};
