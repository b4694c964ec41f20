import { inspect } from 'node:util';
import axios, { AxiosHeaders, isAxiosError, isCancel } from 'axios';
import type { AxiosAdapter, AxiosInstance, RawAxiosHeaders } from 'axios';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attachRefreshInterceptor } from '../src/index.js';
import type { LogoutEvent, RefreshContext, TokenSet } from '../src/index.js';
import { oauth2ClientCredentials, oauth2Refresh } from '../src/oauth2.js';
import type { OAuth2ClientOptions } from '../src/oauth2.js';
import { BASE_URL, createMock, deferred, setup, tokenOf } from './helpers.js';
import { bodyOf, expectRefreshError, listen, rejectionOf } from './faults/support.js';
import type { LocalServer } from './faults/support.js';

const TOKEN_URL = 'https://auth.example.test/oauth/token';

/** What the token endpoint received: the request as it left the preset's client. */
interface TokenRequest {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: AxiosHeaders;
  /** The body, parsed as a form. */
  readonly form: Record<string, string>;
  readonly body: string;
  readonly signal: unknown;
}

/**
 * The preset's own client, answered by axios-mock-adapter at {@link TOKEN_URL} with `answers` in
 * turn (a `[status, body]` pair, or a body for 200); the last one repeats.
 */
function tokenEndpoint(...answers: (readonly [number, unknown] | Record<string, unknown>)[]) {
  const client = axios.create();
  const mock = createMock(client);
  const requests: TokenRequest[] = [];
  mock.onPost(TOKEN_URL).reply((config) => {
    const body = String(config.data ?? '');
    requests.push({
      method: config.method,
      url: config.url,
      headers: new AxiosHeaders(config.headers as RawAxiosHeaders),
      form: Object.fromEntries(new URLSearchParams(body)),
      body,
      signal: config.signal,
    });
    const answer = answers[Math.min(requests.length, answers.length) - 1] ?? {};
    return Array.isArray(answer) ? [answer[0], answer[1]] : [200, answer];
  });
  return { client, mock, requests };
}

/** A context as the interceptor gives it. */
const contextWith = (refreshToken: string | undefined, signal = new AbortController().signal): RefreshContext => ({
  refreshToken,
  tokens: refreshToken === undefined ? null : { accessToken: 'access-0', refreshToken },
  signal,
});

/** Decodes a form-encoded component (application/x-www-form-urlencoded, RFC 6749 Appendix B). */
const formDecode = (text: string): string => decodeURIComponent(text.replace(/\+/g, '%20'));

/** What the server reads from `Authorization: Basic …` (RFC 6749 §2.3.1): the identifier and secret. */
function basicCredentials(header: unknown): { id: string; secret: string; raw: string } {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(String(header));
  if (!match?.[1]) throw new Error(`not a Basic authorization: ${String(header)}`);
  const raw = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = raw.indexOf(':');
  return { id: formDecode(raw.slice(0, colon)), secret: formDecode(raw.slice(colon + 1)), raw };
}

describe('the token request of oauth2Refresh', () => {
  test('is a form-encoded POST to tokenUrl of grant_type=refresh_token with the refresh token, and client_id in the body for a public client', async () => {
    const endpoint = tokenEndpoint({ access_token: 'access-1', refresh_token: 'refresh-1', token_type: 'Bearer' });
    const { api, mock } = setup({ refresh: oauth2Refresh({ tokenUrl: TOKEN_URL, clientId: 'spa', client: endpoint.client }) });
    mock.onGet('/items').replyOnce(401).onGet('/items').reply((config) => [200, tokenOf(config)]);

    const response = await api.get('/items');

    expect(response.data).toBe('access-1');
    expect(endpoint.requests).toHaveLength(1);
    const [request] = endpoint.requests;
    expect(request?.method).toBe('post');
    expect(request?.url).toBe(TOKEN_URL);
    expect(request?.headers.getContentType()).toMatch(/^application\/x-www-form-urlencoded\b/);
    expect(request?.form).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-0', client_id: 'spa' });
    expect(request?.headers.has('Authorization')).toBe(false);
  });

  test('adds scope and params to the form, and params cannot replace the grant', async () => {
    const endpoint = tokenEndpoint({ access_token: 'access-1' });
    const refresh = oauth2Refresh({
      tokenUrl: TOKEN_URL,
      clientId: 'spa',
      scope: 'openid api:read',
      params: { resource: 'https://api.example.test', audience: 'api', grant_type: 'password', refresh_token: 'forged' },
      client: endpoint.client,
    });

    await refresh(contextWith('refresh-0'));

    expect(endpoint.requests[0]?.form).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-0',
      client_id: 'spa',
      scope: 'openid api:read',
      resource: 'https://api.example.test',
      audience: 'api',
    });
  });

  test.each([
    { id: 'app', secret: 's3cret' },
    { id: 'my app:1', secret: 'p@ss w:rd%+/=&' },
    { id: 'id%20:x', secret: ':%3A +%' },
  ])(
    'authenticates a confidential client ($id) with HTTP Basic by default, identifier and secret form-encoded first (RFC 6749 §2.3.1)',
    async ({ id, secret }) => {
      const endpoint = tokenEndpoint({ access_token: 'access-1' });
      const refresh = oauth2Refresh({ tokenUrl: TOKEN_URL, clientId: id, clientSecret: secret, client: endpoint.client });

      await refresh(contextWith('refresh-0'));

      const [request] = endpoint.requests;
      const credentials = basicCredentials(request?.headers.get('Authorization'));
      expect({ id: credentials.id, secret: credentials.secret }).toEqual({ id, secret });
      // The identifier is encoded: the first colon is the separator.
      expect(credentials.raw.split(':')).toHaveLength(2);
      expect(request?.form).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-0' });
    },
  );

  test("sends client_id and client_secret in the body with clientAuthentication: 'post', and no Authorization header", async () => {
    const endpoint = tokenEndpoint({ access_token: 'access-1' });
    const secret = 'p@ss w:rd%+';
    const refresh = oauth2Refresh({
      tokenUrl: TOKEN_URL,
      clientId: 'my app',
      clientSecret: secret,
      clientAuthentication: 'post',
      client: endpoint.client,
    });

    await refresh(contextWith('refresh-0'));

    const [request] = endpoint.requests;
    expect(request?.form).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-0', client_id: 'my app', client_secret: secret });
    expect(request?.headers.has('Authorization')).toBe(false);
  });

  test("is sent with the refresh context's signal", async () => {
    const endpoint = tokenEndpoint({ access_token: 'access-1' });
    const contexts: RefreshContext[] = [];
    const preset = oauth2Refresh({ tokenUrl: TOKEN_URL, clientId: 'spa', client: endpoint.client });
    const { api, mock } = setup({
      refresh: (context) => {
        contexts.push(context);
        return preset(context);
      },
    });
    mock.onGet('/items').replyOnce(401).onGet('/items').reply(200);

    await api.get('/items');

    expect(contexts).toHaveLength(1);
    expect(endpoint.requests[0]?.signal).toBe(contexts[0]?.signal);
  });
});

describe('the token request of oauth2ClientCredentials', () => {
  test('asks for grant_type=client_credentials with scope and params, authenticated with Basic, and never sends a refresh token', async () => {
    const endpoint = tokenEndpoint({ access_token: 'cc-1', expires_in: 300 });
    const refresh = oauth2ClientCredentials({
      tokenUrl: TOKEN_URL,
      clientId: 'reports',
      clientSecret: 'r3ports:secret',
      scope: 'billing:read',
      params: { audience: 'https://billing.example.test' },
      client: endpoint.client,
    });

    await expect(refresh(contextWith('refresh-0'))).resolves.toEqual({ accessToken: 'cc-1', expiresIn: 300 });

    const [request] = endpoint.requests;
    expect(request?.method).toBe('post');
    expect(request?.url).toBe(TOKEN_URL);
    expect(request?.headers.getContentType()).toMatch(/^application\/x-www-form-urlencoded\b/);
    expect(request?.form).toEqual({ grant_type: 'client_credentials', scope: 'billing:read', audience: 'https://billing.example.test' });
    const credentials = basicCredentials(request?.headers.get('Authorization'));
    expect({ id: credentials.id, secret: credentials.secret }).toEqual({ id: 'reports', secret: 'r3ports:secret' });
  });

  test("sends the credentials in the body with clientAuthentication: 'post'", async () => {
    const endpoint = tokenEndpoint({ access_token: 'cc-1' });
    const refresh = oauth2ClientCredentials({
      tokenUrl: TOKEN_URL,
      clientId: 'reports',
      clientSecret: 'r3ports secret',
      clientAuthentication: 'post',
      client: endpoint.client,
    });

    await refresh(contextWith(undefined));

    expect(endpoint.requests[0]?.form).toEqual({ grant_type: 'client_credentials', client_id: 'reports', client_secret: 'r3ports secret' });
    expect(endpoint.requests[0]?.headers.has('Authorization')).toBe(false);
  });

  test('with refreshWithoutTokens, a burst of first requests fetches one token and every request carries it', async () => {
    const endpoint = tokenEndpoint({ access_token: 'cc-1', expires_in: 300, token_type: 'Bearer' });
    const { api, mock, auth } = setup(
      {
        refresh: oauth2ClientCredentials({ tokenUrl: TOKEN_URL, clientId: 'reports', clientSecret: 'secret', client: endpoint.client }),
        refreshWithoutTokens: true,
        now: () => 1_000_000,
      },
      null,
    );
    mock.onGet(/\/items\/\d+/).reply((config) => [200, tokenOf(config)]);

    const responses = await Promise.all(Array.from({ length: 10 }, (_, index) => api.get(`/items/${index}`)));

    expect(responses.map((response) => response.data)).toEqual(Array(10).fill('cc-1'));
    expect(endpoint.requests).toHaveLength(1);
    expect(auth.getTokens()).toEqual({ accessToken: 'cc-1', expiresAt: 1_000_000 + 300_000 });
  });
});

describe('the answer of the token endpoint', () => {
  const answerOf = (body: unknown): Promise<TokenSet> => {
    const endpoint = tokenEndpoint([200, body]);
    return oauth2Refresh({ tokenUrl: TOKEN_URL, clientId: 'spa', client: endpoint.client })(contextWith('refresh-0'));
  };

  test('maps access_token, refresh_token and expires_in (seconds) to the token set', async () => {
    const tokens = await answerOf({ access_token: 'access-1', refresh_token: 'refresh-1', expires_in: 3600, token_type: 'Bearer', scope: 'x' });

    expect(tokens).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-1', expiresIn: 3600 });
  });

  test('reads expires_in given as a numeric string', async () => {
    const tokens = await answerOf({ access_token: 'access-1', expires_in: '3600' });

    expect(tokens.expiresIn).toBe(3600);
  });

  test.each([
    { label: 'missing', body: { access_token: 'access-1' } },
    { label: 'null', body: { access_token: 'access-1', expires_in: null } },
    { label: 'negative', body: { access_token: 'access-1', expires_in: -60 } },
    { label: 'a negative string', body: { access_token: 'access-1', expires_in: '-60' } },
    { label: "'NaN'", body: { access_token: 'access-1', expires_in: 'NaN' } },
    { label: 'not a number', body: { access_token: 'access-1', expires_in: 'soon' } },
    { label: 'an empty string', body: { access_token: 'access-1', expires_in: '' } },
    { label: "'Infinity'", body: { access_token: 'access-1', expires_in: 'Infinity' } },
  ])('gives no expiresIn when expires_in is $label', async ({ body }) => {
    const tokens = await answerOf(body);

    expect(tokens.accessToken).toBe('access-1');
    expect(tokens).not.toHaveProperty('expiresIn', expect.anything());
    expect(tokens.expiresIn).toBeUndefined();
  });

  test('keeps the refresh token when the answer has none, and presents it again at the next refresh (RFC 6749 §6)', async () => {
    const endpoint = tokenEndpoint(
      { access_token: 'access-1', expires_in: 60 },
      { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: 60 },
    );
    const { api, mock, auth } = setup({
      refresh: oauth2Refresh({ tokenUrl: TOKEN_URL, clientId: 'spa', client: endpoint.client }),
      now: () => 1_000_000,
    });
    mock.onGet('/items').replyOnce(401).onGet('/items').reply((config) => [200, tokenOf(config)]);

    await expect(api.get('/items')).resolves.toMatchObject({ data: 'access-1' });
    expect(auth.getTokens()).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-0', expiresAt: 1_000_000 + 60_000 });

    await auth.refresh({ force: true });

    expect(endpoint.requests.map((request) => request.form.refresh_token)).toEqual(['refresh-0', 'refresh-0']);
    expect(auth.getTokens()).toEqual({ accessToken: 'access-2', refreshToken: 'refresh-2', expiresAt: 1_000_000 + 60_000 });
  });

  test.each([
    { label: 'no access_token', body: { token_type: 'Bearer', expires_in: 60 } },
    { label: 'a numeric access_token', body: { access_token: 12345 } },
    { label: 'an HTML page', body: '<html>Sign in</html>' },
  ])('rejects waiting requests with INVALID_REFRESH_RESPONSE for $label and keeps the tokens', async ({ body }) => {
    const endpoint = tokenEndpoint([200, body]);
    const { api, mock, auth } = setup({ refresh: oauth2Refresh({ tokenUrl: TOKEN_URL, clientId: 'spa', client: endpoint.client }) });
    mock.onGet('/items').reply(401);

    expectRefreshError(await rejectionOf(api.get('/items')), 'INVALID_REFRESH_RESPONSE');
    expect(auth.getTokens()).toEqual({ accessToken: 'access-0', refreshToken: 'refresh-0' });
  });
});

describe('the token endpoint refusing', () => {
  test('without a refresh token the session ends with REFRESH_REJECTED and the token endpoint is not called', async () => {
    const endpoint = tokenEndpoint({ access_token: 'access-1' });
    const logouts: LogoutEvent[] = [];
    const { api, mock, auth } = setup(
      {
        refresh: oauth2Refresh({ tokenUrl: TOKEN_URL, clientId: 'spa', client: endpoint.client }),
        onLogout: (event) => {
          logouts.push(event);
        },
      },
      { accessToken: 'access-0' },
    );
    mock.onGet('/items').reply(401);

    expectRefreshError(await rejectionOf(api.get('/items')), 'REFRESH_REJECTED');
    expect(endpoint.requests).toEqual([]);
    expect(logouts).toEqual([{ reason: 'refresh-rejected', error: expect.objectContaining({ code: 'REFRESH_REJECTED' }) }]);
    expect(auth.getTokens()).toBeNull();
  });

  test.each([
    { status: 400, error: 'invalid_grant', clientSecret: undefined },
    { status: 401, error: 'invalid_client', clientSecret: 'wrong' },
  ])(
    'a $status $error ends the session once: every waiting request rejects with REFRESH_REJECTED, the answer as cause',
    async ({ status, error, clientSecret }) => {
      const endpoint = tokenEndpoint([status, { error }]);
      const logouts: LogoutEvent[] = [];
      const { api, mock, auth } = setup({
        refresh: oauth2Refresh({ tokenUrl: TOKEN_URL, clientId: 'spa', clientSecret, client: endpoint.client }),
        onLogout: (event) => {
          logouts.push(event);
        },
      });
      mock.onGet(/\/items\/\d/).reply(401);

      const results = await Promise.allSettled([api.get('/items/1'), api.get('/items/2'), api.get('/items/3')]);

      expect(endpoint.requests).toHaveLength(1);
      for (const result of results) {
        const reason: unknown = result.status === 'rejected' ? result.reason : result.value;
        expectRefreshError(reason, 'REFRESH_REJECTED');
        expect(isAxiosError<{ error?: string }>(reason.cause) && [reason.cause.response?.status, reason.cause.response?.data?.error]).toEqual([
          status,
          error,
        ]);
      }
      expect(logouts).toHaveLength(1);
      expect(logouts[0]?.reason).toBe('refresh-rejected');
      expect(auth.getTokens()).toBeNull();
    },
  );

  test('a 503 is transient: REFRESH_FAILED, the tokens are kept, no logout', async () => {
    const endpoint = tokenEndpoint([503, { error: 'temporarily_unavailable' }]);
    const logouts: LogoutEvent[] = [];
    const { api, mock, auth } = setup({
      refresh: oauth2Refresh({ tokenUrl: TOKEN_URL, clientId: 'spa', client: endpoint.client }),
      onLogout: (event) => {
        logouts.push(event);
      },
    });
    mock.onGet('/items').reply(401);

    expectRefreshError(await rejectionOf(api.get('/items')), 'REFRESH_FAILED');
    expect(logouts).toEqual([]);
    expect(auth.getTokens()).toEqual({ accessToken: 'access-0', refreshToken: 'refresh-0' });
  });
});

/** Every error in `error`'s cause chain, `error` first. */
function chainOf(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let link = error; link !== undefined && link !== null && !chain.includes(link); link = (link as { cause?: unknown }).cause) {
    chain.push(link);
  }
  return chain;
}

describe('credentials in errors', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await listen((request, response) => {
      void bodyOf(request).then(() => {
        response.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Basic realm="token"' });
        response.end(JSON.stringify({ error: 'invalid_client', error_description: 'client authentication failed' }));
      });
    });
  });
  afterAll(async () => {
    await server.close();
  });

  const SECRET = 'Sx9-secret p@ss:%+/';
  test.each([
    { clientAuthentication: 'basic', transport: 'axios-mock-adapter' },
    { clientAuthentication: 'basic', transport: 'http' },
    { clientAuthentication: 'post', transport: 'axios-mock-adapter' },
    { clientAuthentication: 'post', transport: 'http' },
  ] as const)(
    'the client secret never appears in util.inspect or JSON.stringify of the RefreshError and its cause chain ($clientAuthentication, $transport)',
    async ({ clientAuthentication, transport }) => {
      let client: AxiosInstance;
      let tokenUrl = TOKEN_URL;
      if (transport === 'http') {
        client = axios.create({ adapter: 'http' });
        tokenUrl = `${server.origin}/token`;
      } else {
        ({ client } = tokenEndpoint([401, { error: 'invalid_client' }]));
      }
      const refresh = oauth2Refresh({ tokenUrl, clientId: 'app:1', clientSecret: SECRET, clientAuthentication, client });
      let basic: string | undefined;
      client.interceptors.request.use((config) => {
        basic = config.headers.get('Authorization')?.toString();
        return config;
      });
      const { api, mock } = setup({ refresh });
      mock.onGet('/items').reply(401);

      const error = await rejectionOf(api.get('/items'));

      expectRefreshError(error, 'REFRESH_REJECTED');
      expect(isAxiosError(error.cause) && error.cause.response?.status).toBe(401);
      const needles = [SECRET, encodeURIComponent(SECRET), new URLSearchParams({ s: SECRET }).toString().slice(2)];
      if (clientAuthentication === 'basic') {
        expect(basic).toMatch(/^Basic /);
        needles.push(basic ?? '', (basic ?? '').slice('Basic '.length));
      }
      for (const link of chainOf(error)) {
        const told = [String(link), JSON.stringify(link) ?? '', inspect(link, { depth: Infinity })].join('\n');
        for (const needle of needles) expect(told).not.toContain(needle);
      }
    },
  );

  test.each(['axios-mock-adapter', 'http'] as const)(
    'the refresh token, form-encoded in the request body, never appears in them either ($0)',
    async (transport) => {
      const client = transport === 'http' ? axios.create({ adapter: 'http' }) : tokenEndpoint([401, { error: 'invalid_client' }]).client;
      const tokenUrl = transport === 'http' ? `${server.origin}/token` : TOKEN_URL;
      const refreshToken = 'Rt9+refresh/token==';
      const { api, mock } = setup(
        { refresh: oauth2Refresh({ tokenUrl, clientId: 'app', clientSecret: 'secret', client }) },
        { accessToken: 'access-0', refreshToken },
      );
      mock.onGet('/items').reply(401);

      const error = await rejectionOf(api.get('/items'));

      expectRefreshError(error, 'REFRESH_REJECTED');
      const needles = [refreshToken, encodeURIComponent(refreshToken), new URLSearchParams({ t: refreshToken }).toString().slice(2)];
      for (const link of chainOf(error)) {
        const told = [String(link), JSON.stringify(link) ?? '', inspect(link, { depth: Infinity })].join('\n');
        for (const needle of needles) expect(told).not.toContain(needle);
      }
    },
  );
});

describe('the client of the token request', () => {
  test("never passes through the attached instance's interceptors, even for a token endpoint on the API's own origin", async () => {
    const client = axios.create();
    const tokenMock = createMock(client);
    const tokenUrl = `${BASE_URL}/oauth/token`;
    const tokenRequests: (string | undefined)[] = [];
    tokenMock.onPost(tokenUrl).reply((config) => {
      tokenRequests.push(tokenOf(config));
      return [200, { access_token: 'access-1' }];
    });
    const api = axios.create({ baseURL: BASE_URL });
    const seen: string[] = [];
    api.interceptors.request.use((config) => {
      seen.push(`request ${String(config.url)}`);
      return config;
    });
    api.interceptors.response.use(
      (response) => {
        seen.push(`response ${String(response.config.url)}`);
        return response;
      },
      (error: unknown) => {
        if (isAxiosError(error)) seen.push(`error ${String(error.config?.url)}`);
        throw error;
      },
    );
    const apiMock = createMock(api);
    apiMock.onGet('/items').replyOnce(401).onGet('/items').reply((config) => [200, tokenOf(config)]);
    attachRefreshInterceptor(api, {
      refresh: oauth2Refresh({ tokenUrl, clientId: 'spa', client }),
      tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' },
    });

    await expect(api.get('/items')).resolves.toMatchObject({ data: 'access-1' });

    expect(tokenRequests).toEqual([undefined]);
    // The 401 is handled in the library's adapter: the app's interceptors see the request once, and
    // its final outcome; the token request, never.
    expect(seen).toEqual(['request /items', 'response /items']);
  });

  test('defaults to a new axios instance: interceptors on the global axios never see the token request', async () => {
    const sent: string[] = [];
    const adapter: AxiosAdapter = async (config) => {
      sent.push(`${String(config.method)} ${String(config.url)} ${String(config.data)}`);
      return { data: { access_token: 'access-1' }, status: 200, statusText: 'OK', headers: {}, config };
    };
    const globalSeen: string[] = [];
    const { adapter: defaultAdapter } = axios.defaults;
    axios.defaults.adapter = adapter;
    const requestInterceptor = axios.interceptors.request.use((config) => {
      globalSeen.push(`request ${String(config.url)}`);
      return config;
    });
    const responseInterceptor = axios.interceptors.response.use((response) => {
      globalSeen.push(`response ${String(response.config.url)}`);
      return response;
    });
    try {
      const refresh = oauth2Refresh({ tokenUrl: TOKEN_URL, clientId: 'spa' });

      await expect(refresh(contextWith('refresh-0'))).resolves.toMatchObject({ accessToken: 'access-1' });

      expect(sent).toEqual([`post ${TOKEN_URL} grant_type=refresh_token&refresh_token=refresh-0&client_id=spa`]);
      expect(globalSeen).toEqual([]);
    } finally {
      axios.interceptors.request.eject(requestInterceptor);
      axios.interceptors.response.eject(responseInterceptor);
      if (defaultAdapter === undefined) delete axios.defaults.adapter;
      else axios.defaults.adapter = defaultAdapter;
    }
  });
});

describe('cancellation of the token request', () => {
  let server: LocalServer;
  let received = deferred();
  let closed = deferred();
  beforeAll(async () => {
    server = await listen((request, response) => {
      response.once('close', () => closed.resolve());
      void bodyOf(request).then(() => received.resolve()); // never answered
    });
  });
  afterAll(async () => {
    await server.close();
  });

  test('aborting the signal given to the refresh function cancels the request under way', async () => {
    received = deferred();
    closed = deferred();
    const refresh = oauth2Refresh({ tokenUrl: `${server.origin}/token`, clientId: 'spa', client: axios.create({ adapter: 'http' }) });
    const controller = new AbortController();
    const call = rejectionOf(refresh(contextWith('refresh-0', controller.signal)));
    await received.promise;

    controller.abort();

    expect(isCancel(await call)).toBe(true);
    await closed.promise;
  });

  test('logout() during the refresh aborts the token request', async () => {
    received = deferred();
    closed = deferred();
    const { api, mock, auth } = setup({
      refresh: oauth2Refresh({ tokenUrl: `${server.origin}/token`, clientId: 'spa', client: axios.create({ adapter: 'http' }) }),
    });
    mock.onGet('/items').reply(401);
    const request = rejectionOf(api.get('/items'));
    await received.promise;

    await auth.logout();

    expectRefreshError(await request, 'SESSION_ENDED');
    await closed.promise;
  });
});

describe('options of the presets', () => {
  /** Calls a preset with values its types would refuse, as untyped callers can. */
  const unchecked = (preset: typeof oauth2Refresh | typeof oauth2ClientCredentials, options: unknown) => () =>
    preset(options as OAuth2ClientOptions & { clientSecret: string });
  const valid = { tokenUrl: TOKEN_URL, clientId: 'app', clientSecret: 'secret' };

  test.each([
    { option: 'tokenUrl', value: 'missing', options: { clientId: 'app' } },
    { option: 'tokenUrl', value: "''", options: { tokenUrl: '', clientId: 'app' } },
    { option: 'tokenUrl', value: 'a URL object', options: { tokenUrl: new URL(TOKEN_URL), clientId: 'app' } },
    { option: 'clientId', value: 'missing', options: { tokenUrl: TOKEN_URL } },
    { option: 'clientId', value: '42', options: { tokenUrl: TOKEN_URL, clientId: 42 } },
    { option: 'clientSecret', value: "''", options: { ...valid, clientSecret: '' } },
    { option: 'clientSecret', value: '42', options: { ...valid, clientSecret: 42 } },
    { option: 'scope', value: "''", options: { ...valid, scope: '' } },
    { option: 'scope', value: 'an array', options: { ...valid, scope: ['a', 'b'] } },
    { option: 'clientAuthentication', value: "'client_secret_basic'", options: { ...valid, clientAuthentication: 'client_secret_basic' } },
    { option: 'params', value: 'a string', options: { ...valid, params: 'resource=x' } },
    { option: 'client', value: 'a plain object', options: { ...valid, client: {} } },
  ])('oauth2Refresh throws a TypeError naming $option when it is $value', ({ option, options }) => {
    expect(unchecked(oauth2Refresh, options)).toThrow(TypeError);
    expect(unchecked(oauth2Refresh, options)).toThrow(option);
  });

  test.each([
    { option: 'clientSecret', value: 'missing', options: { tokenUrl: TOKEN_URL, clientId: 'app' } },
    { option: 'clientSecret', value: "''", options: { ...valid, clientSecret: '' } },
    { option: 'tokenUrl', value: 'missing', options: { ...valid, tokenUrl: undefined } },
    { option: 'clientAuthentication', value: "'none'", options: { ...valid, clientAuthentication: 'none' } },
  ])('oauth2ClientCredentials throws a TypeError naming $option when it is $value', ({ option, options }) => {
    expect(unchecked(oauth2ClientCredentials, options)).toThrow(TypeError);
    expect(unchecked(oauth2ClientCredentials, options)).toThrow(option);
  });

  test('the TypeError for a client secret of the wrong kind does not show it', () => {
    const secret = { toString: () => 'Sx9-object-secret' };
    expect(unchecked(oauth2ClientCredentials, { ...valid, clientSecret: secret })).toThrow(TypeError);
    expect(unchecked(oauth2ClientCredentials, { ...valid, clientSecret: secret })).not.toThrow('Sx9-object-secret');
  });
});
