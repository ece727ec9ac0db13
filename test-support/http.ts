// The one HTTP client of the tests that talk to a real listening process (a spawned gateway,
// the shop): JSON in, the status and parsed JSON out, nothing asserted.

/** A parsed JSON answer; its shape is what the tests assert. */
// biome-ignore lint/suspicious/noExplicitAny: the tests assert the shape, the type would only repeat it.
export type Json = any;

export interface JsonAnswer {
  status: number;
  body: Json;
}

/** Sends `body` (if any) as JSON to `base + path` and parses the answer as JSON. */
export async function requestJson(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<JsonAnswer> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/** A client bound to one base URL. */
export function jsonClient(base: string) {
  return {
    get: (path: string) => requestJson(base, 'GET', path),
    post: (path: string, body?: unknown) => requestJson(base, 'POST', path, body),
  };
}
