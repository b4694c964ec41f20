import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// Builds the package as it is published and uses it the way users do: `import` from ESM, `require`
// from CommonJS, and type-checked consumers in both module systems (the per-request flags must be
// typed through the axios augmentation that the built declarations carry).
const root = resolve(import.meta.dirname, '..');
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ari-package-'));
  const pkg = join(work, 'node_modules', 'axios-refresh-interceptor');
  mkdirSync(pkg, { recursive: true });
  execFileSync(bin('tsup'), ['--out-dir', join(pkg, 'dist'), '--silent'], { cwd: root, stdio: 'pipe' });
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(root, 'package.json')));
  for (const dependency of ['axios', 'jwt-decode', '@types']) {
    symlinkSync(join(root, 'node_modules', dependency), join(work, 'node_modules', dependency));
  }
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const consumer = `
import axios from 'axios';
import { attachRefreshInterceptor, isRefreshError, RefreshError } from 'axios-refresh-interceptor';
import type { RefreshErrorCode, TokenSet, TokenStorage } from 'axios-refresh-interceptor';
import { oauth2Refresh } from 'axios-refresh-interceptor/oauth2';
import { webStorage } from 'axios-refresh-interceptor/storage';
import { crossTab } from 'axios-refresh-interceptor/cross-tab';

const storage: TokenStorage = webStorage({ key: 'session' });
const refresh = oauth2Refresh({ tokenUrl: 'http://127.0.0.1:1/token', clientId: 'app' });
attachRefreshInterceptor(axios.create(), { refresh, storage, scheduleRefresh: true, crossTab: crossTab({ name: 'app' }) });

const api = axios.create({ baseURL: 'http://127.0.0.1:1' });
const auth = attachRefreshInterceptor(api, {
  refresh: async ({ refreshToken, signal }): Promise<TokenSet> => {
    const { data } = await axios.post<{ access_token: string }>('/auth/refresh', { refreshToken }, { signal });
    return { accessToken: data.access_token };
  },
});
void api.get('/public', { skipAuth: true });
void api.get('/once', { skipAuthRefresh: true });
// @ts-expect-error skipAuth is a boolean
void api.get('/typo', { skipAuth: 'yes' });
const code: RefreshErrorCode = 'REFRESH_REJECTED';
const error: unknown = new RefreshError(code);
if (isRefreshError(error)) console.log(error.code satisfies RefreshErrorCode);
auth.eject();
`;

describe('the built package', () => {
  test.each([
    ['axios-refresh-interceptor', ['RefreshError', 'attachRefreshInterceptor', 'isRefreshError']],
    ['axios-refresh-interceptor/oauth2', ['oauth2ClientCredentials', 'oauth2Refresh']],
    ['axios-refresh-interceptor/storage', ['memoryStorage', 'webStorage']],
    ['axios-refresh-interceptor/cross-tab', ['crossTab']],
  ])('%s loads from ESM and CommonJS with the same exports', (specifier, names) => {
    writeFileSync(
      join(work, 'esm.mjs'),
      `import * as m from '${specifier}'; console.log(JSON.stringify(Object.keys(m).sort()));`,
    );
    writeFileSync(
      join(work, 'cjs.cjs'),
      `const m = require('${specifier}'); console.log(JSON.stringify(Object.keys(m).sort()));`,
    );
    const esm = execFileSync(process.execPath, ['esm.mjs'], { cwd: work, encoding: 'utf8' });
    const cjs = execFileSync(process.execPath, ['cjs.cjs'], { cwd: work, encoding: 'utf8' });
    expect(JSON.parse(esm)).toEqual(names);
    expect(JSON.parse(cjs)).toEqual(names);
  });

  test.each([
    ['an ES module', 'consumer.mts'],
    ['a CommonJS module', 'consumer.cts'],
  ])('types the per-request flags through axios for %s', { timeout: 90_000 }, (_, file) => {
    writeFileSync(join(work, file), consumer);
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          strict: true,
          noEmit: true,
          types: [],
        },
        files: [file],
      }),
    );
    const typecheck = (): string => {
      const result = spawnSync(bin('tsc'), ['-p', work], { cwd: work, encoding: 'utf8' });
      return `${result.status}: ${result.stdout}${result.stderr}`;
    };
    expect(typecheck()).toBe('0: ');
    // The check has teeth: without the @ts-expect-error line's error, tsc reports an unused directive.
    writeFileSync(join(work, file), consumer.replace("skipAuth: 'yes'", 'skipAuth: true'));
    expect(typecheck()).toMatch(/Unused '@ts-expect-error' directive/);
  });
});
