/**
 * `proxydoc show` as a user runs it: the built CLI in a subprocess, reading records that real curl traffic through
 * the real proxy wrote.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExchangeRecord } from '../../src/model/exchange';
import { maskSecret } from '../../src/log/redact';
import { runBin } from '../helpers/cli';
import { curl, startHarness, type Harness } from '../helpers/proxy-harness';
import { closedPort, makeUpstreamCa, startHttpServer, startHttpsServer, type Closable } from '../helpers/servers';

const API_TOKEN = 'glpat-Zq8vN3xK7pL2mR9tW4yB';
const BEARER = 'sk-live-4f9a2c7e1b8d6035aa91c4e7';

describe('proxydoc show (built CLI, records from the real proxy)', () => {
  let harness: Harness;
  let upstreamCa: Awaited<ReturnType<typeof makeUpstreamCa>>;
  const servers: Closable[] = [];
  let json: ExchangeRecord;
  let binary: ExchangeRecord;
  let secure: ExchangeRecord;
  let refused: ExchangeRecord;
  let securePort: number;
  let deadPort: number;

  /** Sends one request with curl and resolves with the record it produced. */
  async function exchange(args: string[]): Promise<ExchangeRecord> {
    const before = harness.seen.length;
    await curl(harness, args);
    const records = await harness.records(before + 1);
    return records[before];
  }

  const show = (args: string[], env: NodeJS.ProcessEnv = {}) => runBin(['show', ...args, '--log-dir', harness.config.logDir], { env });

  beforeAll(async () => {
    upstreamCa = await makeUpstreamCa();
    harness = await startHarness({ upstreamCa: [upstreamCa.caPath] });
    const plain = await startHttpServer((req, res) => {
      if (req.url === '/bytes') {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.end(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"id":42,"name":"widget","tags":["a","b"]}');
    });
    servers.push(plain);
    const https = await startHttpsServer(upstreamCa.leaves, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('secure hello\n');
    });
    servers.push(https);
    securePort = https.port;
    deadPort = await closedPort();

    json = await exchange([`${plain.url}/items/42`]);
    binary = await exchange(['-o', '/dev/null', `${plain.url}/bytes`]);
    secure = await exchange(['-H', `Authorization: Bearer ${BEARER}`, '-H', `PRIVATE-TOKEN: ${API_TOKEN}`, `https://127.0.0.1:${securePort}/secure`]);
    refused = await exchange([`http://127.0.0.1:${deadPort}/down`]);
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    await harness.close();
    upstreamCa.cleanup();
  });

  test('show last prints the failed exchange: transport error, no response, and the finding in full', async () => {
    const result = await show(['last']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^#${refused.seq} GET http://127\\.0\\.0\\.1:${deadPort}/down ✖ refused ECONNREFUSED  \\d+ ms$`));
    expect(lines).toContain('Response  none: the exchange failed first (see Transport error)');
    expect(lines).toContain('Transport error  refused ECONNREFUSED, while connecting to the upstream');
    expect(lines).toContain(`  ${refused.error?.message}`);
    expect(lines).toContain('Findings');
    expect(result.stdout).toMatch(/\n {2}✖ upstream-connection-refused \(error\) {2}\S/);
    expect(lines).toContain(`      - ECONNREFUSED from 127.0.0.1:${deadPort}`);
    expect(lines).toContain(`      - reproduce: proxydoc export ${refused.seq} --format curl`);
  });

  test('show SEQ reindents a JSON response', async () => {
    const result = await show([String(json.seq)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      [
        '  body  42 B · JSON, reindented',
        '    {',
        '      "id": 42,',
        '      "name": "widget",',
        '      "tags": [',
        '        "a",',
        '        "b"',
        '      ]',
        '    }',
      ].join('\n'),
    );
    expect(result.stdout).toMatch(/\n {2}Content-Type: application\/json\n/);
    expect(result.stdout).toContain(`Request  GET /items/42 HTTP/1.1\n  Host: 127.0.0.1:`);
  });

  test('show ID-PREFIX hex-dumps a binary response, and --body-limit cuts it with a note', async () => {
    const others = harness.seen.filter((record) => record.id !== binary.id);
    let prefix = binary.id.slice(0, 4);
    while (others.some((record) => record.id.startsWith(prefix))) prefix = binary.id.slice(0, prefix.length + 1);
    expect(prefix.length).toBeLessThan(binary.id.length);
    const result = await show([prefix]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const dumpStart = lines.indexOf('  body  256 B · binary, hex dump');
    expect(dumpStart).toBeGreaterThan(0);
    expect(lines.slice(dumpStart + 1, dumpStart + 17)).toEqual(
      Array.from({ length: 16 }, (_, row) => {
        const bytes = Array.from({ length: 16 }, (_, i) => row * 16 + i);
        const hex = Array.from({ length: 8 }, (_, g) => bytes.slice(g * 2, g * 2 + 2).map((b) => b.toString(16).padStart(2, '0')).join('')).join(' ');
        const ascii = bytes.map((b) => (b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.')).join('');
        return `    ${(row * 16).toString(16).padStart(8, '0')}: ${hex}  ${ascii}`;
      }),
    );
    expect(lines[dumpStart + 3]).toBe('    00000020: 2021 2223 2425 2627 2829 2a2b 2c2d 2e2f   !"#$%&\'()*+,-./');

    const cut = await show([`#${binary.seq}`, '--body-limit', '16']);
    expect(cut.stdout).toContain(
      ['  body  256 B · binary, hex dump', '    00000000: 0001 0203 0405 0607 0809 0a0b 0c0d 0e0f  ................', '    … 16 B of 256 B shown; a larger --body-limit shows more'].join('\n'),
    );
  });

  test('an HTTPS exchange shows TLS and the upstream address, with credentials masked unless --include-secrets', async () => {
    const result = await show([String(secure.seq)]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(new RegExp(`^#${secure.seq} GET https://127\\.0\\.0\\.1:${securePort}/secure → 200 OK  \\d+ ms$`));
    // Intercepted HTTPS opens the upstream connection during the client's handshake (Upstream.preconnect).
    expect(result.stdout).toMatch(new RegExp(`\\n {2}connection {2}new, opened ahead during the client's TLS handshake · 127\\.0\\.0\\.1:${securePort} · TLSv1\\.[23]\\n`));
    expect(result.stdout).toMatch(/\n {2}tls +\d+(\.\d)? ms {2}\(ahead, during the client handshake\)\n/);
    expect(result.stdout).toContain('  body  13 B\n    secure hello\n');
    expect(result.stdout).toContain(`  Authorization: Bearer ${maskSecret(BEARER)}`);
    expect(result.stdout).toContain(`  PRIVATE-TOKEN: ${maskSecret(API_TOKEN)}`);
    for (const secret of [BEARER, API_TOKEN]) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stderr).not.toContain(secret);
    }

    const json = await show([String(secure.seq), '--json']);
    expect(json.stdout).not.toContain(BEARER);
    expect(json.stdout).not.toContain(API_TOKEN);

    const revealed = await show([String(secure.seq), '--include-secrets']);
    expect(revealed.stdout).toContain(`  Authorization: Bearer ${BEARER}`);
    expect(revealed.stdout).toContain(`  PRIVATE-TOKEN: ${API_TOKEN}`);
  });

  test('--json prints the record as JSON: one object, or an array for several IDs', async () => {
    const one = await show([String(secure.seq), '--json']);
    expect(one.code).toBe(0);
    const parsed = JSON.parse(one.stdout) as ExchangeRecord;
    expect(parsed.id).toBe(secure.id);
    expect(parsed.response?.status).toBe(200);
    expect(parsed.request.headers).toContainEqual(['Authorization', `Bearer ${maskSecret(BEARER)}`]);

    const withSecrets = JSON.parse((await show([String(secure.seq), '--json', '--include-secrets'])).stdout) as ExchangeRecord;
    expect(withSecrets).toEqual(harness.readJsonl().find((record) => record.id === secure.id));

    const several = JSON.parse((await show([String(json.seq), 'last', '--json'])).stdout) as ExchangeRecord[];
    expect(several.map((record) => record.seq)).toEqual([json.seq, refused.seq]);
  });

  test('several IDs are printed in the order given, separated by a rule', async () => {
    const result = await show([String(secure.seq), String(json.seq)]);
    expect(result.code).toBe(0);
    const chunks = result.stdout.split(`\n\n${'─'.repeat(72)}\n\n`);
    expect(chunks).toHaveLength(2);
    expect(chunks[0].startsWith(`#${secure.seq} GET https://`)).toBe(true);
    expect(chunks[1].startsWith(`#${json.seq} GET http://`)).toBe(true);
  });

  test('start times are local by default and UTC with --utc', async () => {
    const started = new Date(json.startedAt);
    const inKolkata = new Date(started.getTime() + 330 * 60_000); // UTC+05:30, no daylight saving time
    const stamp = (date: Date): string => date.toISOString().replace('T', ' ').replace('Z', '');
    const local = await show([String(json.seq)], { TZ: 'Asia/Kolkata' });
    expect(local.stdout).toContain(`  started     ${stamp(inKolkata)} +05:30\n`);
    const utc = await show([String(json.seq), '--utc'], { TZ: 'Asia/Kolkata' });
    expect(utc.stdout).toContain(`  started     ${stamp(started)} UTC\n`);
  });

  test('an unknown ID is one line on stderr, exit 1, and nothing printed', async () => {
    const result = await show([String(json.seq), '999']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`proxydoc: no record #999 in ${path.join(harness.config.logDir, 'exchanges.jsonl')} (it has #${json.seq}–#${refused.seq})\n`);
  });

  test('usage errors are one line, exit 2', async () => {
    const noId = await show([]);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toBe('proxydoc: give the exchange to show: a seq number (17), an id, or last; see proxydoc show --help\n');
    const badLimit = await show(['last', '--body-limit', 'lots']);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr.trim().split('\n')).toHaveLength(1);
    expect(badLimit.stderr).toContain('--body-limit "lots" is not a size');
  });

  test('no records file is one line naming it and the fix, exit 1', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-show-'));
    try {
      const result = await runBin(['show', 'last', '--log-dir', empty]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `proxydoc: no records: ${path.join(empty, 'exchanges.jsonl')} does not exist; run \`proxydoc start\` (and send traffic through it) or pass --log-dir\n`,
      );
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  test('--help reads like a man page', async () => {
    const result = await runBin(['show', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^proxydoc show ID\.\.\. \[options\]\n\nPrints recorded exchanges in full/);
    for (const option of ['--include-secrets', '--json', '--body-limit', '--utc', '--no-color', '--log-dir', '--config']) expect(result.stdout).toContain(option);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('Exit status:');
  });
});
