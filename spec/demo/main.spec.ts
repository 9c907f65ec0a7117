import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

/** `npm run demo` is the README's first command: it must finish with exit 0 and its summary. */
describe('demo: npm run demo', () => {
  it('runs every chapter and exits 0', async () => {
    const root = resolve(__dirname, '../..');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'demo/main.ts'], { cwd: root, timeout: 60_000 });
    expect(stdout).toContain('── summary');
    expect(stdout).toMatch(/offline: 3 edits queued before the kill, applied exactly once each, in order: yes/);
    expect(stdout).toContain('tokens after the failed refresh: cleared');
  }, 70_000);
});
