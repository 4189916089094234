/**
 * What `proxydoc ca` prints: the CA's identity and, for each common platform and runtime, the command that makes
 * it trust the CA and the one that undoes it. Pure: the certificate's facts, the paths and the current time come
 * in as data.
 */
import { shellQuote } from './banner';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface CaFacts {
  certPath: string;
  keyPath: string;
  /** ca-bundle.pem: the usual roots plus this CA. */
  bundlePath: string;
  /** Colon-separated upper-case hex, as `openssl x509 -fingerprint -sha256` prints it. */
  sha256: string;
  sha1: string;
  /** As X509Certificate.subject gives it: one attribute per line, most significant first. */
  subject: string;
  notBefore: Date;
  notAfter: Date;
  created: boolean;
  createdReason?: string;
}

export interface PreviousCa {
  sha256: string;
  sha1: string;
  subject: string;
}

export interface TrustTarget {
  name: string;
  trust: string[];
  /** Removes the CA again (the previous CA's, after --regenerate). */
  untrust: string[];
  note?: string;
}

/** "CN=proxydoc CA (host, 2026-05-01), O=proxydoc": the order people read distinguished names in. */
export function describeSubject(x509Subject: string): string {
  return x509Subject.split('\n').filter((line) => line !== '').reverse().join(', ');
}

/** Whole days until notAfter; negative once expired. */
export function daysLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

/** certutil and keytool ids take the SHA-1 as bare hex. */
function bareHex(colonHex: string): string {
  return colonHex.replace(/:/g, '');
}

/** cmd and PowerShell both read a double-quoted path as one argument (Windows paths never contain `"`). */
function windowsQuote(text: string): string {
  return /^[A-Za-z0-9_\\/.:+=,-]+$/.test(text) ? text : `"${text}"`;
}

const DEBIAN_ANCHOR = '/usr/local/share/ca-certificates/proxydoc.crt';
const FEDORA_ANCHOR = '/etc/pki/ca-trust/source/anchors/proxydoc.pem';
const MAC_KEYCHAIN = '/Library/Keychains/System.keychain';

/**
 * The trust and untrust commands per target. Untrust commands name the CA by a fixed file name, alias or SHA-1,
 * never by ca.pem, so they also remove a previous CA whose file was replaced by --regenerate (`previous`).
 */
export function trustTargets(ca: Pick<CaFacts, 'certPath' | 'bundlePath' | 'sha1'>, previous?: Pick<PreviousCa, 'sha1'>): TrustTarget[] {
  const cert = shellQuote(ca.certPath);
  const bundle = shellQuote(ca.bundlePath);
  const sha1 = bareHex((previous ?? ca).sha1);
  return [
    {
      name: 'Debian, Ubuntu: system store (curl, wget, git, Python ssl, Go, most programs)',
      trust: [`sudo cp ${cert} ${DEBIAN_ANCHOR} && sudo update-ca-certificates`],
      // --fresh rebuilds /etc/ssl/certs, so no stale hash link of the removed CA stays behind.
      untrust: [`sudo rm -f ${DEBIAN_ANCHOR} && sudo update-ca-certificates --fresh`],
    },
    {
      name: 'Fedora, RHEL, CentOS: system store (p11-kit trust)',
      trust: [`sudo cp ${cert} ${FEDORA_ANCHOR} && sudo update-ca-trust`],
      untrust: [`sudo rm -f ${FEDORA_ANCHOR} && sudo update-ca-trust`],
    },
    {
      name: 'macOS: System keychain (Safari, Chrome, curl, most apps)',
      trust: [`sudo security add-trusted-cert -d -r trustRoot -k ${MAC_KEYCHAIN} ${cert}`],
      untrust: [`sudo security delete-certificate -Z ${sha1} -t ${MAC_KEYCHAIN}`],
    },
    {
      name: 'Windows: machine root store (Edge, Chrome, .NET, PowerShell), in an Administrator prompt',
      trust: [`certutil -addstore -f ROOT ${windowsQuote(ca.certPath)}`],
      untrust: [`certutil -delstore ROOT ${sha1}`],
    },
    {
      name: 'Firefox: its own store (certutil from libnss3-tools / nss-tools; Firefox closed)',
      trust: [`certutil -A -d sql:PROFILE_DIR -n proxydoc -t C,, -i ${cert}`],
      untrust: ['certutil -D -d sql:PROFILE_DIR -n proxydoc'],
      note: 'PROFILE_DIR: about:profiles → Root Directory. On Windows and macOS, security.enterprise_roots.enabled = true in about:config makes Firefox use the system store instead.',
    },
    {
      name: "Java: the JDK's cacerts (Java 9+; Java ignores HTTP_PROXY, pass -Dhttps.proxyHost/-Dhttps.proxyPort)",
      trust: [`sudo keytool -importcert -noprompt -cacerts -storepass changeit -alias proxydoc -file ${cert}`],
      untrust: ['sudo keytool -delete -cacerts -storepass changeit -alias proxydoc'],
    },
    {
      name: 'Node.js: added to its own roots',
      trust: [`export NODE_EXTRA_CA_CERTS=${cert}`],
      untrust: ['unset NODE_EXTRA_CA_CERTS'],
      note: 'fetch() ignores HTTP_PROXY before Node 22.21 / 24: start such apps with `proxydoc run -- node app.js`.',
    },
    {
      // These variables replace the default roots: the bundle keeps hosts reached without proxydoc working.
      name: 'Python: requests (and pip), httpx, urllib',
      trust: [`export REQUESTS_CA_BUNDLE=${bundle} SSL_CERT_FILE=${bundle}`],
      untrust: ['unset REQUESTS_CA_BUNDLE SSL_CERT_FILE'],
    },
    {
      name: 'curl',
      trust: [`export CURL_CA_BUNDLE=${bundle}`],
      untrust: ['unset CURL_CA_BUNDLE'],
    },
    {
      name: 'git',
      trust: [`export GIT_SSL_CAINFO=${bundle}`],
      untrust: ['unset GIT_SSL_CAINFO'],
    },
  ];
}

const CREATED_REASONS: Record<string, string> = {
  missing: 'created now',
  expiring: 'created now: the previous one was about to expire',
  expired: 'created now: the previous one had expired',
  mismatch: 'created now: ca.key did not belong to ca.pem',
};

function utc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function factLines(ca: CaFacts, now: Date): string[] {
  const left = daysLeft(ca.notAfter, now);
  const remaining = left < 0 ? 'EXPIRED' : `${left} day${left === 1 ? '' : 's'} left`;
  return [
    `  SHA-256      ${ca.sha256}`,
    `  subject      ${describeSubject(ca.subject)}`,
    `  not before   ${utc(ca.notBefore)}`,
    `  not after    ${utc(ca.notAfter)} (${remaining})`,
    `  private key  ${ca.keyPath} (keep it private: it can impersonate any HTTPS site to whoever trusts this CA)`,
    `  bundle       ${ca.bundlePath} (the usual roots plus this CA, for variables that replace a program's roots)`,
  ];
}

export interface CaReportOptions {
  now: Date;
  /** Set after --regenerate: the CA that was replaced. */
  previous?: PreviousCa;
  /** URLs of proxydoc processes running with this CA directory's log dir, which need a restart after --regenerate. */
  runningProxies?: string[];
}

export function formatCaReport(ca: CaFacts, options: CaReportOptions): string {
  const lines: string[] = [];
  const { previous } = options;
  if (previous) {
    lines.push(`proxydoc CA regenerated: ${ca.certPath}`);
  } else {
    const created = ca.created ? ` (${CREATED_REASONS[ca.createdReason ?? 'missing'] ?? 'created now'})` : '';
    lines.push(`proxydoc CA: ${ca.certPath}${created}`);
  }
  lines.push(...factLines(ca, options.now));
  lines.push('');
  if (previous) {
    lines.push(`The previous CA (SHA-256 ${previous.sha256}, ${describeSubject(previous.subject)}) and its key are gone.`);
    lines.push('  1. Remove it from every trust store you added it to: the "untrust previous" lines below.');
    lines.push('  2. Trust the new one: the "trust" lines below.');
    const running = options.runningProxies ?? [];
    lines.push(
      running.length > 0
        ? `  3. Restart proxydoc (running on ${running.join(', ')}): it signs with the previous CA until it restarts.`
        : '  3. Restart any running proxydoc: it signs with the previous CA until it restarts.',
    );
  } else {
    lines.push('Trust it where the app runs; each "untrust" line undoes the "trust" line above it.');
  }
  for (const target of trustTargets(ca, previous)) {
    lines.push('');
    lines.push(target.name);
    if (previous) lines.push(...target.untrust.map((command) => `  untrust previous:  ${command}`));
    lines.push(...target.trust.map((command) => `  trust:${previous ? '             ' : '    '}${command}`));
    if (!previous) lines.push(...target.untrust.map((command) => `  untrust:  ${command}`));
    if (target.note) lines.push(`  ${target.note}`);
  }
  lines.push('');
  lines.push('Every variable at once, for the programs of one shell: eval "$(proxydoc env)" (undo: eval "$(proxydoc env --unset)").');
  return `${lines.join('\n')}\n`;
}

/** The --json form: the same facts, dates as ISO 8601. */
export function caReportJson(ca: CaFacts, options: CaReportOptions): object {
  return {
    certPath: ca.certPath,
    keyPath: ca.keyPath,
    bundlePath: ca.bundlePath,
    created: ca.created,
    ...(ca.createdReason === undefined ? {} : { createdReason: ca.createdReason }),
    sha256: ca.sha256,
    sha1: ca.sha1,
    subject: describeSubject(ca.subject),
    notBefore: ca.notBefore.toISOString(),
    notAfter: ca.notAfter.toISOString(),
    daysLeft: daysLeft(ca.notAfter, options.now),
    ...(options.previous
      ? { previous: { sha256: options.previous.sha256, sha1: options.previous.sha1, subject: describeSubject(options.previous.subject) } }
      : {}),
    trust: trustTargets(ca, options.previous),
  };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * One PEM bundle of every certificate in `pemTexts`, in order, each once (proxydoc's CA may already be in the
 * system bundle). Only the certificate blocks are kept: comments and other PEM types in a system bundle are dropped.
 */
export function combineCaBundle(pemTexts: readonly string[]): string {
  const seen = new Set<string>();
  const blocks: string[] = [];
  for (const text of pemTexts) {
    for (const block of text.match(PEM_CERTIFICATE) ?? []) {
      const key = block.replace(/\s+/g, '');
      if (seen.has(key)) continue;
      seen.add(key);
      blocks.push(block.replace(/\r\n/g, '\n'));
    }
  }
  return blocks.map((block) => `${block}\n`).join('');
}
