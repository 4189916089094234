import { PRODUCTS } from '../../../src/diagnosis/knowledge/fingerprints';
import { ENCODED_PATH_FACTS, encodedPathFactsFor, hasKnownFix } from '../../../src/diagnosis/knowledge/encoded-paths';

const PRODUCT_IDS = [
  'apache', 'nginx', 'haproxy', 'envoy', 'traefik', 'tomcat', 'spring-security', 'iis', 'cloudflare', 'aws-api-gateway', 'aws-alb',
  'gitlab', 'jira', 'caddy', 'ingress-nginx',
];

describe('ENCODED_PATH_FACTS', () => {
  it('keeps all 17 researched records under the shared product ids', () => {
    expect(ENCODED_PATH_FACTS).toHaveLength(17);
    expect(new Set(ENCODED_PATH_FACTS.map((f) => f.product))).toEqual(new Set(PRODUCT_IDS));
  });

  it('uses only product ids from the shared registry (fingerprints.ts PRODUCTS)', () => {
    for (const fact of ENCODED_PATH_FACTS) expect(PRODUCTS[fact.product]).toBeDefined();
  });

  it('accepts the short ids spring and aws-apigw as aliases', () => {
    expect(encodedPathFactsFor('spring')[0].product).toBe('spring-security');
    expect(encodedPathFactsFor('aws-apigw')[0].product).toBe('aws-api-gateway');
  });

  it('gives every fact a source and a known confidence level', () => {
    for (const fact of ENCODED_PATH_FACTS) {
      expect(fact.source.length).toBeGreaterThan(0);
      expect(['confirmed', 'partially-confirmed', 'conflicting-sources', 'unconfirmed']).toContain(fact.confidence);
      expect(fact.productName.length).toBeGreaterThan(0);
    }
  });

  it('has Apache core, mod_proxy and mod_rewrite in that order, with the documented fixes', () => {
    const apache = encodedPathFactsFor('apache');
    expect(apache.map((f) => f.productName)).toEqual([
      'Apache httpd (core)',
      'Apache httpd mod_proxy (ProxyPass)',
      'Apache httpd mod_rewrite (2.4.60+)',
    ]);
    expect(apache[0].fix).toContain('AllowEncodedSlashes NoDecode');
    expect(apache[1].fix).toContain('nocanon');
  });

  it('carries the nginx proxy_pass advice and the Tomcat connector attribute', () => {
    expect(encodedPathFactsFor('nginx')[0].fix).toContain('proxy_pass without a URI part');
    expect(encodedPathFactsFor('tomcat')[0].fix).toContain('encodedSolidusHandling');
  });

  it('marks products the research could not cover as having no fix', () => {
    expect(hasKnownFix(encodedPathFactsFor('caddy')[0])).toBe(false);
    expect(hasKnownFix(encodedPathFactsFor('aws-alb')[0])).toBe(false);
    expect(hasKnownFix(encodedPathFactsFor('traefik')[0])).toBe(true);
    expect(encodedPathFactsFor('no-such-product')).toEqual([]);
  });
});
