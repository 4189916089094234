/**
 * GitLab's spam check refused the request. Per GitLab's REST API docs ("Requests detected as spam"): without a
 * CAPTCHA service it answers {"message":{"error":"Your snippet has been recognized as spam and has been discarded."}};
 * with one, {"needs_captcha_response":true,"spam_log_id":42,"captcha_site_key":"…",…} — solve the reCAPTCHA v2 with
 * the site key and resend the same request with the X-GitLab-Captcha-Response and X-GitLab-Spam-Log-Id headers.
 * GraphQL puts the same fields in errors[].extensions.
 */
import type { Finding } from '../../model/exchange';
import { hasHeader } from '../../model/headers';
import { bodyText } from '../../model/body';
import { splitRawUrl } from '../../model/url';
import { parseJsonLocated } from '../parsers/json-locate';
import type { Rule } from '../rule';

const SPAM_TEXT = /recogni[sz]ed as spam|detected as spam|spam detected/i;

interface SpamSignal {
  needsCaptcha: boolean;
  spamLogId?: number | string;
  hasSiteKey: boolean;
}

const MAX_SPAM_ANSWER_CHARS = 64 * 1024;

export const spamOrCaptcha: Rule = {
  id: 'spam-or-captcha',
  description: 'GitLab flagged the request as spam: the X-GitLab-Captcha-Response / X-GitLab-Spam-Log-Id retry path.',
  check(record) {
    const response = record.response;
    if (!response) return [];
    const text = bodyText(response.body);
    // GitLab's spam answers are short JSON (REST 400/409, or GraphQL errors in a 200): a large body is never one,
    // and scanning every big download for "spam" would tax healthy traffic.
    if (text === undefined || text.length > MAX_SPAM_ANSWER_CHARS) return [];
    const signal = spamSignal(text);
    const spamWords = SPAM_TEXT.exec(text)?.[0];
    if (!signal?.needsCaptcha && !(spamWords && response.status >= 400)) return [];
    const method = record.request.method.toUpperCase();
    const path = splitRawUrl(record.request.url)?.path || '/';
    const sentCaptcha = hasHeader(record.request.headers, 'x-gitlab-captcha-response');
    const sentLogId = hasHeader(record.request.headers, 'x-gitlab-spam-log-id');
    const evidence: string[] = [];
    if (signal?.needsCaptcha) evidence.push('needs_captcha_response: true');
    if (signal?.spamLogId !== undefined) evidence.push(`spam_log_id: ${signal.spamLogId}`);
    if (signal?.hasSiteKey) evidence.push('captcha_site_key present');
    if (spamWords) evidence.push(`the response says "${spamWords}"`);
    if (sentCaptcha) evidence.push('X-GitLab-Captcha-Response was sent');
    if (sentLogId) evidence.push('X-GitLab-Spam-Log-Id was sent');

    let explanation: string;
    let nextSteps: string[];
    if (signal?.needsCaptcha) {
      const logId = signal.spamLogId ?? '<spam_log_id>';
      explanation =
        sentCaptcha && sentLogId
          ? 'The request already carried a CAPTCHA response and spam log id, and GitLab still asks for one: the CAPTCHA token was likely rejected (expired, already used, or solved for another site key) or belongs to a different spam_log_id.'
          : `GitLab's spam check (Akismet or its spam-check service) flagged this ${method} as possible spam and did not carry it out. It accepts the same request again once a reCAPTCHA is solved: obtain a response token with the captcha_site_key, then resend with X-GitLab-Captcha-Response and X-GitLab-Spam-Log-Id: ${logId}.`;
      nextSteps = [
        'Solve the reCAPTCHA v2 for the captcha_site_key from the response to get a response token',
        `Resend the same request with the headers X-GitLab-Captcha-Response: <token> and X-GitLab-Spam-Log-Id: ${logId}`,
        'For automation, ask a GitLab administrator to review the spam log (mark it as not spam) or exempt the account',
      ];
    } else {
      explanation =
        `GitLab's spam check flagged this ${method} and discarded it; no CAPTCHA service is configured, so there is no retry path with a CAPTCHA. ` +
        'Changing the content (links, repeated text) or an administrator marking the spam log as not spam are the ways forward.';
      nextSteps = [
        'Change the content that looks like spam (many links, repeated text) and send it again',
        'Ask a GitLab administrator to review the spam log entry and allow the account',
      ];
    }
    const finding: Finding = {
      rule: 'spam-or-captcha',
      severity: 'error',
      summary: signal?.needsCaptcha
        ? `GitLab flagged the ${method} ${path} as possible spam and wants a CAPTCHA before accepting it.`
        : `GitLab rejected the ${method} ${path} as spam.`,
      explanation,
      evidence,
      nextSteps,
    };
    return [finding];
  },
};

/**
 * True when a response body is GitLab's spam check asking for a CAPTCHA (needs_captcha_response / spam_log_id).
 * GitLab sends it as 409 Conflict (SpammableActions::CaptchaCheck::RestApiActionsSupport), so `conflict` asks this
 * and leaves the explanation to spam-or-captcha.
 */
export function isSpamCheckAnswer(text: string | undefined): boolean {
  return text !== undefined && text.length <= MAX_SPAM_ANSWER_CHARS && spamSignal(text) !== undefined;
}

/** Reads GitLab's spam fields from a REST body or GraphQL errors[].extensions. */
function spamSignal(text: string): SpamSignal | undefined {
  if (!/captcha|spam/i.test(text)) return undefined;
  const parsed = parseJsonLocated(text.trim());
  if (!parsed.ok || parsed.value === null || typeof parsed.value !== 'object') return undefined;
  const candidates: unknown[] = [parsed.value];
  const errors = (parsed.value as Record<string, unknown>).errors;
  if (Array.isArray(errors)) {
    for (const error of errors) {
      if (error && typeof error === 'object') candidates.push((error as Record<string, unknown>).extensions);
    }
  }
  for (const candidate of candidates) {
    if (!candidate || typeof candidate !== 'object') continue;
    const fields = candidate as Record<string, unknown>;
    if (fields.needs_captcha_response === undefined && fields.spam_log_id === undefined) continue;
    const id = fields.spam_log_id;
    return {
      needsCaptcha: fields.needs_captcha_response === true,
      spamLogId: typeof id === 'number' || (typeof id === 'string' && /^\d+$/.test(id)) ? id : undefined,
      hasSiteKey: typeof fields.captcha_site_key === 'string' && fields.captcha_site_key !== '',
    };
  }
  return undefined;
}
