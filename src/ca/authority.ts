/**
 * proxydoc's certificate authority: load it from disk or create it, and the X.509 (RFC 5280) building blocks the
 * leaf issuer shares. node-forge is used only as an ASN.1 DER encoder/parser; keys are generated and every signature
 * is made by Node's native `crypto`, because forge does both in pure JS (seconds per RSA key, ~60 ms per signature).
 */
import * as crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type forge from 'node-forge';

// Only forge's ASN.1 codec: the package index loads all of forge (TLS, ciphers, PKCS#12…), about 10 MiB of RSS at
// start-up for code proxydoc never runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const asn1: typeof forge.asn1 = require('node-forge/lib/asn1');
const DAY_MS = 24 * 60 * 60 * 1000;

export type CaErrorCode =
  | 'PROXYDOC_ERR_CA_DIR'
  | 'PROXYDOC_ERR_CA_WRITE'
  | 'PROXYDOC_ERR_CA_READ'
  | 'PROXYDOC_ERR_CA_KEY_PERMISSIONS'
  | 'PROXYDOC_ERR_CA_CERT_CORRUPT'
  | 'PROXYDOC_ERR_CA_KEY_CORRUPT'
  | 'PROXYDOC_ERR_CA_NOT_A_CA'
  | 'PROXYDOC_ERR_CA_UNSUPPORTED_KEY'
  | 'PROXYDOC_ERR_CA_EXPIRED'
  | 'PROXYDOC_ERR_CA_INVALID_HOST';

/** A CA problem, as one line that names the problem and the fix; the underlying error stays in `cause`. */
export class CaError extends Error {
  readonly code: CaErrorCode;

  constructor(code: CaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CaError';
    this.code = code;
  }
}

export interface LoadedCa {
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
  notBefore: Date;
  notAfter: Date;
  /** Colon-separated hex, like X509Certificate.fingerprint256. */
  fingerprint256: string;
  /** True when this call generated the CA. */
  created: boolean;
  reason?: 'missing' | 'expiring' | 'expired' | 'mismatch' | 'regenerated';
}

export interface LoadOrCreateCaOptions {
  now: Date;
  /** Regenerate when the CA expires within this many days (default 30). */
  renewWithinDays?: number;
  /** Validity of a newly created CA (default 3650 days). */
  validityDays?: number;
}

export const CA_CERT_FILE = 'ca.pem';
export const CA_KEY_FILE = 'ca.key';

/**
 * Returns the CA stored in `caDir`, creating (or replacing) it when it is missing, expired, expiring within
 * `renewWithinDays`, or when ca.key does not belong to ca.pem. Refuses a ca.key readable or writable by group/others:
 * whoever holds it can impersonate any HTTPS site to the machines that trust ca.pem.
 */
export async function loadOrCreateCa(caDir: string, options: LoadOrCreateCaOptions): Promise<LoadedCa> {
  return loadCa(caDir, options, true);
}

async function loadCa(caDir: string, options: LoadOrCreateCaOptions, rereadOnMismatch: boolean): Promise<LoadedCa> {
  const renewWithinDays = options.renewWithinDays ?? 30;
  const validityDays = options.validityDays ?? 3650;
  const certPath = path.join(caDir, CA_CERT_FILE);
  const keyPath = path.join(caDir, CA_KEY_FILE);

  await ensurePrivateDirectory(caDir);
  const certPem = await readIfExists(certPath);
  const keyPem = await readIfExists(keyPath);

  if (certPem === undefined || keyPem === undefined) {
    return createCa(certPath, keyPath, options.now, validityDays, 'missing');
  }
  await refuseExposedKey(keyPath);

  const deleteBothFix = `delete ${certPath} and ${keyPath} and restart proxydoc to create a new CA (clients must then trust the new ca.pem)`;
  let certificate: crypto.X509Certificate;
  try {
    certificate = new crypto.X509Certificate(certPem);
  } catch (error) {
    throw new CaError('PROXYDOC_ERR_CA_CERT_CORRUPT', `${certPath} is not a readable PEM certificate: ${deleteBothFix}`, {
      cause: error,
    });
  }
  let privateKey: crypto.KeyObject;
  try {
    privateKey = crypto.createPrivateKey(keyPem);
  } catch (error) {
    throw new CaError(
      'PROXYDOC_ERR_CA_KEY_CORRUPT',
      `${keyPath} is not a readable unencrypted PEM private key: ${deleteBothFix}`,
      { cause: error },
    );
  }
  if (!certificate.ca) {
    throw new CaError(
      'PROXYDOC_ERR_CA_NOT_A_CA',
      `${certPath} is not a CA certificate (basicConstraints CA:true is missing): ${deleteBothFix}`,
    );
  }
  signatureAlgorithmFor(privateKey, keyPath);

  if (!certificate.checkPrivateKey(privateKey)) {
    // regenerateCa renames ca.pem, then ca.key: a read in between sees the new certificate with the old key. A
    // second read gets the finished pair; only a pair still mismatched then is broken.
    if (rereadOnMismatch) return loadCa(caDir, options, false);
    return createCa(certPath, keyPath, options.now, validityDays, 'mismatch');
  }
  const notAfter = new Date(certificate.validTo);
  const msLeft = notAfter.getTime() - options.now.getTime();
  if (msLeft <= 0) {
    return createCa(certPath, keyPath, options.now, validityDays, 'expired');
  }
  if (msLeft <= renewWithinDays * DAY_MS) {
    return createCa(certPath, keyPath, options.now, validityDays, 'expiring');
  }
  return loadedCa(certPath, keyPath, certPem, keyPem);
}

async function createCa(
  certPath: string,
  keyPath: string,
  now: Date,
  validityDays: number,
  reason: NonNullable<LoadedCa['reason']>,
): Promise<LoadedCa> {
  const { certPem, keyPem } = await generateCa(now, validityDays);

  // Key first: a crash between the two renames leaves a mismatched pair, which the next start regenerates.
  await writeFileAtomically(keyPath, keyPem, 0o600);
  await writeFileAtomically(certPath, certPem, 0o644);
  return loadedCa(certPath, keyPath, certPem, keyPem, reason);
}

/**
 * Replaces the CA in `caDir` with a new one, whatever state the old one is in (`proxydoc ca --regenerate`). Both
 * files are written in full beside the old ones and synced before either is renamed into place, ca.pem first:
 * ca.key is never missing, and a reader sees a mismatched pair only if it reads both files in the instant between
 * the two renames, which loadOrCreateCa covers by reading a mismatched pair a second time.
 */
export async function regenerateCa(caDir: string, options: Pick<LoadOrCreateCaOptions, 'now' | 'validityDays'>): Promise<LoadedCa> {
  const certPath = path.join(caDir, CA_CERT_FILE);
  const keyPath = path.join(caDir, CA_KEY_FILE);
  await ensurePrivateDirectory(caDir);
  const { certPem, keyPem } = await generateCa(options.now, options.validityDays ?? 3650);
  const temporaryKey = await writeTemporaryFile(keyPath, keyPem, 0o600);
  let temporaryCert: string | undefined;
  try {
    temporaryCert = await writeTemporaryFile(certPath, certPem, 0o644);
    await renameInto(temporaryCert, certPath);
    await renameInto(temporaryKey, keyPath);
  } finally {
    await Promise.all([temporaryKey, temporaryCert].map((file) => file && fs.rm(file, { force: true })));
  }
  await syncDirectory(caDir);
  return loadedCa(certPath, keyPath, certPem, keyPem, 'regenerated');
}

/** The CA as loaded; `reason` says why it was just created, and is absent for an existing CA that was kept. */
function loadedCa(certPath: string, keyPath: string, certPem: string, keyPem: string, reason?: NonNullable<LoadedCa['reason']>): LoadedCa {
  const certificate = new crypto.X509Certificate(certPem);
  return {
    certPem,
    keyPem,
    certPath,
    keyPath,
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
    fingerprint256: certificate.fingerprint256,
    created: reason !== undefined,
    ...(reason !== undefined ? { reason } : {}),
  };
}

async function generateCa(now: Date, validityDays: number): Promise<{ certPem: string; keyPem: string }> {
  // RSA 2048 has the broadest client support for a root; generated natively off the event loop.
  const { publicKey, privateKey } = await generateRsaKeyPair();
  const subjectPublicKeyInfoDer = publicKey.export({ type: 'spki', format: 'der' });
  const subjectNameDer = distinguishedNameDer([
    // RDNSequence order is most significant first, so O precedes CN (displayed as "CN=…, O=proxydoc").
    { oid: OID.organizationName, value: 'proxydoc' },
    { oid: OID.commonName, value: caCommonName(os.hostname(), now) },
  ]);
  // notBefore a day back, like the leaves, so a client whose clock lags still accepts the chain.
  const notBefore = wholeSeconds(new Date(now.getTime() - DAY_MS));
  const notAfter = wholeSeconds(new Date(now.getTime() + validityDays * DAY_MS));
  const { pem: certPem } = await signCertificate(
    {
      serialNumber: randomSerialNumber(),
      issuerNameDer: subjectNameDer,
      subjectNameDer,
      notBefore,
      notAfter,
      subjectPublicKeyInfoDer,
      extensions: [
        // RFC 5280 §4.2.1.9: critical, CA:true; pathLen 0 — it only ever signs leaves.
        basicConstraintsExtension({ ca: true, pathLength: 0 }),
        // RFC 5280 §4.2.1.3: a CA's keyUsage must assert keyCertSign.
        keyUsageExtension([KEY_USAGE_BIT.keyCertSign, KEY_USAGE_BIT.cRLSign]),
        subjectKeyIdentifierExtension(subjectKeyIdentifierOf(subjectPublicKeyInfoDer)),
      ],
    },
    privateKey,
  );
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem, keyPem };
}

/** "proxydoc CA (<hostname>, <date>)", kept within the 64-character ub-common-name of RFC 5280 Appendix A. */
function caCommonName(hostname: string, now: Date): string {
  const date = now.toISOString().slice(0, 10);
  const fixedLength = 'proxydoc CA (, )'.length + date.length;
  return `proxydoc CA (${hostname.slice(0, 64 - fixedLength)}, ${date})`;
}

function generateRsaKeyPair(): Promise<{ publicKey: crypto.KeyObject; privateKey: crypto.KeyObject }> {
  return new Promise((resolve, reject) => {
    crypto.generateKeyPair('rsa', { modulusLength: 2048 }, (error, publicKey, privateKey) => {
      if (error) reject(error);
      else resolve({ publicKey, privateKey });
    });
  });
}

async function ensurePrivateDirectory(caDir: string): Promise<void> {
  try {
    const created = await fs.mkdir(caDir, { recursive: true, mode: 0o700 });
    // mkdir's mode is filtered by the umask; set it exactly on the directory we made.
    if (created !== undefined) await fs.chmod(caDir, 0o700);
    const stat = await fs.stat(caDir);
    if (!stat.isDirectory()) throw Object.assign(new Error(`${caDir} is not a directory`), { code: 'ENOTDIR' });
  } catch (error) {
    throw new CaError(
      'PROXYDOC_ERR_CA_DIR',
      `cannot use ${caDir} as the CA directory (${errorCodeOf(error)}): pass --ca-dir with a writable directory path`,
      { cause: error },
    );
  }
}

async function readIfExists(filePath: string): Promise<string | undefined> {
  try {
    return await fs.readFile(filePath, 'utf8');
  } catch (error) {
    if (errorCodeOf(error) === 'ENOENT') return undefined;
    throw new CaError(
      'PROXYDOC_ERR_CA_READ',
      `cannot read ${filePath} (${errorCodeOf(error)}): run proxydoc as the user that owns it, or pass --ca-dir with another directory`,
      { cause: error },
    );
  }
}

async function refuseExposedKey(keyPath: string): Promise<void> {
  // POSIX permission bits mean nothing on Windows, where Node reports 0666 for every writable file.
  if (process.platform === 'win32') return;
  const { mode } = await fs.stat(keyPath);
  if ((mode & 0o077) !== 0) {
    throw new CaError(
      'PROXYDOC_ERR_CA_KEY_PERMISSIONS',
      `${keyPath} is accessible by group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): run chmod 600 ${keyPath}`,
    );
  }
}

/** Write to a temp file created with its final mode, then rename over the target (atomic on POSIX). */
async function writeFileAtomically(target: string, content: string, mode: number): Promise<void> {
  const temporary = await writeTemporaryFile(target, content, mode);
  try {
    await renameInto(temporary, target);
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

/** Writes `content` in full and synced to a new file beside `target`; returns its path. */
async function writeTemporaryFile(target: string, content: string, mode: number): Promise<string> {
  const temporary = `${target}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(temporary, 'wx', mode);
    try {
      // The creation mode is filtered by the umask; fchmod makes ca.pem exactly 0644 too.
      await handle.chmod(mode);
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return temporary;
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw caWriteError(target, error);
  }
}

async function renameInto(temporary: string, target: string): Promise<void> {
  try {
    await fs.rename(temporary, target);
  } catch (error) {
    throw caWriteError(target, error);
  }
}

/** Makes the renames durable: they live in the directory entry, which fsync of the files does not cover. */
async function syncDirectory(directory: string): Promise<void> {
  // Windows cannot open a directory for syncing, and NTFS journals renames itself.
  if (process.platform === 'win32') return;
  const handle = await fs.open(directory, 'r');
  try {
    await handle.sync();
  } catch {
    // The renames are done either way; some filesystems (network ones) refuse to sync a directory.
  } finally {
    await handle.close();
  }
}

function caWriteError(target: string, error: unknown): CaError {
  return new CaError(
    'PROXYDOC_ERR_CA_WRITE',
    `cannot write ${target} (${errorCodeOf(error)}): make ${path.dirname(target)} writable or pass --ca-dir with another directory`,
    { cause: error },
  );
}

function errorCodeOf(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------------------------
// X.509 building blocks (RFC 5280 §4.1), shared with the leaf issuer. forge.asn1 "bytes" are binary strings.
// ---------------------------------------------------------------------------------------------------------------

export const OID = {
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
} as const;

/** Bit positions of KeyUsage (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BIT = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** DER of the extension's value (the contents of extnValue). */
  valueDer: Buffer;
}

export interface CertificateTemplate {
  /** Content octets of a positive DER INTEGER. */
  serialNumber: Buffer;
  issuerNameDer: Buffer;
  subjectNameDer: Buffer;
  notBefore: Date;
  notAfter: Date;
  subjectPublicKeyInfoDer: Buffer;
  extensions: CertificateExtension[];
}

type Asn1 = forge.asn1.Asn1;

const toBinary = (buffer: Buffer): string => buffer.toString('binary');
const fromBinary = (bytes: string): Buffer => Buffer.from(bytes, 'binary');
const encode = (node: Asn1): Buffer => fromBinary(asn1.toDer(node).getBytes());
const universal = (type: forge.asn1.Type, value: string | Asn1[]): Asn1 =>
  asn1.create(asn1.Class.UNIVERSAL, type, Array.isArray(value), value);
const sequence = (children: Asn1[]): Asn1 => universal(asn1.Type.SEQUENCE, children);
const objectIdentifier = (oid: string): Asn1 => universal(asn1.Type.OID, asn1.oidToDer(oid).getBytes());

/**
 * Parses DER without forge's habit of decoding BIT STRING contents as nested ASN.1, so a subjectPublicKey stays the
 * raw octets it hashes for key identifiers and re-encodes byte for byte.
 */
export const parseDer = (der: Buffer): Asn1 =>
  (asn1.fromDer as unknown as (bytes: string, options: object) => Asn1)(toBinary(der), {
    strict: true,
    parseAllBytes: true,
    decodeBitStrings: false,
  });

/** Embed already-encoded DER (a Name, a SubjectPublicKeyInfo) into a structure being built. */
const embedDer = (der: Buffer): Asn1 => parseDer(der);

/** A random positive serial (RFC 5280 §4.1.2.2: positive, unique per CA, ≤ 20 octets; CA/B BR: ≥ 64 random bits). */
export function randomSerialNumber(): Buffer {
  const serial = crypto.randomBytes(16);
  // Top bit clear keeps the INTEGER positive; a non-zero first octet keeps the DER encoding minimal.
  serial[0] = serial[0]! & 0x7f || 0x01;
  return serial;
}

/** Seconds are the finest unit UTCTime/GeneralizedTime carry in a certificate. */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function timeAsn1(date: Date): Asn1 {
  return date.getUTCFullYear() < 2050
    ? universal(asn1.Type.UTCTIME, asn1.dateToUtcTime(date))
    : universal(asn1.Type.GENERALIZEDTIME, asn1.dateToGeneralizedTime(date));
}

/** A Name of single-valued RDNs as UTF8String (RFC 5280 §4.1.2.4). */
export function distinguishedNameDer(attributes: Array<{ oid: string; value: string }>): Buffer {
  return encode(
    sequence(
      attributes.map(({ oid, value }) =>
        universal(asn1.Type.SET, [
          sequence([objectIdentifier(oid), universal(asn1.Type.UTF8, toBinary(Buffer.from(value, 'utf8')))]),
        ]),
      ),
    ),
  );
}

export function basicConstraintsExtension(options: { ca: boolean; pathLength?: number }): CertificateExtension {
  const fields: Asn1[] = [];
  // cA is DEFAULT FALSE, and DER omits fields equal to their default (X.690 §11.5).
  if (options.ca) fields.push(universal(asn1.Type.BOOLEAN, '\xff'));
  if (options.pathLength !== undefined) {
    fields.push(universal(asn1.Type.INTEGER, asn1.integerToDer(options.pathLength).getBytes()));
  }
  return { oid: OID.basicConstraints, critical: true, valueDer: encode(sequence(fields)) };
}

export function keyUsageExtension(bits: number[]): CertificateExtension {
  const highestBit = Math.max(...bits);
  const octets = Buffer.alloc(Math.floor(highestBit / 8) + 1);
  for (const bit of bits) octets[bit >> 3]! |= 0x80 >> (bit & 7);
  // A named bit list drops trailing zero bits in DER (X.690 §11.2.2); the first octet counts the unused ones.
  const unusedBits = 7 - (highestBit % 8);
  const bitString = universal(asn1.Type.BITSTRING, String.fromCharCode(unusedBits) + toBinary(octets));
  return { oid: OID.keyUsage, critical: true, valueDer: encode(bitString) };
}

export function extendedKeyUsageExtension(purposes: string[]): CertificateExtension {
  return { oid: OID.extKeyUsage, critical: false, valueDer: encode(sequence(purposes.map(objectIdentifier))) };
}

export type SubjectAltName = { dnsName: string } | { ipAddress: Buffer };

export function subjectAltNameExtension(names: SubjectAltName[], critical: boolean): CertificateExtension {
  const generalNames = names.map((name) =>
    'dnsName' in name
      ? asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, name.dnsName) // [2] IA5String
      : asn1.create(asn1.Class.CONTEXT_SPECIFIC, 7, false, toBinary(name.ipAddress)), // [7] OCTET STRING
  );
  return { oid: OID.subjectAltName, critical, valueDer: encode(sequence(generalNames)) };
}

export function subjectKeyIdentifierExtension(keyIdentifier: Buffer): CertificateExtension {
  return {
    oid: OID.subjectKeyIdentifier,
    critical: false,
    valueDer: encode(universal(asn1.Type.OCTETSTRING, toBinary(keyIdentifier))),
  };
}

export function authorityKeyIdentifierExtension(keyIdentifier: Buffer): CertificateExtension {
  const keyIdentifierField = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, toBinary(keyIdentifier));
  return { oid: OID.authorityKeyIdentifier, critical: false, valueDer: encode(sequence([keyIdentifierField])) };
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's value. */
export function subjectKeyIdentifierOf(subjectPublicKeyInfoDer: Buffer): Buffer {
  const [, subjectPublicKey] = parseDer(subjectPublicKeyInfoDer).value as Asn1[];
  const bits = fromBinary(subjectPublicKey!.value as string).subarray(1); // drop the unused-bits octet
  return crypto.createHash('sha1').update(bits).digest();
}

/** The parts of an issuing certificate a child certificate must reference. */
export interface IssuerReference {
  subjectNameDer: Buffer;
  /** Its subjectKeyIdentifier extension, or one derived from its key when the extension is absent. */
  keyIdentifier: Buffer;
}

export function issuerReferenceOf(certificateDer: Buffer): IssuerReference {
  const [tbs] = parseDer(certificateDer).value as Asn1[];
  const fields = tbs!.value as Asn1[];
  // version is an explicit [0] that is absent in v1 certificates.
  const offset = fields[0]!.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const subjectNameDer = encode(fields[offset + 4]!);
  const subjectPublicKeyInfoDer = encode(fields[offset + 5]!);
  const extensionsField = fields.find((field) => field.tagClass === asn1.Class.CONTEXT_SPECIFIC && field.type === 3);
  const extensions = extensionsField ? (((extensionsField.value as Asn1[])[0]!.value as Asn1[]) ?? []) : [];
  for (const extension of extensions) {
    const [id, ...rest] = extension.value as Asn1[];
    if (asn1.derToOid(id!.value as string) !== OID.subjectKeyIdentifier) continue;
    const extnValue = rest[rest.length - 1]!.value as string;
    return { subjectNameDer, keyIdentifier: fromBinary(parseDer(fromBinary(extnValue)).value as string) };
  }
  return { subjectNameDer, keyIdentifier: subjectKeyIdentifierOf(subjectPublicKeyInfoDer) };
}

/** The AlgorithmIdentifier for a SHA-256 signature by this key; only RSA and EC keys can sign proxydoc's leaves. */
export function signatureAlgorithmFor(signingKey: crypto.KeyObject, keyPath = 'the CA key'): Asn1 {
  switch (signingKey.asymmetricKeyType) {
    case 'rsa':
      // RFC 4055 §5: sha256WithRSAEncryption carries NULL parameters.
      return sequence([objectIdentifier(OID.sha256WithRSAEncryption), universal(asn1.Type.NULL, '')]);
    case 'ec':
      // RFC 5758 §3.2: ecdsa-with-SHA256 has its parameters absent.
      return sequence([objectIdentifier(OID.ecdsaWithSHA256)]);
    default:
      throw new CaError(
        'PROXYDOC_ERR_CA_UNSUPPORTED_KEY',
        `${keyPath} is a ${signingKey.asymmetricKeyType ?? 'unknown'} key, but proxydoc signs only with RSA or EC CA keys: delete ca.pem and ca.key in its directory to let proxydoc create a new CA`,
      );
  }
}

function tbsCertificate(template: CertificateTemplate, signatureAlgorithm: Asn1): Asn1 {
  const extensions = template.extensions.map((extension) =>
    sequence([
      objectIdentifier(extension.oid),
      // critical is DEFAULT FALSE: encoded only when true.
      ...(extension.critical ? [universal(asn1.Type.BOOLEAN, '\xff')] : []),
      universal(asn1.Type.OCTETSTRING, toBinary(extension.valueDer)),
    ]),
  );
  return sequence([
    // [0] EXPLICIT Version: v3 (2) because extensions are present.
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [universal(asn1.Type.INTEGER, '\x02')]),
    universal(asn1.Type.INTEGER, toBinary(template.serialNumber)),
    signatureAlgorithm,
    embedDer(template.issuerNameDer),
    sequence([timeAsn1(template.notBefore), timeAsn1(template.notAfter)]),
    embedDer(template.subjectNameDer),
    embedDer(template.subjectPublicKeyInfoDer),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 3, true, [sequence(extensions)]),
  ]);
}

/**
 * DER-encodes the TBSCertificate, signs it natively (the callback form runs on libuv's thread pool, so the event
 * loop is not held), and assembles Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }.
 */
export async function signCertificate(
  template: CertificateTemplate,
  signingKey: crypto.KeyObject,
): Promise<{ der: Buffer; pem: string }> {
  const signatureAlgorithm = signatureAlgorithmFor(signingKey);
  const tbs = tbsCertificate(template, signatureAlgorithm);
  const signature = await new Promise<Buffer>((resolve, reject) => {
    crypto.sign('sha256', encode(tbs), signingKey, (error, result) => (error ? reject(error) : resolve(result)));
  });
  const der = encode(
    sequence([tbs, signatureAlgorithm, universal(asn1.Type.BITSTRING, '\x00' + toBinary(signature))]),
  );
  const base64Lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return { der, pem: `-----BEGIN CERTIFICATE-----\n${base64Lines.join('\n')}\n-----END CERTIFICATE-----\n` };
}
