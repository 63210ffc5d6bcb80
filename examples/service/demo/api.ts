/**
 * A small client of the Karbor v1 API with `fetch`: JSON in and out, OpenStack fault envelopes
 * turned into errors that carry the server's message and error code, and polling of long work
 * (every long operation answers at once with a record whose status the client polls).
 */

/** A failed API call. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** A record as the API shows it (snake_case). */
export type ApiRecord = Record<string, any>;

/** The `progress` of a record. */
export interface ApiProgress {
  readonly resources_done: number;
  readonly resources_total: number;
  readonly bytes_done: number;
  readonly bytes_total: number;
  readonly percent: number;
}

/** A client bound to one project endpoint and one token. */
export interface KarborApiClient {
  /** Sends a request; resolves to the JSON body, rejects with {@link ApiError}. */
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<ApiRecord>;
  /**
   * Polls `GET path` until the record under `key` reaches a status of `final`, calling
   * `onProgress` with each answer; rejects after `timeoutMs`.
   */
  waitFor(path: string, key: string, final: readonly string[], onProgress?: (record: ApiRecord) => void, timeoutMs?: number): Promise<ApiRecord>;
}

/** A client of `endpoint` (`http://host:port/v1/<project>`) with `token`. */
export function createApiClient(endpoint: string, token: string): KarborApiClient {
  const call: KarborApiClient['call'] = async (method, path, body) => {
    let response: Response;
    try {
      response = await fetch(`${endpoint}${path}`, {
        method,
        headers: { 'X-Auth-Token': token, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ApiError(`Cannot reach the service at ${endpoint} (${cause}). Is it running? Start it with \`npm start\`.`, 0);
    }
    const text = await response.text();
    let parsed: ApiRecord = {};
    try {
      parsed = text === '' ? {} : (JSON.parse(text) as ApiRecord);
    } catch {
      parsed = { text };
    }
    if (!response.ok) {
      const fault = Object.values(parsed)[0] as { message?: string; error_code?: string } | undefined;
      throw new ApiError(`${method} ${path} answered ${response.status}: ${fault?.message ?? text}`, response.status, fault?.error_code);
    }
    return parsed;
  };
  return {
    call,
    async waitFor(path, key, final, onProgress, timeoutMs = 5 * 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const record = (await call('GET', path))[key] as ApiRecord;
        onProgress?.(record);
        if (final.includes(record['status'])) return record;
        if (Date.now() > deadline) throw new ApiError(`${path} is still ${record['status']} after ${timeoutMs / 1000} s`, 0);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  };
}
