import { isJsonContentType } from '../core/content-type';
import { ParseError } from '../core/errors';
import type { ApiRequest, ResponseType } from '../core/request';

function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mime = contentType.split(';', 1)[0].trim().toLowerCase();
  return mime.startsWith('text/') || mime === 'application/xml' || mime.endsWith('+xml') || mime === 'application/javascript';
}

/** Which reader to use before the body arrives: text (JSON is parsed from text, so a ParseError can carry it) or binary. */
export function bodyReader(responseType: ResponseType, contentType: string | undefined): 'text' | 'arraybuffer' {
  if (responseType === 'arraybuffer') return 'arraybuffer';
  if (responseType === 'json' || responseType === 'text') return 'text';
  return isJsonContentType(contentType) || isTextContentType(contentType) || !contentType ? 'text' : 'arraybuffer';
}

/** Statuses that have no body by definition (RFC 9110 §6.4.1); a HEAD response has none either. */
export function hasNoBody(req: Pick<ApiRequest, 'method'>, status: number): boolean {
  return req.method === 'HEAD' || status === 204 || status === 205 || status === 304;
}

/**
 * Turns the raw text of a success response into its value. A body that does not match what was
 * expected is an error, never a silent success: an HTML captive-portal page where JSON was
 * expected, an empty 200 that declares JSON, malformed JSON.
 */
export function decodeTextBody(req: ApiRequest, text: string, contentType: string | undefined): unknown {
  const wantsJson = req.responseType === 'json' || (req.responseType === 'auto' && isJsonContentType(contentType));
  if (req.responseType === 'text' || (!wantsJson && req.responseType === 'auto')) {
    return req.responseType === 'auto' && !contentType && text === '' ? null : text;
  }
  if (contentType && !isJsonContentType(contentType)) {
    throw new ParseError(req, text, contentType, `expected JSON, got ${contentType.split(';', 1)[0]}`);
  }
  // `trim()` copies the whole body; only a body that starts with whitespace needs it.
  if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) {
    // Only a body that *declares* JSON and has none is wrong; an undeclared empty body is "no content".
    if (!contentType) return null;
    throw new ParseError(req, text, contentType, 'empty body where JSON was expected');
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ParseError(req, text, contentType, 'malformed JSON', { cause });
  }
}

/** Error bodies are informative, not contractual: parse JSON when it is JSON, else keep the text. */
export function decodeErrorBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return null;
  if (isJsonContentType(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
