import { readFileSync } from 'fs';
import { join } from 'path';
import fc from 'fast-check';
import { TIMEOUTS, matchTimeouts, toleranceSeconds, describeTimeout } from '../../../src/diagnosis/knowledge/timeouts';
import { PRODUCTS } from '../../../src/diagnosis/knowledge/fingerprints';

interface KbTimeout { product: string; setting: string; default_s: number | null; source: string; confidence: string }
const kbPath = join(__dirname, '../../../../shared/kb/timeouts.json');

describe('TIMEOUTS', () => {
  it('has one entry per kb record with a default, with source and confidence verbatim', () => {
    expect(TIMEOUTS).toHaveLength(79); // 95 kb records, 16 without a default
    let kb: KbTimeout[];
    try {
      kb = JSON.parse(readFileSync(kbPath, 'utf8')) as KbTimeout[];
    } catch {
      return; // the kb lives outside the repo (../shared): compared only where it is checked out
    }
    const withDefault = kb.filter((record) => record.default_s !== null);
    expect(TIMEOUTS).toHaveLength(withDefault.length);
    withDefault.forEach((record, index) => {
      expect(TIMEOUTS[index].seconds).toBe(record.default_s);
      expect(TIMEOUTS[index].source).toBe(record.source);
      expect(TIMEOUTS[index].confidence).toBe(record.confidence);
    });
  });

  it('uses only registered product ids and classifies every outcome', () => {
    for (const fact of TIMEOUTS) {
      expect(PRODUCTS[fact.product]).toBeDefined();
      expect(fact.outcome.length).toBeGreaterThan(0);
    }
  });
});

describe('matchTimeouts', () => {
  const settings = (elapsed: number, options: Parameters<typeof matchTimeouts>[1]) =>
    matchTimeouts(elapsed, options).map((match) => `${match.fact.product} ${match.fact.setting}`);

  it('matches the 60 s cluster for a 504 after 60.1 s and puts the fingerprinted product first', () => {
    const found = settings(60.1, { outcome: 504, products: ['nginx'] });
    expect(found[0]).toBe('nginx proxy_read_timeout');
    expect(found).toContain('aws-alb idle timeout');
    expect(found).toContain('ingress-nginx proxy-read-timeout / proxy-send-timeout');
  });

  it('narrows to the ALB when the fingerprint says awselb', () => {
    expect(settings(60.4, { outcome: 504, products: ['aws-alb'] })[0]).toBe('aws-alb idle timeout');
  });

  it("knows Apache answers its 60 s timeout with 502, Heroku H12 with 503 at 30 s, Envoy's route timeout at 15 s", () => {
    expect(settings(60.0, { outcome: 502, products: ['apache'] })[0]).toBe('apache Timeout');
    expect(settings(30.2, { outcome: 503, products: ['heroku'] })[0]).toBe('heroku request timeout (H12)');
    expect(settings(15.05, { outcome: 504, products: ['envoy'] })[0]).toBe('envoy route timeout');
  });

  it('offers both conflicting Cloudflare read timeouts (100 s and 120 s) for a 524', () => {
    expect(matchTimeouts(100.3, { outcome: 524 }).map((m) => m.fact.seconds)).toEqual([100]);
    const at120 = matchTimeouts(120.9, { outcome: 524 });
    expect(at120[0].fact.confidence).toBe('conflicting-sources');
    expect(describeTimeout(at120[0].fact)).toBe('Cloudflare Proxy Read Timeout (120 s; sources disagree)');
  });

  it('matches multiples: CloudFront 3 × 10 s and Azure App Gateway v2 2 × 20 s', () => {
    expect(settings(30.4, { outcome: 502, products: ['aws-cloudfront'] })[0]).toBe('aws-cloudfront origin ConnectionTimeout × 3 attempts');
    expect(settings(40.3, { outcome: 504 })).toContain('azure-app-gateway backend requestTimeout × 2 attempts');
  });

  it('matches L4 idle timeouts for dropped connections with ±2 % on long ones', () => {
    expect(settings(355, { outcome: 'dropped' })).toContain('aws-nlb TCP idle timeout');
    expect(settings(240.5, { outcome: 'dropped' })).toContain('azure-lb idle timeout');
    expect(toleranceSeconds(350)).toBeCloseTo(7);
    expect(toleranceSeconds(15)).toBe(1);
  });

  it('includes user thresholds as candidates of any outcome, ranked first', () => {
    const found = matchTimeouts(45.2, { outcome: 504, userTimeouts: [{ name: 'corporate proxy', seconds: 45 }] });
    expect(found[0].fact.layer).toBe('user');
    expect(found[0].fact.productName).toBe('corporate proxy');
    expect(found[0].deltaSeconds).toBeCloseTo(0.2);
  });

  it('stays silent on near misses', () => {
    expect(matchTimeouts(58.5, { outcome: 504 })).toEqual([]); // 1.5 s early: outside ±1.2 s
    expect(matchTimeouts(7, { outcome: 504 })).toEqual([]);
    expect(settings(60.1, { outcome: 503 })).not.toContain('nginx proxy_read_timeout'); // nginx says 504, not 503
    expect(matchTimeouts(Number.NaN, {})).toEqual([]);
    expect(matchTimeouts(-3, {})).toEqual([]);
  });

  it('never throws and only returns matches within tolerance', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: false }), fc.oneof(fc.constant(undefined), fc.integer({ min: 100, max: 599 })), (elapsed, outcome) => {
        for (const match of matchTimeouts(elapsed, { outcome })) {
          expect(Math.abs(match.deltaSeconds)).toBeLessThanOrEqual(toleranceSeconds(match.fact.seconds) + 0.001);
        }
      }),
    );
  });
});
