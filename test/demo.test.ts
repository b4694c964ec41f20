import { beforeAll, describe, expect, test } from 'vitest';
import { runDemo } from './demo/demo.js';
import type { DemoResult } from './demo/demo.js';

// An integration test against a real token server on 127.0.0.1: it takes a few seconds of real time,
// because the demo waits for real tokens to expire. It depends on no timing but "the token has expired".
describe('the demo against a real token server', () => {
  const lines: string[] = [];
  let result: DemoResult;

  beforeAll(async () => {
    result = await runDemo({ log: (line) => lines.push(line), accessTokenLifetime: 2, proactiveTokenLifetime: 3 });
  }, 15_000);

  test('makes one refresh call for a burst of 401s and replays every request with the new token', () => {
    expect(result.act1.refreshCalls).toBe(1);
    expect(result.act1.reuseDetected).toBe(0);
    expect(result.act1.unauthorized).toBeGreaterThan(0);
    expect(result.act1.replays).toBe(result.act1.unauthorized);
    expect(result.act1.maxAttempts).toBe(2);
    expect(result.act1.requests).toHaveLength(16);
    expect(result.act1.requests.every((outcome) => outcome.ok && outcome.status === 200)).toBe(true);
  });

  test('refreshes before sending when the JWT is in the second half of its lifetime, spending no 401', () => {
    expect(result.act2.refreshCalls).toBe(1);
    expect(result.act2.unauthorized).toBe(0);
    expect(result.act2.requests.every((outcome) => outcome.ok)).toBe(true);
    expect(result.act2.secondBurstTokens).toEqual(Array(8).fill('T2'));
  });

  test("calls onLogout once with 'refresh-rejected' when the refresh is refused", () => {
    expect(result.act3.refreshStatuses).toEqual([400]);
    expect(result.act3.logouts).toEqual([{ reason: 'refresh-rejected', code: 'REFRESH_REJECTED' }]);
    expect(result.act3.tokensAfterLogout).toBe(false);
  });

  test('rejects every request waiting on the refused refresh with REFRESH_REJECTED', () => {
    expect(result.act3.waiting.map((outcome) => outcome.code)).toEqual(['REFRESH_REJECTED', 'REFRESH_REJECTED', 'REFRESH_REJECTED']);
  });

  test('sends the request after the logout without an Authorization header', () => {
    expect(result.act3.afterLogoutToken).toBeNull();
    expect(result.act3.afterLogout).toMatchObject({ ok: false, status: 401 });
    expect(result.act3.afterLogout?.code).toBeUndefined();
  });

  test('prints a timeline without any token and reports that every expectation held', () => {
    expect(result.tokensWithheld).toBe(0);
    expect(lines.join('\n')).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expect(lines.filter((line) => line.startsWith('  refresh calls: 1, reuse detected: 0, requests ok: 16/16'))).toHaveLength(1);
    expect(result.checks.filter((entry) => !entry.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(lines.at(-1)).toBe(`All ${result.checks.length} expectations held.`);
  });
});
