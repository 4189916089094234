/**
 * Leaf certificates for intercepted HTTPS: one per host name or IP literal, issued on demand by the CA, cached, and
 * issued at most once at a time per host. All leaves share one EC P-256 key generated natively on first use, so an
 * issuance costs one native signature (~1 ms, off the event loop) instead of a key generation.
 */
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { domainToASCII } from 'node:url';
import { LRUCache } from 'lru-cache';
import {
  CaError,
  KEY_USAGE_BIT,
  OID,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  distinguishedNameDer,
  extendedKeyUsageExtension,
  issuerReferenceOf,
  keyUsageExtension,
  randomSerialNumber,
  signCertificate,
  signatureAlgorithmFor,
  subjectAltNameExtension,
  wholeSeconds,
  type IssuerReference,
  type LoadedCa,
  type SubjectAltName,
} from './authority';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Apple and Chrome reject TLS server certificates valid for more than 398 days; 397 leaves a margin. */
const LEAF_VALIDITY_DAYS = 397;
/** Back-dated by a day so clients whose clock lags behind ours still accept a fresh leaf. */
const CLOCK_SKEW_ALLOWANCE_MS = DAY_MS;
/** RFC 5280 Appendix A: ub-common-name. */
const COMMON_NAME_MAX_LENGTH = 64;

export interface LeafCertificatesOptions {
  now: () => Date;
  /** Cached leaves kept (least recently used are dropped first); default 1000. */
  maxEntries?: number;
}

interface IssuedLeaf {
  certPem: string;
  notAfter: Date;
  secureContext: tls.SecureContext;
}

interface SharedLeafKey {
  privateKeyPem: string;
  subjectPublicKeyInfoDer: Buffer;
}

/** A host as it goes into a certificate: a DNS name (A-labels, lower case) or an IP address. */
type LeafSubject = { kind: 'dns'; name: string } | { kind: 'ip'; text: string; octets: Buffer };

export class LeafCertificates {
  private readonly caCertPem: string;
  private readonly caKey: crypto.KeyObject;
  private readonly caNotAfter: Date;
  private readonly issuer: IssuerReference;
  private readonly now: () => Date;
  private readonly cache: LRUCache<string, IssuedLeaf>;
  private readonly inFlight = new Map<string, Promise<IssuedLeaf>>();
  private sharedKey: Promise<SharedLeafKey> | undefined;
  private issued = 0;

  constructor(ca: LoadedCa, options: LeafCertificatesOptions) {
    this.caCertPem = ca.certPem;
    this.caKey = crypto.createPrivateKey(ca.keyPem);
    signatureAlgorithmFor(this.caKey, ca.keyPath); // fail now, not on the first CONNECT, for an unusable CA key
    this.caNotAfter = ca.notAfter;
    this.issuer = issuerReferenceOf(new crypto.X509Certificate(ca.certPem).raw);
    this.now = options.now;
    this.cache = new LRUCache({ max: options.maxEntries ?? 1000 });
  }

  /** How many certificates were issued so far. */
  get issuedCount(): number {
    return this.issued;
  }

  /** SecureContext (leaf + CA chain, shared leaf key) for a host name or IP literal. */
  async secureContextFor(host: string): Promise<tls.SecureContext> {
    return (await this.leafFor(host)).secureContext;
  }

  /** The PEM of the leaf alone. */
  async certificatePemFor(host: string): Promise<string> {
    return (await this.leafFor(host)).certPem;
  }

  /**
   * The leaf and its private key as PEM, for serving TLS outside proxydoc's own interception (test upstreams,
   * `proxydoc ca`); the key is the shared leaf key, never the CA's.
   */
  async credentialsFor(host: string): Promise<{ certPem: string; keyPem: string; chainPem: string }> {
    const [leaf, key] = await Promise.all([this.leafFor(host), this.leafKey()]);
    return { certPem: leaf.certPem, keyPem: key.privateKeyPem, chainPem: leaf.certPem + this.caCertPem };
  }

  private leafFor(host: string): Promise<IssuedLeaf> {
    const subject = leafSubjectOf(host);
    const cacheKey = subject.kind === 'dns' ? subject.name : subject.text;
    const cached = this.cache.get(cacheKey);
    // A proxy can outlive its leaves (397 days, or sooner when capped by the CA): reissue expired ones.
    if (cached && cached.notAfter.getTime() > this.now().getTime()) return Promise.resolve(cached);
    const pending = this.inFlight.get(cacheKey);
    if (pending) return pending;

    const issuing = this.issue(subject).then(
      (leaf) => {
        this.inFlight.delete(cacheKey);
        this.cache.set(cacheKey, leaf);
        return leaf;
      },
      (error: unknown) => {
        this.inFlight.delete(cacheKey);
        throw error;
      },
    );
    this.inFlight.set(cacheKey, issuing);
    return issuing;
  }

  private async issue(subject: LeafSubject): Promise<IssuedLeaf> {
    const now = this.now();
    const notBefore = wholeSeconds(new Date(now.getTime() - CLOCK_SKEW_ALLOWANCE_MS));
    // Never outlive the CA: a chain is only valid while every certificate in it is.
    const notAfter = wholeSeconds(
      new Date(Math.min(now.getTime() + LEAF_VALIDITY_DAYS * DAY_MS, this.caNotAfter.getTime())),
    );
    if (notAfter.getTime() <= now.getTime()) {
      throw new CaError(
        'PROXYDOC_ERR_CA_EXPIRED',
        `the proxydoc CA expired at ${this.caNotAfter.toISOString()}: restart proxydoc so it creates a new CA, then trust the new ca.pem`,
      );
    }
    const key = await this.leafKey();
    const hostText = subject.kind === 'dns' ? subject.name : subject.text;
    const altName: SubjectAltName = subject.kind === 'dns' ? { dnsName: subject.name } : { ipAddress: subject.octets };
    // Clients match the SAN, not the CN (RFC 6125 §6.4.4). A name too long for a CN leaves the subject empty,
    // which RFC 5280 §4.2.1.6 allows when subjectAltName is critical.
    const fitsCommonName = hostText.length <= COMMON_NAME_MAX_LENGTH;
    const { pem } = await signCertificate(
      {
        serialNumber: randomSerialNumber(),
        issuerNameDer: this.issuer.subjectNameDer,
        subjectNameDer: distinguishedNameDer(fitsCommonName ? [{ oid: OID.commonName, value: hostText }] : []),
        notBefore,
        notAfter,
        subjectPublicKeyInfoDer: key.subjectPublicKeyInfoDer,
        extensions: [
          basicConstraintsExtension({ ca: false }),
          // keyEncipherment only matters for RSA key transport; the shared leaf key is EC (RFC 5480 §3).
          keyUsageExtension([KEY_USAGE_BIT.digitalSignature]),
          extendedKeyUsageExtension([OID.serverAuth]),
          subjectAltNameExtension([altName], !fitsCommonName),
          authorityKeyIdentifierExtension(this.issuer.keyIdentifier),
        ],
      },
      this.caKey,
    );
    this.issued += 1;
    return {
      certPem: pem,
      notAfter,
      // The CA goes in the chain too (RFC 8446 §4.4.2 allows it), which helps clients that log the chain.
      secureContext: tls.createSecureContext({ key: key.privateKeyPem, cert: pem + this.caCertPem }),
    };
  }

  private leafKey(): Promise<SharedLeafKey> {
    this.sharedKey ??= generateSharedLeafKey().catch((error: unknown) => {
      this.sharedKey = undefined; // let the next issuance try again
      throw error;
    });
    return this.sharedKey;
  }
}

function generateSharedLeafKey(): Promise<SharedLeafKey> {
  return new Promise((resolve, reject) => {
    crypto.generateKeyPair('ec', { namedCurve: 'prime256v1' }, (error, publicKey, privateKey) => {
      if (error) return reject(error);
      resolve({
        privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        subjectPublicKeyInfoDer: publicKey.export({ type: 'spki', format: 'der' }),
      });
    });
  });
}

/** LDH labels, plus "_" (seen in real internal names) and non-ASCII for IDNs converted to A-labels. */
const HOST_CHARACTERS = /^[a-z0-9._\-\u0080-\uffff]+$/;
const DNS_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Normalises an SNI name or CONNECT host: "[::1]" → IPv6 ::1 (zone id dropped — it names a local interface, not the
 * server), IPv4 as is, names lower-cased, without a trailing dot, and in A-labels (SAN dNSName is IA5String).
 */
function leafSubjectOf(host: string): LeafSubject {
  const unbracketed = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const withoutZone = unbracketed.includes(':') ? unbracketed.replace(/%.*$/, '') : unbracketed;
  const ipVersion = net.isIP(withoutZone);
  if (ipVersion === 4) {
    return { kind: 'ip', text: withoutZone, octets: Buffer.from(withoutZone.split('.').map(Number)) };
  }
  if (ipVersion === 6) {
    // The WHATWG URL parser canonicalises IPv6 (compressed, lower case, embedded IPv4 as hex groups).
    const canonical = new URL(`http://[${withoutZone}]/`).hostname.slice(1, -1);
    return { kind: 'ip', text: canonical, octets: ipv6Octets(canonical) };
  }
  const lowerCase = host.toLowerCase().replace(/\.$/, '');
  // domainToASCII parses like a URL host and would cut "a/b.test" down to "a": allow only name characters in.
  const name = HOST_CHARACTERS.test(lowerCase) ? domainToASCII(lowerCase) : '';
  if (name.length === 0 || name.length > 253 || !name.split('.').every((label) => DNS_LABEL.test(label))) {
    throw new CaError(
      'PROXYDOC_ERR_CA_INVALID_HOST',
      `cannot issue a certificate for ${JSON.stringify(host)}: it is neither a DNS name nor an IP address; fix the host name the client connects to`,
    );
  }
  return { kind: 'dns', name };
}

function ipv6Octets(canonical: string): Buffer {
  const [head, tail] = canonical.includes('::') ? canonical.split('::') : [canonical, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros: string[] = Array(8 - headGroups.length - tailGroups.length).fill('0');
  const octets = Buffer.alloc(16);
  [...headGroups, ...zeros, ...tailGroups].forEach((group, index) => octets.writeUInt16BE(parseInt(group, 16), index * 2));
  return octets;
}
