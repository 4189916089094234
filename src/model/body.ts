/** Reading captured bodies. Pure. */
import type { CapturedBody } from './exchange';

/** The captured bytes of a body (the prefix only, when truncated). */
export function bodyBytes(body: CapturedBody | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  if (body.text !== undefined) return Buffer.from(body.text, 'utf8');
  if (body.base64 !== undefined) return Buffer.from(body.base64, 'base64');
  return Buffer.alloc(0);
}

/**
 * The captured body as text when it was captured as text (valid UTF-8), else undefined.
 * Rules that parse JSON or forms use this; binary bodies are never guessed at.
 */
export function bodyText(body: CapturedBody | undefined): string | undefined {
  return body?.text;
}

/** A body as the record stores it: UTF-8 text when the bytes are valid UTF-8, base64 otherwise. */
export function captureBody(prefix: Buffer, size: number, truncated: boolean): CapturedBody {
  if (size === 0) return { size: 0, truncated: false };
  // A prefix cut in the middle of a multi-byte character is still text: drop the partial tail only.
  const text = decodeUtf8(truncated ? trimPartialUtf8(prefix) : prefix);
  return text !== undefined ? { size, text, truncated } : { size, base64: prefix.toString('base64'), truncated };
}

// ignoreBOM keeps a leading byte-order mark in the text: dropping it would make text and size disagree by 3 bytes.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    const text = strictUtf8.decode(bytes);
    // NUL bytes mean binary in practice even when they are technically valid UTF-8.
    return text.includes('\u0000') ? undefined : text;
  } catch {
    return undefined;
  }
}

/** Drops an incomplete UTF-8 sequence at the end of a truncated prefix. */
function trimPartialUtf8(bytes: Buffer): Buffer {
  let end = bytes.length;
  // Walk back at most 3 continuation bytes to the lead byte of the last character.
  for (let back = 1; back <= 4 && end - back >= 0; back++) {
    const byte = bytes[end - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.subarray(0, end - back) : bytes;
  }
  return bytes;
}
