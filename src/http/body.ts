/**
 * Reading request bodies: at most `maxBytes` (413 beyond, even without a `Content-Length`),
 * JSON only (415 for another media type), parsed (400 when malformed) and validated against
 * the route's schema with ajv (400 with the schema errors).
 *
 * @module
 */
import { LimitError, ValidationError, type JsonSchema, type SchemaValidator } from '../core/index.js';

/** Reads at most `maxBytes` of `request`'s body as text. */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads, parses and validates a JSON body against `schema`; `what` names it in messages. */
export async function readJsonBody<T>(request: Request, schema: JsonSchema, validator: SchemaValidator, maxBytes: number): Promise<T> {
  const text = await readBodyText(request, maxBytes);
  const type = request.headers.get('content-type');
  if (text.trim() === '') throw new ValidationError('The request needs a JSON body', { code: 'KTS_ERR_MALFORMED_JSON' });
  if (type !== null && !/^application\/(?:[\w.+-]*\+)?json\b/i.test(type)) {
    throw new ValidationError(`The request body must be application/json, not ${type}`, { code: 'KTS_ERR_UNSUPPORTED_MEDIA_TYPE' });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new ValidationError(`The request body is not valid JSON: ${(cause as Error).message}`, { code: 'KTS_ERR_MALFORMED_JSON' });
  }
  return validator.validate<T>(schema, data, 'request body');
}

function tooLarge(maxBytes: number): LimitError {
  return new LimitError(`The request body is larger than ${maxBytes} bytes`, { code: 'KTS_ERR_BODY_TOO_LARGE', details: { maxBytes } });
}
