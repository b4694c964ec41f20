import { expect, test } from 'vitest';
import { crossTab } from '../src/cross-tab.js';
import { setup, tokenOf } from './helpers.js';

// Node has neither Web Locks nor IndexedDB: crossTab degrades to this tab's own session, exactly as
// without the option (the browser tests prove the tabs' shared session).

test('without Web Locks or IndexedDB, crossTab keeps one session in this tab: one refresh, replays, logout', async () => {
  expect((globalThis as { navigator?: { locks?: unknown } }).navigator?.locks).toBeUndefined();
  const loggedOut: string[] = [];
  const { api, mock, auth, refreshCalls } = setup({
    crossTab: crossTab({ name: 'fallback' }),
    onLogout: ({ reason }) => {
      loggedOut.push(reason);
    },
  });
  mock.onGet('/me').reply((config) => (tokenOf(config) === 'access-0' ? [401] : [200, tokenOf(config)]));

  await auth.ready();
  const answers = await Promise.all([api.get('/me'), api.get('/me'), api.get('/me')]);
  expect(answers.map((answer) => answer.data)).toEqual(['access-1', 'access-1', 'access-1']);
  expect(refreshCalls).toHaveLength(1);

  await auth.logout();
  expect(loggedOut).toEqual(['logout']);
  expect(auth.getTokens()).toBeNull();
});

test('crossTab refuses a bad name or lock timeout with a TypeError naming it', () => {
  expect(() => crossTab({ name: '' })).toThrow(/crossTab: name must be a non-empty string; received string/);
  expect(() => crossTab({ lockTimeout: 0 })).toThrow(/crossTab: lockTimeout must be a number of milliseconds > 0; received 0/);
  expect(() => setup({ crossTab: {} as never })).toThrow(/options\.crossTab must be the result of crossTab\(\); received an object/);
});
