/**
 * JSON.parse that remembers its last few answers. Several rules read the same body of one record (oauth-error,
 * validation-failed, not-found, the responder…), and a body can be up to the capture limit (1 MiB): parsing it once
 * per record instead of once per rule keeps diagnosis well under a millisecond. Pure; parsed values are shared, so
 * callers must treat them as read-only.
 */

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; message: string };

/** Texts shorter than this parse faster than a cache lookup pays for. */
const WORTH_CACHING = 512;
const REMEMBERED = 8;
const recent: Array<{ text: string; result: JsonParseResult }> = [];

export function parseJsonCached(text: string): JsonParseResult {
  if (text.length >= WORTH_CACHING) {
    // Identical strings are usually the very same string object, which `===` recognises at once.
    for (const entry of recent) if (entry.text === text) return entry.result;
  }
  let result: JsonParseResult;
  try {
    result = { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    result = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  if (text.length >= WORTH_CACHING) {
    recent.unshift({ text, result });
    if (recent.length > REMEMBERED) recent.pop();
  }
  return result;
}

/** The parsed value when `text` is a JSON object, else undefined. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const parsed = parseJsonCached(text);
  if (!parsed.ok) return undefined;
  const value = parsed.value;
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
