/**
 * One exchange while it is in flight: what has been seen so far and when. `finish()` turns it into the record
 * exactly once, whichever way the exchange ended (response complete, upstream failure, client gone).
 */
import type * as http from 'node:http';
import type * as net from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ExchangeRecord, HeaderPairs, TransportError, TunnelInfo, UpstreamInfo } from '../model/exchange';
import { RECORD_VERSION } from '../model/exchange';
import { pairsFromRaw } from '../model/headers';
import { phasesFromMarks, type TimingMarks } from '../model/timing';
import { maskProxyAuthorization, type Refusal } from './access';
import { BodyCapture } from './body-capture';
import type { Clock } from './clock';
import type { Recorder } from './recorder';
import { takePreconnectState } from './upstream';

export interface CaptureEnv {
  recorder: Recorder;
  clock: Clock;
  maxBodyCapture: number;
}

export interface ExchangeStart {
  clientAddress: string;
  method: string;
  url: string;
  httpVersion: string;
  headers: HeaderPairs;
  replayOf?: string | null;
}

export class PendingExchange {
  readonly seq: number;
  readonly startEpochMs: number;
  readonly marks: TimingMarks;
  readonly requestBody: BodyCapture;
  readonly responseBody: BodyCapture;
  response?: { status: number; statusText: string; httpVersion: string; headers: HeaderPairs };
  trailers?: HeaderPairs;
  upstream?: UpstreamInfo;
  tunnel: false | TunnelInfo = false;
  error?: TransportError;
  private record?: ExchangeRecord;
  private readonly start: ExchangeStart;

  constructor(
    private readonly env: CaptureEnv,
    start: ExchangeStart,
  ) {
    // Proxy-Authorization is proxydoc's own credential (or another proxy's), never the app's: not kept in records.
    this.start = { ...start, headers: maskProxyAuthorization(start.headers) };
    this.seq = env.recorder.nextSeq();
    this.startEpochMs = env.clock.epochMs();
    this.marks = { start: env.clock.monotonicMs(), end: 0 };
    this.requestBody = new BodyCapture(env.maxBodyCapture);
    this.responseBody = new BodyCapture(env.maxBodyCapture);
  }

  get finished(): boolean {
    return this.record !== undefined;
  }

  now(): number {
    return this.env.clock.monotonicMs();
  }

  setResponse(message: http.IncomingMessage): void {
    this.marks.firstByte = this.now();
    this.response = {
      status: message.statusCode ?? 0,
      statusText: message.statusMessage ?? '',
      httpVersion: message.httpVersion,
      headers: pairsFromRaw(message.rawHeaders),
    };
  }

  /**
   * proxydoc answered the client itself (407, 403): the record keeps that answer, and an error of kind
   * proxydoc-refused saying why, so the log shows why the app failed and no rule mistakes it for the upstream's.
   */
  refuse(refusal: Refusal): void {
    this.marks.firstByte = this.now();
    this.response = { status: refusal.status, statusText: refusal.statusText, httpVersion: '1.1', headers: refusal.headers };
    this.responseBody.push(Buffer.from(refusal.body, 'utf8'));
    this.fail({ kind: 'proxydoc-refused', code: refusal.code, message: refusal.message, stage: 'request' });
  }

  /** The first failure wins: later ones are consequences of it. */
  fail(error: TransportError): void {
    if (!this.error) this.error = error;
  }

  /**
   * Follows the upstream socket's life for the phase marks. Sockets reused from the keep-alive pool have no
   * dns/connect/tls of their own (got's model), so nothing is marked for them.
   */
  observeUpstreamSocket(socket: net.Socket, reused: boolean, viaProxy: string | undefined, onReady: () => void): void {
    this.marks.socket = this.now();
    this.upstream = { reusedConnection: reused, ...(viaProxy ? { viaProxy } : {}) };
    const tlsSocket = 'encrypted' in socket ? (socket as TLSSocket) : undefined;
    const describe = (): void => {
      if (!this.upstream) return;
      if (socket.remoteAddress) {
        const host = socket.remoteAddress.includes(':') ? `[${socket.remoteAddress}]` : socket.remoteAddress;
        this.upstream.address = `${host}:${socket.remotePort}`;
      }
      const protocol = tlsSocket?.getProtocol?.();
      if (protocol) this.upstream.tls = protocol;
    };
    // A connection opened ahead (Upstream.preconnect) made its dns/connect/tls while the client was still
    // handshaking with proxydoc: the record keeps how long they took (they tell about the upstream), though this
    // exchange did not wait for all of them. Once its handshakes are done it is ready like a pooled one.
    const early = reused ? undefined : takePreconnectState(socket);
    if (early) {
      Object.assign(this.marks, early.marks);
      this.upstream.openedAhead = true;
    }
    if (reused || early?.secured) {
      describe();
      onReady();
      return;
    }
    socket.once('lookup', () => (this.marks.lookup = this.now()));
    if (tlsSocket) {
      socket.once('connect', () => (this.marks.connect = this.now()));
      socket.once('secureConnect', () => {
        this.marks.secureConnect = this.now();
        describe();
        onReady();
      });
    } else if (socket.connecting) {
      socket.once('connect', () => {
        this.marks.connect = this.now();
        describe();
        onReady();
      });
    } else {
      describe();
      onReady();
    }
  }

  finish(): ExchangeRecord | undefined {
    if (this.record) return undefined;
    this.marks.end = this.now();
    const record: ExchangeRecord = {
      v: RECORD_VERSION,
      id: this.env.recorder.newId(this.startEpochMs, this.seq),
      seq: this.seq,
      startedAt: new Date(this.startEpochMs).toISOString(),
      client: { address: this.start.clientAddress },
      request: {
        method: this.start.method,
        url: this.start.url,
        httpVersion: this.start.httpVersion,
        headers: this.start.headers,
        body: this.requestBody.result(),
      },
      phases: phasesFromMarks(this.marks),
      tunnel: this.tunnel,
      replayOf: this.start.replayOf ?? null,
      findings: [],
    };
    if (this.response) {
      record.response = { ...this.response, body: this.responseBody.result() };
      if (this.trailers && this.trailers.length > 0) record.response.trailers = this.trailers;
    }
    if (this.error) record.error = this.error;
    if (this.upstream) record.upstream = this.upstream;
    this.record = record;
    return this.env.recorder.finish(record);
  }
}
