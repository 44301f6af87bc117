import { ApiError, apiErrorFrom, apiErrorFromResponse, errorMessage } from './errors';

describe('API errors', () => {
  it('reads the one error shape', () => {
    const e = apiErrorFrom(422, { error: { code: 'weak_password', message: 'password rejected: too short', details: { min: 10 } } });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(422);
    expect(e.code).toBe('weak_password');
    expect(e.message).toBe('password rejected: too short');
    expect(e.details).toEqual({ min: 10 });
  });

  it('falls back when the body is not the error shape', () => {
    expect(apiErrorFrom(502, '<html>', 'Bad Gateway').message).toBe('Bad Gateway');
    expect(apiErrorFrom(0, null).code).toBe('network_error');
  });

  it('tells a missing route from a missing thing', () => {
    expect(apiErrorFrom(404, { error: { code: 'not_found', message: 'Not Found' } }).isMissingEndpoint).toBe(true);
    expect(apiErrorFrom(404, { error: { code: 'record_not_found', message: 'no such record' } }).isMissingEndpoint).toBe(false);
  });

  it('parses a Response', async () => {
    const res = new Response(JSON.stringify({ error: { code: 'forbidden', message: 'not yours' } }), { status: 403 });
    const e = await apiErrorFromResponse(res);
    expect([e.status, e.message]).toEqual([403, 'not yours']);
  });

  it('gives a message for anything thrown', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(new DOMException('x', 'AbortError'))).toBe('Cancelled');
  });
});
