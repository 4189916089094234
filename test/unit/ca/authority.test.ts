import * as crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import forge from 'node-forge';
import { CaError, loadOrCreateCa } from '../../../src/ca';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-11-21T20:41:03.120Z');

let workDir: string;

beforeEach(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'proxydoc-ca-'));
});

afterEach(async () => {
  await fs.rm(workDir, { recursive: true, force: true });
});

const modeOf = async (filePath: string): Promise<number> => (await fs.stat(filePath)).mode & 0o777;

/** Extensions by OID, read with forge's ASN.1 parser independently of the code under test. */
function extensionsOf(certPem: string): Map<string, { critical: boolean; valueDer: Buffer }> {
  const der = new crypto.X509Certificate(certPem).raw.toString('binary');
  const certificate = (forge.asn1.fromDer as unknown as (b: string, o: object) => forge.asn1.Asn1)(der, {
    decodeBitStrings: false,
  });
  const tbsFields = (certificate.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  const extensionsField = tbsFields.find((field) => field.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && field.type === 3)!;
  const result = new Map<string, { critical: boolean; valueDer: Buffer }>();
  for (const extension of (extensionsField.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[]) {
    const parts = extension.value as forge.asn1.Asn1[];
    const oid = forge.asn1.derToOid(parts[0]!.value as string);
    const critical = parts.length === 3 && parts[1]!.value === '\xff';
    result.set(oid, { critical, valueDer: Buffer.from(parts[parts.length - 1]!.value as string, 'binary') });
  }
  return result;
}

describe('loadOrCreateCa', () => {
  test('creates a CA in a missing directory: dir 0700, ca.key 0600, ca.pem 0644', async () => {
    const caDir = path.join(workDir, 'nested', 'certs');
    const ca = await loadOrCreateCa(caDir, { now: NOW });

    expect(ca).toMatchObject({ created: true, reason: 'missing' });
    expect(ca.certPath).toBe(path.join(caDir, 'ca.pem'));
    expect(ca.keyPath).toBe(path.join(caDir, 'ca.key'));
    expect(await modeOf(caDir)).toBe(0o700);
    expect(await modeOf(ca.keyPath)).toBe(0o600);
    expect(await modeOf(ca.certPath)).toBe(0o644);
    expect(await fs.readFile(ca.certPath, 'utf8')).toBe(ca.certPem);
    expect(await fs.readFile(ca.keyPath, 'utf8')).toBe(ca.keyPem);
    // No temp files left behind by the atomic writes.
    expect((await fs.readdir(caDir)).sort()).toEqual(['ca.key', 'ca.pem']);
  });

  test('the CA is a self-signed RSA-2048 root with the RFC 5280 CA extensions', async () => {
    const ca = await loadOrCreateCa(workDir, { now: NOW, validityDays: 100 });
    const certificate = new crypto.X509Certificate(ca.certPem);
    const key = crypto.createPrivateKey(ca.keyPem);

    expect(ca.keyPem).toContain('-----BEGIN PRIVATE KEY-----'); // PKCS#8
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(certificate.ca).toBe(true);
    expect(certificate.checkPrivateKey(key)).toBe(true);
    expect(certificate.checkIssued(certificate)).toBe(true);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.subject).toBe(`O=proxydoc\nCN=proxydoc CA (${os.hostname().slice(0, 38)}\\, 2026-11-21)`);
    expect(certificate.issuer).toBe(certificate.subject);
    expect(ca.fingerprint256).toBe(certificate.fingerprint256);
    expect(ca.notBefore).toEqual(new Date('2026-11-20T20:41:03Z'));
    expect(ca.notAfter).toEqual(new Date('2027-03-01T20:41:03Z'));
    expect(new Date(certificate.validTo)).toEqual(ca.notAfter);
    expect(parseInt(certificate.serialNumber.slice(0, 1), 16)).toBeLessThan(8); // positive

    const extensions = extensionsOf(ca.certPem);
    // basicConstraints: critical, SEQUENCE { cA TRUE, pathLenConstraint 0 }
    expect(extensions.get('2.5.29.19')).toEqual({ critical: true, valueDer: Buffer.from('30060101ff020100', 'hex') });
    // keyUsage: critical, keyCertSign (bit 5) + cRLSign (bit 6) → 0x06 with 1 unused bit
    expect(extensions.get('2.5.29.15')).toEqual({ critical: true, valueDer: Buffer.from('03020106', 'hex') });
    // RFC 5280 §4.2.1.2 (1): SHA-1 of the subjectPublicKey bits — for RSA-2048 the last 270 octets of the SPKI.
    const subjectPublicKeyInfo = certificate.publicKey.export({ type: 'spki', format: 'der' });
    expect(subjectPublicKeyInfo).toHaveLength(294);
    const subjectPublicKeyBits = subjectPublicKeyInfo.subarray(-270);
    const expectedKeyId = crypto.createHash('sha1').update(subjectPublicKeyBits).digest();
    expect(extensions.get('2.5.29.14')).toEqual({
      critical: false,
      valueDer: Buffer.concat([Buffer.from([0x04, 20]), expectedKeyId]),
    });
  });

  test('every install gets its own key and serial', async () => {
    const first = await loadOrCreateCa(path.join(workDir, 'a'), { now: NOW });
    const second = await loadOrCreateCa(path.join(workDir, 'b'), { now: NOW });
    expect(second.fingerprint256).not.toBe(first.fingerprint256);
    expect(second.keyPem).not.toBe(first.keyPem);
    expect(new crypto.X509Certificate(second.certPem).serialNumber).not.toBe(
      new crypto.X509Certificate(first.certPem).serialNumber,
    );
  });

  test('reuses an existing CA without regenerating it', async () => {
    const created = await loadOrCreateCa(workDir, { now: NOW });
    const later = new Date(NOW.getTime() + 400 * DAY_MS);
    const loaded = await loadOrCreateCa(workDir, { now: later });

    expect(loaded.created).toBe(false);
    expect(loaded.reason).toBeUndefined();
    expect(loaded).toEqual({ ...created, created: false, reason: undefined });
    expect(await fs.readFile(created.keyPath, 'utf8')).toBe(created.keyPem);
  });

  test.each([
    ['reuses it while more than renewWithinDays remain', 69, false, undefined],
    ['regenerates it when it expires within renewWithinDays', 71, true, 'expiring'],
    ['regenerates it once expired', 101, true, 'expired'],
  ])('%s', async (_title, daysLater, created, reason) => {
    const original = await loadOrCreateCa(workDir, { now: NOW, validityDays: 100 });
    const now = new Date(NOW.getTime() + daysLater * DAY_MS);
    const result = await loadOrCreateCa(workDir, { now, validityDays: 100, renewWithinDays: 30 });

    expect(result.created).toBe(created);
    expect(result.reason).toBe(reason);
    expect(result.fingerprint256 === original.fingerprint256).toBe(!created);
    expect(await fs.readFile(result.certPath, 'utf8')).toBe(result.certPem);
    if (created) {
      expect(result.notAfter).toEqual(new Date(Math.floor((now.getTime() + 100 * DAY_MS) / 1000) * 1000));
      expect(await modeOf(result.keyPath)).toBe(0o600);
    }
  });

  test('regenerates when ca.key does not belong to ca.pem', async () => {
    const original = await loadOrCreateCa(path.join(workDir, 'a'), { now: NOW });
    const other = await loadOrCreateCa(path.join(workDir, 'b'), { now: NOW });
    await fs.copyFile(other.keyPath, original.keyPath);

    const result = await loadOrCreateCa(path.join(workDir, 'a'), { now: NOW });
    expect(result).toMatchObject({ created: true, reason: 'mismatch' });
    expect(new crypto.X509Certificate(result.certPem).checkPrivateKey(crypto.createPrivateKey(result.keyPem))).toBe(true);
  });

  test.each(['ca.pem', 'ca.key'])('regenerates the pair when only %s is missing', async (missing) => {
    const original = await loadOrCreateCa(workDir, { now: NOW });
    await fs.rm(path.join(workDir, missing));

    const result = await loadOrCreateCa(workDir, { now: NOW });
    expect(result).toMatchObject({ created: true, reason: 'missing' });
    expect(result.fingerprint256).not.toBe(original.fingerprint256);
  });

  test.each([
    ['0644', 0o644],
    ['0640', 0o640],
    ['0604', 0o604],
    ['0620', 0o620],
  ])('refuses a ca.key with mode %s and says how to fix it', async (_label, mode) => {
    const ca = await loadOrCreateCa(workDir, { now: NOW });
    await fs.chmod(ca.keyPath, mode);

    const failure = loadOrCreateCa(workDir, { now: NOW });
    await expect(failure).rejects.toThrow(CaError);
    await expect(failure).rejects.toMatchObject({
      code: 'PROXYDOC_ERR_CA_KEY_PERMISSIONS',
      message: expect.stringContaining(`run chmod 600 ${ca.keyPath}`),
    });
    expect(await fs.readFile(ca.keyPath, 'utf8')).toBe(ca.keyPem);
  });

  test.each([
    ['ca.pem', 'PROXYDOC_ERR_CA_CERT_CORRUPT', 'not a certificate'],
    ['ca.pem', 'PROXYDOC_ERR_CA_CERT_CORRUPT', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
    ['ca.key', 'PROXYDOC_ERR_CA_KEY_CORRUPT', 'garbage'],
    ['ca.key', 'PROXYDOC_ERR_CA_KEY_CORRUPT', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'],
  ])('a corrupt %s is a one-line CaError naming the file and the fix (%s)', async (file, code, content) => {
    const ca = await loadOrCreateCa(workDir, { now: NOW });
    const corrupted = path.join(workDir, file);
    await fs.writeFile(corrupted, content, { mode: 0o600 });

    const error = await loadOrCreateCa(workDir, { now: NOW }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaError);
    expect(error).toMatchObject({ code });
    const { message } = error as CaError;
    expect(message).toContain(corrupted);
    expect(message).toContain(`delete ${ca.certPath} and ${ca.keyPath}`);
    expect(message).not.toContain('\n');
    expect((error as CaError).cause).toBeDefined();
  });

  test('a CA certificate without CA:true is refused', async () => {
    // A self-signed end-entity certificate made with Node's own key but forge's (slow, fine here) encoder.
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
    const forgeKey = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
    const certificate = forge.pki.createCertificate();
    certificate.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
    certificate.serialNumber = '01';
    certificate.validity.notBefore = NOW;
    certificate.validity.notAfter = new Date(NOW.getTime() + 1000 * DAY_MS);
    certificate.setSubject([{ name: 'commonName', value: 'not a ca' }]);
    certificate.setIssuer([{ name: 'commonName', value: 'not a ca' }]);
    certificate.sign(forgeKey, forge.md.sha256.create());
    await fs.writeFile(path.join(workDir, 'ca.pem'), forge.pki.certificateToPem(certificate));
    await fs.writeFile(path.join(workDir, 'ca.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

    await expect(loadOrCreateCa(workDir, { now: NOW })).rejects.toMatchObject({ code: 'PROXYDOC_ERR_CA_NOT_A_CA' });
  });

  test('a CA directory path that is a file is a CaError with the fix', async () => {
    const notADirectory = path.join(workDir, 'file');
    await fs.writeFile(notADirectory, '');
    await expect(loadOrCreateCa(notADirectory, { now: NOW })).rejects.toMatchObject({
      code: 'PROXYDOC_ERR_CA_DIR',
      message: expect.stringContaining('--ca-dir'),
    });
  });
});
