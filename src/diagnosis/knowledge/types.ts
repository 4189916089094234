/**
 * Shapes of proxydoc's knowledge tables (built from ../shared/kb; every fact keeps its source).
 * Implemented in timeouts.ts, fingerprints.ts, responder.ts and encoded-paths.ts beside this file.
 */
import type { RecordedResponse } from '../../model/exchange';

export type Confidence = 'confirmed' | 'partially-confirmed' | 'conflicting-sources' | 'unconfirmed';

export interface Sourced {
  /** Where the fact comes from (copied from the kb record). */
  source: string;
  confidence: Confidence;
}

/** A default timeout of a proxy, load balancer, gateway, app server or client. */
export interface TimeoutFact extends Sourced {
  /** Stable short id of the product, shared with fingerprints: 'nginx', 'apache', 'aws-alb', 'envoy', … */
  product: string;
  /** Human name, e.g. "nginx". */
  productName: string;
  /** The setting, e.g. "proxy_read_timeout". */
  setting: string;
  seconds: number;
  /** What the caller sees when it trips: the statuses (e.g. [504]) and/or 'dropped' (connection closed/reset). */
  outcome: Array<number | 'dropped'>;
  /** Who owns the timer; 'user' for a threshold from the config file (`timeouts: [{ name, seconds }]`). */
  layer: 'proxy' | 'load-balancer' | 'gateway' | 'cdn' | 'platform' | 'app-server' | 'client' | 'user';
}

export interface TimeoutMatch {
  fact: TimeoutFact;
  /** elapsed − expected, in seconds (negative = a little early). */
  deltaSeconds: number;
}

/** Who produced a response, guessed from headers and body. */
export interface Responder {
  /** Same product ids as TimeoutFact.product. */
  product: string;
  productName: string;
  /** What matched, e.g. ["Server: nginx/1.24.0", "body is nginx's 504 page"]. */
  evidence: string[];
  /** 'certain' when a product-specific body signature matched, 'likely' when only a header did. */
  strength: 'certain' | 'likely';
  /** True when the product is an intermediary (proxy, LB, CDN, gateway), false for an application/API. */
  intermediary: boolean;
}

export type IdentifyResponder = (response: RecordedResponse) => Responder | undefined;

/** What an intermediary does with encoded slashes and friends, and how to fix it. */
export interface EncodedPathFact extends Sourced {
  product: string;
  productName: string;
  defaultBehaviour: string;
  symptom: string;
  fix: string;
}
