import { describe, expect, it } from 'vitest';
import { classifyS3Error, sanitizedCause } from './classify.js';
import { DeadlineError } from './client.js';

/** The shape of an @aws-sdk error: name/Code from the body, the status in $metadata. */
function sdkError(status: number, code: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(code), { name: code, Code: code, $metadata: { httpStatusCode: status }, ...extra });
}

describe('classifyS3Error', () => {
  it.each([
    [sdkError(503, 'SlowDown'), 'throttle'],
    [sdkError(429, 'TooManyRequests'), 'throttle'],
    [sdkError(400, 'Throttling'), 'throttle'],
    [Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 503 } }), 'throttle'],
    [sdkError(503, 'ServiceUnavailable'), 'server'],
    [sdkError(500, 'InternalError'), 'server'],
    [sdkError(502, 'BadGateway'), 'server'],
    [sdkError(403, 'AccessDenied'), 'client'],
    [sdkError(404, 'NoSuchKey'), 'client'],
    [sdkError(400, 'RequestTimeout'), 'timeout'],
    [new DeadlineError(100), 'timeout'],
    [Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), 'timeout'],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'network'],
    [Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), 'network'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'network'],
  ])('classifies %s as %s', (err, kind) => {
    expect(classifyS3Error(err).kind).toBe(kind);
  });

  it('names a code-less HEAD answer by its status', () => {
    const c = classifyS3Error(Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 403 } }));
    expect(c).toMatchObject({ kind: 'client', status: 403, code: '403' });
    expect(c.message).toMatch(/HEAD/);
  });

  it('keeps what explains an error and drops the request it came from', () => {
    const err = sdkError(403, 'AccessDenied', {
      $response: { headers: { 'x-amz-security-token': 'leak-me' }, body: { req: { headers: { authorization: 'leak-me' } } } },
    });
    const cause = sanitizedCause(err);
    expect(cause).toMatchObject({
      name: 'AccessDenied',
      Code: 'AccessDenied',
      message: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    expect(JSON.stringify(cause)).not.toContain('leak-me');
    expect(Object.keys(cause)).not.toContain('$response');
  });
});
