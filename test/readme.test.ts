import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { startDemoServer } from './demo/server.js';

const root = resolve(import.meta.dirname, '..');

/** The README's quick start, exactly as a reader copies it. */
function quickStart(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = /<!-- quick-start:[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(readme);
  if (!match?.[1]) throw new Error('README.md has no quick-start block');
  return match[1];
}

test("the README's quick start runs against a real API, across a token expiry", async () => {
  const server = await startDemoServer({ accessTokenLifetime: 2, expClaim: false });
  const dir = mkdtempSync(join(root, 'node_modules', '.quick-start-'));
  try {
    // Only the address and the package name change: the API is the local server, the package is
    // this source tree. Then the same requests run again once the first token has expired.
    const source = quickStart()
      .replace("'https://api.example.com'", JSON.stringify(server.url))
      .replace("from 'axios-refresh-interceptor'", `from ${JSON.stringify(join(root, 'src', 'index.ts'))}`);
    const script = `${source}
await new Promise((resolve) => setTimeout(resolve, 2300));
const again = await api.get('/api/items/2');
console.log(JSON.stringify(again.data));
`;
    const file = join(dir, 'quick-start.mts');
    writeFileSync(file, script);
    // Asynchronously: the server answers from this very process.
    const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], { cwd: root, timeout: 30_000 });
    expect(run.stderr).not.toMatch(/Error/);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe("{ id: 1, name: 'item 1' }");
    expect(lines[1]).toBe('{"id":2,"name":"item 2"}');
    expect(server.stats.refreshCalls).toBe(1);
    expect(server.stats.reuseDetected).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});
