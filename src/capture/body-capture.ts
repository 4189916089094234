/** Keeps the first `limit` bytes of a streamed body and counts all of it; the body itself streams on untouched. */
import type { CapturedBody } from '../model/exchange';
import { captureBody } from '../model/body';

export class BodyCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  size = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.kept >= this.limit) return;
    const room = this.limit - this.kept;
    // Keep a copy only of what fits; subarray shares memory with the stream's buffer, which is fine because
    // Node never reuses a chunk buffer once it has been emitted.
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }

  result(): CapturedBody {
    const truncated = this.size > this.kept;
    return captureBody(Buffer.concat(this.chunks, this.kept), this.size, truncated);
  }
}
