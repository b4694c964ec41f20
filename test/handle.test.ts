import { describe, expect, it } from 'vitest';
import type { TokenSet } from '../src/index.js';
import { deferred, flush, setup, tokenOf } from './helpers.js';

describe('setTokens and getTokens', () => {
  it('returns the tokens set, as the same object until they change', async () => {
    const { auth } = setup({}, null);
    expect(auth.getTokens()).toBeNull();

    await auth.setTokens({ accessToken: 'access-a', refreshToken: 'refresh-a', expiresAt: 1_000 });
    const first = auth.getTokens();
    expect(first).toEqual({ accessToken: 'access-a', refreshToken: 'refresh-a', expiresAt: 1_000 });
    expect(auth.getTokens()).toBe(first);

    await auth.setTokens({ accessToken: 'access-b' });
    expect(auth.getTokens()).not.toBe(first);
    expect(auth.getTokens()).toEqual({ accessToken: 'access-b' });
  });

  it('keeps its own copy, so changing the object passed in changes nothing', async () => {
    const { api, mock, auth } = setup({}, null);
    const seen: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      return [200, {}];
    });
    const input: { accessToken: string; refreshToken?: string } = { accessToken: 'access-a', refreshToken: 'refresh-a' };

    await auth.setTokens(input);
    input.accessToken = 'mutated';
    input.refreshToken = 'mutated';
    await api.get('/me');

    expect(auth.getTokens()).toEqual({ accessToken: 'access-a', refreshToken: 'refresh-a' });
    expect(seen).toEqual(['access-a']);
  });

  it.each([
    { label: 'an empty object', input: {}, field: 'accessToken', secret: undefined },
    { label: 'an empty access token', input: { accessToken: '' }, field: 'accessToken', secret: undefined },
    { label: 'an access token with a space', input: { accessToken: 'secret token' }, field: 'accessToken', secret: 'secret token' },
    { label: 'an access token with CR/LF', input: { accessToken: 'secret\r\nX-Evil: 1' }, field: 'accessToken', secret: 'secret\r\nX-Evil: 1' },
    { label: 'a numeric refresh token', input: { accessToken: 'good-access', refreshToken: 5 }, field: 'refreshToken', secret: 'good-access' },
    { label: 'a NaN expiry', input: { accessToken: 'good-access', expiresAt: Number.NaN }, field: 'expiresAt', secret: 'good-access' },
  ])('rejects $label with a TypeError naming the field and not the token', async ({ input, field, secret }) => {
    const { auth } = setup({}, { accessToken: 'access-0', refreshToken: 'refresh-0' });
    const before = auth.getTokens();

    const error: unknown = await auth.setTokens(input as unknown as TokenSet).then(
      () => undefined,
      (reason: unknown) => reason,
    );

    expect(error).toBeInstanceOf(TypeError);
    const message = (error as TypeError).message;
    expect(message).toContain(field);
    if (secret !== undefined) expect(message).not.toContain(secret);
    expect(auth.getTokens()).toBe(before);
  });
});

describe('refresh()', () => {
  it('with force refreshes a fresh token and resolves with the new token set', async () => {
    const now = 1_000_000;
    const { auth, refreshCalls } = setup(
      { now: () => now },
      { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: now + 3_600_000 },
    );

    const result = await auth.refresh({ force: true });

    expect(refreshCalls).toHaveLength(1);
    expect(refreshCalls[0]?.refreshToken).toBe('refresh-0');
    expect(result).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    expect(auth.getTokens()).toBe(result);
  });

  it('shares one refresh call between two forced refreshes and a concurrent 401', async () => {
    const gate = deferred<TokenSet>();
    const { api, mock, auth, refreshCalls } = setup({ refresh: () => gate.promise });
    const firstReply = deferred<[number, unknown]>();
    const seen: Array<string | undefined> = [];
    mock.onGet('/me').replyOnce((config) => {
      seen.push(tokenOf(config));
      return firstReply.promise;
    });
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      return tokenOf(config) === 'access-new' ? [200, { ok: true }] : [401, {}];
    });

    const request = api.get('/me');
    await flush();
    const one = auth.refresh({ force: true });
    const two = auth.refresh({ force: true });
    firstReply.resolve([401, {}]);
    await flush();
    gate.resolve({ accessToken: 'access-new', refreshToken: 'refresh-new' });

    const [first, second, response] = await Promise.all([one, two, request]);
    expect(refreshCalls).toHaveLength(1);
    expect(first).toEqual({ accessToken: 'access-new', refreshToken: 'refresh-new' });
    expect(second).toBe(first);
    expect(response.data).toEqual({ ok: true });
    expect(seen).toEqual(['access-0', 'access-new']);
  });

  it('without force returns the current tokens while their known expiry is outside the leeway', async () => {
    let now = 1_000_000;
    const { auth, refreshCalls } = setup(
      { now: () => now },
      { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: 1_000_000 + 600_000 },
    );
    const current = auth.getTokens();

    now += 60_000;
    await expect(auth.refresh()).resolves.toBe(current);
    expect(refreshCalls).toHaveLength(0);
  });

  it('without force refreshes once the known expiry is within the leeway', async () => {
    let now = 1_000_000;
    const { auth, refreshCalls } = setup(
      { now: () => now },
      { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: 1_000_000 + 600_000 },
    );

    now += 600_000 - 10_000;
    const result = await auth.refresh();

    expect(refreshCalls).toHaveLength(1);
    expect(result).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    expect(auth.getTokens()).toBe(result);
  });

  it('with force and no session calls refresh without a refresh token and starts the session it returns', async () => {
    const { api, mock, auth, refreshCalls } = setup(
      { refresh: () => ({ accessToken: 'cookie-access' }) },
      null,
    );
    const seen: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      return [200, {}];
    });

    const result = await auth.refresh({ force: true });

    expect(refreshCalls).toHaveLength(1);
    expect(refreshCalls[0]?.refreshToken).toBeUndefined();
    expect(refreshCalls[0]?.tokens).toBeNull();
    expect(result).toEqual({ accessToken: 'cookie-access' });
    expect(auth.getTokens()).toBe(result);
    await api.get('/me');
    expect(seen).toEqual(['cookie-access']);
  });
});
