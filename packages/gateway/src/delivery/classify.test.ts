// Every way an attempt can end, named without a network. Errors are built in the shapes
// Node and undici produce: fetch() rejects with TypeError('fetch failed') whose `cause`
// holds the socket error, and happy-eyeballs connects wrap their failures in an AggregateError.
import { describe, expect, it } from 'vitest';
import { classifyAnswer, classifyError } from './classify.js';

/** An Error with a Node-style `code`, optionally caused by another. */
function codeError(code: string, message = code, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as Error & { code: string };
  error.code = code;
  return error;
}

const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });

describe('classifyAnswer', () => {
  it('counts 200 + {"code":"SUCCESS"} as delivered', () => {
    expect(classifyAnswer(200, '{"code":"SUCCESS"}')).toEqual({
      success: true,
      statusCode: 200,
      errorClass: null,
      errorMessage: null,
    });
  });

  it('names a bad status, keeping the status code', () => {
    expect(classifyAnswer(302, '')).toEqual({
      success: false,
      statusCode: 302,
      errorClass: 'bad_status',
      errorMessage: 'answered HTTP 302; only 200 counts',
    });
  });

  it('names a body that is not JSON', () => {
    expect(classifyAnswer(200, '<html>ok</html>')).toMatchObject({
      success: false,
      statusCode: 200,
      errorClass: 'not_json',
    });
  });

  it('names a wrong code, including lower-case "success"', () => {
    expect(classifyAnswer(200, '{"code":"success"}')).toMatchObject({
      success: false,
      errorClass: 'wrong_code',
      errorMessage: 'answered JSON whose code is not exactly "SUCCESS"',
    });
  });
});

describe('classifyError', () => {
  it('finds ECONNREFUSED inside an AggregateError `errors` array', () => {
    const aggregate = new AggregateError(
      [
        codeError('ECONNREFUSED', 'connect ECONNREFUSED ::1:9'),
        codeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'),
      ],
      '',
    );
    expect(classifyError(fetchFailed(aggregate))).toEqual({
      success: false,
      statusCode: null,
      errorClass: 'connect_refused',
      errorMessage: 'connection refused',
    });
  });

  it('finds ECONNREFUSED in `cause`', () => {
    expect(classifyError(fetchFailed(codeError('ECONNREFUSED'))).errorClass).toBe('connect_refused');
  });

  it('finds ECONNREFUSED on the error itself', () => {
    expect(classifyError(codeError('ECONNREFUSED')).errorClass).toBe('connect_refused');
  });

  it.each(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL'])('classes %s as dns', (code) => {
    const outcome = classifyError(fetchFailed(codeError(code, `getaddrinfo ${code} shop.example`)));
    expect(outcome.errorClass).toBe('dns');
    expect(outcome.errorMessage).toContain(code);
  });

  it.each(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])('classes %s as reset', (code) => {
    expect(classifyError(fetchFailed(codeError(code, 'other side closed')))).toMatchObject({
      errorClass: 'reset',
      errorMessage: 'connection reset before a complete answer',
    });
  });

  it('classes a DOMException-like TimeoutError (AbortSignal.timeout) as timeout', () => {
    // fetch() rejects with the signal's reason itself, which is not an Error subclass in all runtimes.
    expect(classifyError({ name: 'TimeoutError', message: 'The operation was aborted due to timeout' })).toEqual({
      success: false,
      statusCode: null,
      errorClass: 'timeout',
      errorMessage: 'no complete answer before the attempt timeout',
    });
  });

  it('classes a real DOMException TimeoutError as timeout', () => {
    expect(classifyError(new DOMException('timed out', 'TimeoutError')).errorClass).toBe('timeout');
  });

  it.each(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])(
    'classes %s as timeout',
    (code) => {
      expect(classifyError(fetchFailed(codeError(code))).errorClass).toBe('timeout');
    },
  );

  it.each([
    'CERT_HAS_EXPIRED',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_SSL_WRONG_VERSION_NUMBER',
    'ERR_SSL_SOMETHING_NEW',
  ])('classes %s as tls', (code) => {
    const outcome = classifyError(fetchFailed(codeError(code)));
    expect(outcome.errorClass).toBe('tls');
    expect(outcome.errorMessage).toContain(code);
  });

  it('classes a ResponseTooLarge error as too_large, keeping its message', () => {
    const error = Object.assign(new Error('answer exceeded 65536 bytes'), { name: 'ResponseTooLarge' });
    expect(classifyError(error)).toMatchObject({
      errorClass: 'too_large',
      errorMessage: 'answer exceeded 65536 bytes',
    });
  });

  it('falls back to network with the first message in the chain', () => {
    expect(classifyError(fetchFailed(codeError('EHOSTUNREACH', 'connect EHOSTUNREACH 10.0.0.1:443')))).toEqual({
      success: false,
      statusCode: null,
      errorClass: 'network',
      errorMessage: 'fetch failed',
    });
  });

  it.each([
    ['a string', 'boom', 'boom'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['an error without message', new Error(''), 'Error'],
  ])('classes %s as network without throwing', (_label, thrown, message) => {
    expect(classifyError(thrown)).toMatchObject({ errorClass: 'network', errorMessage: message });
  });

  it('survives a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(classifyError(a).errorClass).toBe('network');
  });

  it('prefers timeout over a reset seen in the same chain', () => {
    // An aborted request also tears down the socket; the reason is the timeout.
    const error = Object.assign(new Error('aborted', { cause: codeError('ECONNRESET') }), { name: 'TimeoutError' });
    expect(classifyError(error).errorClass).toBe('timeout');
  });
});
