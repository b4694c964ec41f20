// What each tab of the browser tests runs. The test drives it through `window.tab` (see
// test/browser.test.ts): `setup(options)` attaches the built library to an axios instance for this
// origin's API; the other functions act on it and report what happened. Every API request carries
// `X-Tab` (this tab's name, from `?tab=`) and a unique `X-Request-Id`, so the server can count per tab.
import axios from 'axios';
import { attachRefreshInterceptor } from 'axios-refresh-interceptor';
import { webStorage } from 'axios-refresh-interceptor/storage';

const name = new URL(location.href).searchParams.get('tab') ?? 'tab';
const headers = { 'X-Tab': name };
/** Session events and `onLogout` calls, in order. */
const events = [];
/** Bursts started with `fire`, by index. */
const fired = [];
let api;
let auth;
let sequence = 0;

const tokenSet = (data) => ({
  accessToken: data.access_token,
  refreshToken: data.refresh_token,
  ...(data.expires_in === undefined ? {} : { expiresIn: data.expires_in }),
});

const outcome = (id) => [
  () => ({ id, ok: true }),
  (error) => ({ id, ok: false, status: error?.response?.status ?? null, code: error?.code ?? null, message: String(error?.message ?? error) }),
];

const burst = (count) =>
  Promise.all(
    Array.from({ length: count }, () => {
      sequence += 1;
      const id = `${name}-${sequence}`;
      return api.get(`/api/items/${sequence}`, { headers: { 'X-Request-Id': id } }).then(...outcome(id));
    }),
  );

window.tab = {
  name,
  events,
  /**
   * Attaches the library. `crossTab`: whether to pass `crossTab({ name: channel, lockTimeout })`.
   * `storage`: whether to keep the tokens in `webStorage()`.
   */
  async setup({ crossTab = false, storage = true, channel = 'browser-test', lockTimeout = 5000 } = {}) {
    api = axios.create({ baseURL: location.origin, headers });
    const options = {
      refresh: async ({ refreshToken, signal }) => {
        const { data } = await axios.post('/auth/refresh', { refresh_token: refreshToken }, { signal, headers });
        return tokenSet(data);
      },
      onLogout: ({ reason, error }) => {
        events.push({ type: 'onLogout', reason, code: error?.code ?? null });
      },
    };
    if (storage) options.storage = webStorage();
    if (crossTab) {
      const module = await import('axios-refresh-interceptor/cross-tab');
      options.crossTab = module.crossTab({ name: channel, lockTimeout });
    }
    auth = attachRefreshInterceptor(api, options);
    auth.subscribe((event) => {
      events.push({ type: event.type, reason: event.reason ?? null, code: event.error?.code ?? null });
    });
    await auth.ready();
  },
  /** Logs in through the API and starts the session with the answer. */
  async login() {
    const { data } = await axios.post('/auth/login', { username: 'ada' }, { headers });
    await auth.setTokens(tokenSet(data));
    return data.access_token;
  },
  logout: () => auth.logout(),
  /** The current access token, or `null`. */
  accessToken: () => auth.getTokens()?.accessToken ?? null,
  /** Sends `count` requests at once and resolves with their outcomes. */
  burst,
  /** Starts a burst without waiting for it; `settle(index)` waits for it. */
  fire(count) {
    fired.push(burst(count));
    return fired.length - 1;
  },
  settle: (index) => fired[index],
};
window.dispatchEvent(new Event('tab-ready'));
