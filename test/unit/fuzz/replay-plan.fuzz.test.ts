/**
 * Replay planning: any URL, method and edits give a request or a refusal (never an exception); the raw target of an
 * absolute URL is split without normalising it; an unedited replay sends what went upstream the first time (the same
 * request the exports reproduce); edited headers never smuggle a line break in.
 */
import fc from 'fast-check';
import { wireRequest } from '../../../src/export/raw';
import { bodyBytes } from '../../../src/model/body';
import { planReplay, replayTarget, type ReplayEdits } from '../../../src/replay/plan';
import { makeExchange } from '../../helpers/make-exchange';
import { anyText, fromPieces } from './arbitraries';

const urlPieces = ['http://', 'https://', 'HTTP://', 'ws://', 'user:pw@', '@', 'h', 'example.com', ':8080', ':', '[::1]', '/', '//', '%2F', '..', '?', '#', 'a=b', ' ', '\n', 'é'];
const anyUrl = fc.oneof(anyText(40), fromPieces(urlPieces, 10));

describe('replayTarget', () => {
  it('never throws, and splits an absolute URL without normalising it', () => {
    fc.assert(
      fc.property(anyUrl, fc.constantFrom('GET', 'OPTIONS', 'POST'), (url, method) => {
        const target = replayTarget({ method, url });
        if (!target) return;
        expect(['http', 'https']).toContain(target.scheme);
        expect(target.host).not.toBe('');
        expect(target.authority).not.toContain('@');
        expect(target.path === '*' || target.path.startsWith('/')).toBe(true);
        expect(target.path).not.toContain('#');
        // Nothing decoded or normalised: the authority and the path are pieces of the URL as written.
        const withoutFragment = url.replace(/#.*$/s, '');
        expect(withoutFragment.toLowerCase().startsWith(`${target.scheme}://`)).toBe(true);
        expect(withoutFragment).toContain(target.authority);
        const path = target.path === '*' ? '' : target.path;
        expect(withoutFragment.endsWith(path) || (path.startsWith('/') && withoutFragment.endsWith(path.slice(1)))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe('planReplay', () => {
  const header = fc.tuple(fc.oneof(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/), anyText(8)), anyText(16));
  const record = fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'CONNECT'),
      url: fc.oneof(fc.webUrl({ withFragments: true, withQueryParameters: true }), anyUrl),
      headers: fc.array(fc.tuple(fc.constantFrom('Host', 'Content-Length', 'Transfer-Encoding', 'Connection', 'Proxy-Authorization', 'X-A', 'Keep-Alive', 'TE', 'x-b'), anyText(12)), { maxLength: 6 }),
      body: fc.option(fc.oneof(anyText(20), fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b))), { nil: undefined }),
    })
    .map(({ method, url, headers, body }) => makeExchange({ request: { method, url, headers, body } }));
  const edits: fc.Arbitrary<ReplayEdits> = fc.record(
    {
      setHeaders: fc.array(header, { maxLength: 3 }),
      removeHeaders: fc.array(fc.oneof(fc.constantFrom('host', 'content-length', 'x-a'), anyText(6)), { maxLength: 2 }),
      method: fc.oneof(fc.constantFrom('GET', 'POST', 'patch'), anyText(6)),
      url: anyUrl,
      body: fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b)),
    },
    { requiredKeys: [] },
  );

  it('never throws on any record and edits, and never lets a line break or NUL into an edited header', () => {
    fc.assert(
      fc.property(record, edits, (rec, edit) => {
        const plan = planReplay(rec, edit);
        if ('refusal' in plan) {
          expect(typeof plan.refusal).toBe('string');
          return;
        }
        const { request } = plan;
        expect(request.method).toMatch(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/);
        for (const [name, value] of edit.setHeaders ?? []) {
          expect(name).toMatch(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/);
          expect(value).not.toMatch(/[\r\n\0]/);
        }
        if (edit.body !== undefined) {
          expect(request.body.equals(edit.body)).toBe(true);
          const setLength = (edit.setHeaders ?? []).some(([n]) => n.toLowerCase() === 'content-length');
          const lengths = request.headers.filter(([n]) => n.toLowerCase() === 'content-length');
          if (!setLength) for (const [, v] of lengths) expect(v).toBe(String(edit.body.length));
        }
        for (const removed of edit.removeHeaders ?? []) {
          if (!(edit.setHeaders ?? []).some(([n]) => n.toLowerCase() === removed.toLowerCase()) && removed.toLowerCase() !== 'content-length') {
            expect(request.headers.some(([n]) => n.toLowerCase() === removed.toLowerCase())).toBe(false);
          }
        }
      }),
      { numRuns: 250 },
    );
  });

  it('replays an unedited request exactly as it went upstream (what the exports reproduce)', () => {
    fc.assert(
      fc.property(record, (rec) => {
        const plan = planReplay(rec, {});
        const wire = wireRequest(rec);
        if ('refusal' in plan || 'unsupported' in wire) return;
        expect(plan.request.method).toBe(wire.method);
        expect(plan.request.url).toBe(rec.request.url);
        expect(plan.request.headers).toEqual(wire.headers);
        expect(plan.request.body.equals(bodyBytes(rec.request.body))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
