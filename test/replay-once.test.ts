import { AxiosError, isAxiosError } from 'axios';
import { describe, expect, test } from 'vitest';
import { setup, tokenOf } from './helpers.js';

/** The error `promise` rejects with; fails the test when it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error,
  );
}

describe('at most one replay', () => {
  test('returns a replay that fails with 401 again to the caller as it is, after one refresh', async () => {
    const { api, mock, refreshCalls } = setup();
    const tokens: (string | undefined)[] = [];
    mock.onGet('/me').reply((config) => {
      tokens.push(tokenOf(config));
      // A third attempt would succeed, so a second replay cannot go unnoticed.
      return tokens.length <= 2 ? [401, { attempt: tokens.length }] : [200, { attempt: tokens.length }];
    });

    const error = await rejectionOf(api.get('/me'));

    expect(isAxiosError(error)).toBe(true);
    expect(error).toMatchObject({ response: { status: 401, data: { attempt: 2 } } });
    expect(isAxiosError(error) && error.config ? tokenOf(error.config) : undefined).toBe('access-1');
    expect(refreshCalls).toHaveLength(1);
    expect(tokens).toEqual(['access-0', 'access-1']);
  });

  test('returns a replay that fails with 500 to the caller as it is', async () => {
    const { api, mock, refreshCalls } = setup();
    const tokens: (string | undefined)[] = [];
    mock.onGet('/me').reply((config) => {
      tokens.push(tokenOf(config));
      if (tokens.length === 1) return [401, { attempt: 1 }];
      return tokens.length === 2 ? [500, { attempt: 2, error: 'boom' }] : [200, { attempt: tokens.length }];
    });

    const error = await rejectionOf(api.get('/me'));

    expect(isAxiosError(error)).toBe(true);
    expect(error).toMatchObject({ response: { status: 500, data: { attempt: 2, error: 'boom' } } });
    expect(refreshCalls).toHaveLength(1);
    expect(tokens).toEqual(['access-0', 'access-1']);
  });

  test('does not refresh or replay a request that failed with 403', async () => {
    const { api, mock, refreshCalls } = setup();
    const tokens: (string | undefined)[] = [];
    mock.onGet('/admin').reply((config) => {
      tokens.push(tokenOf(config));
      return tokens.length === 1 ? [403, { error: 'forbidden' }] : [200, { attempt: tokens.length }];
    });

    const error = await rejectionOf(api.get('/admin'));

    expect(error).toMatchObject({ response: { status: 403, data: { error: 'forbidden' } } });
    expect(refreshCalls).toHaveLength(0);
    expect(tokens).toEqual(['access-0']);
  });

  test('refreshes on the failures a custom shouldRefresh accepts (419) and replays once', async () => {
    const { api, mock, refreshCalls } = setup({ shouldRefresh: (error) => error.response?.status === 419 });
    const tokens: (string | undefined)[] = [];
    mock.onGet('/me').reply((config) => {
      tokens.push(tokenOf(config));
      return tokenOf(config) === 'access-1' ? [200, { token: 'access-1' }] : [419, { error: 'session expired' }];
    });

    await expect(api.get('/me')).resolves.toMatchObject({ status: 200, data: { token: 'access-1' } });

    expect(refreshCalls).toHaveLength(1);
    expect(tokens).toEqual(['access-0', 'access-1']);
  });

  test('does not refresh on a 401 when a custom shouldRefresh does not accept it', async () => {
    const { api, mock, refreshCalls } = setup({ shouldRefresh: (error) => error.response?.status === 419 });
    const tokens: (string | undefined)[] = [];
    mock.onGet('/me').reply((config) => {
      tokens.push(tokenOf(config));
      return tokenOf(config) === 'access-1' ? [200, { token: 'access-1' }] : [401, { error: 'expired' }];
    });

    const error = await rejectionOf(api.get('/me'));

    expect(error).toMatchObject({ response: { status: 401, data: { error: 'expired' } } });
    expect(refreshCalls).toHaveLength(0);
    expect(tokens).toEqual(['access-0']);
  });

  test.each([
    ['with the default shouldRefresh', undefined],
    ['even when shouldRefresh accepts every error', () => true],
  ])('passes a network error (no response) through untouched, without refresh or replay, %s', async (_, shouldRefresh) => {
    const { api, mock, refreshCalls } = setup(shouldRefresh ? { shouldRefresh } : {});
    let thrown: AxiosError | undefined;
    let attempts = 0;
    mock.onGet('/me').reply((config) => {
      attempts += 1;
      if (attempts > 1) return [200, { attempt: attempts }];
      thrown = Object.assign(new AxiosError('Network Error', AxiosError.ERR_NETWORK), { config });
      throw thrown;
    });

    const error = await rejectionOf(api.get('/me'));

    expect(thrown).toBeInstanceOf(AxiosError);
    expect(error).toBe(thrown);
    expect(thrown?.config).toBeDefined();
    expect(thrown?.response).toBeUndefined();
    expect(refreshCalls).toHaveLength(0);
    expect(attempts).toBe(1);
  });

  test('passes an error that is not an axios error through untouched', async () => {
    const { api, mock, refreshCalls } = setup();
    const thrown = new TypeError('socket closed by a test');
    let attempts = 0;
    mock.onGet('/me').reply(() => {
      attempts += 1;
      if (attempts > 1) return [200, { attempt: attempts }];
      throw thrown;
    });

    const error = await rejectionOf(api.get('/me'));

    expect(error).toBe(thrown);
    expect(refreshCalls).toHaveLength(0);
    expect(attempts).toBe(1);
  });
});
