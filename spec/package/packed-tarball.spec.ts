/**
 * The package as a user installs it: `npm pack` (which builds through `prepack`), the tarball
 * unpacked into a scratch project's node_modules beside exactly the package's dependencies and
 * peers, then
 * - the shipped files (no test bundle, no source map pointing at files not shipped);
 * - the shipped declarations type-checked with `skipLibCheck: false` under node16 (ESM and CJS)
 *   and bundler resolution;
 * - one implementation whatever the module system: an error made through `require` passes
 *   `isApiError` and `instanceof` through `import`, and the other way round;
 * - @arethetypeswrong/cli and publint on the tarball.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

interface PackedFile {
  readonly path: string;
}

function run(file: string, args: readonly string[], options: ExecFileSyncOptions = {}): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: 'pipe', ...options }) as string;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${[file, ...args].join(' ')} failed:\n${failure.stdout ?? ''}\n${failure.stderr ?? ''}\n${failure.message}`, { cause: error });
  }
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** What a consumer writes: both entry points, narrowing by `instanceof`, a typed client. */
const CONSUMER_SOURCE = `
import { createApiClient, createEntityStore, HttpError, isApiError, type ApiClient, type ApiResponse } from 'rxsync';
import { createMockBackend, httpError } from 'rxsync/testing';

interface Item { readonly id: number; readonly title: string }
const backend = createMockBackend();
const client: ApiClient = createApiClient({ baseUrl: 'https://api.test', transport: backend.handler, cache: false });
const items = createEntityStore<Item>({ idKey: 'id' });
client.request<Item[]>({ method: 'GET', url: '/items' }).subscribe((response: ApiResponse<Item[]>) => response.body.length);
items.select(1).subscribe((item: Item | undefined) => item?.title);
const error: unknown = httpError(503);
if (error instanceof HttpError) {
  const status: number = error.status;
  void status;
}
export const checked: boolean = isApiError(error);
`;

const TSCONFIG_BASE = { strict: true, skipLibCheck: false, noEmit: true, target: 'ES2022', lib: ['ES2022', 'DOM'], types: [] as string[] };

describe('the packed tarball, installed in a scratch project', () => {
  let scratch: string;
  let tarball: string;
  let packed: readonly string[];
  let installed: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'rxsync-consumer-'));
    // `npm pack` runs `prepack` (the build); its output precedes the JSON report.
    const out = run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: ROOT });
    const report = JSON.parse(out.slice(out.search(/^\[$/m))) as Array<{ filename: string; files: PackedFile[] }>;
    tarball = join(scratch, report[0].filename);
    packed = report[0].files.map((file) => file.path);

    installed = join(scratch, 'node_modules/rxsync');
    mkdirSync(installed, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
    // Only what npm would install beside it: the package's dependencies and peers.
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    for (const name of [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]) {
      const target = join(scratch, 'node_modules', name);
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', name), target, 'dir');
    }
  }, 120_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('ships the built entry points and nothing users do not need', () => {
    expect(packed).toEqual(
      expect.arrayContaining(['dist/index.mjs', 'dist/index.cjs', 'dist/index.d.mts', 'dist/index.d.cts', 'dist/testing.mjs', 'dist/testing.cjs']),
    );
    expect(packed.filter((path) => path.startsWith('dist/browser') || path.endsWith('.map') || path.startsWith('lib/') || path.startsWith('spec/'))).toEqual(
      [],
    );
    // Every file `exports` names is in the tarball.
    const manifest = readFileSync(join(installed, 'package.json'), 'utf8');
    for (const [, file] of manifest.matchAll(/"\.\/(dist\/[^"]+)"/g)) expect(packed).toContain(file);
  });

  it.each([
    ['node16, ESM', 'esm', { module: 'node16', moduleResolution: 'node16' }, 'consumer.mts'],
    ['node16, CJS', 'cjs', { module: 'node16', moduleResolution: 'node16' }, 'consumer.cts'],
    ['bundler', 'bundler', { module: 'esnext', moduleResolution: 'bundler' }, 'consumer.ts'],
  ])(
    'its declarations type-check with skipLibCheck: false under %s',
    (_name, dir, resolution, file) => {
      const project = join(scratch, dir);
      write(join(project, file), CONSUMER_SOURCE);
      write(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...TSCONFIG_BASE, ...resolution }, files: [file] }));
      run(process.execPath, [TSC, '-p', project]);
    },
    60_000,
  );

  it('is one implementation: errors pass isApiError and instanceof across import and require', () => {
    const script = join(scratch, 'across.mjs');
    write(
      script,
      `
import { createRequire } from 'node:module';
import * as esm from 'rxsync';
import * as esmTesting from 'rxsync/testing';
const require = createRequire(import.meta.url);
const cjs = require('rxsync');
const cjsTesting = require('rxsync/testing');
const fromCjs = cjsTesting.httpError(503);
const fromEsm = esmTesting.networkError('not-sent');
console.log(JSON.stringify({
  distinctCopies: esm.HttpError !== cjs.HttpError,
  cjsErrorInEsm: [esm.isApiError(fromCjs), fromCjs instanceof esm.ApiError, fromCjs instanceof esm.HttpError, fromCjs instanceof esm.NetworkError],
  esmErrorInCjs: [cjs.isApiError(fromEsm), fromEsm instanceof cjs.ApiError, fromEsm instanceof cjs.NetworkError, fromEsm instanceof cjs.HttpError],
  notErrors: [esm.isApiError(new Error('x')), cjs.isApiError({ kind: 'http' }), new TypeError('x') instanceof esm.ApiError],
  testingSharesCore: esmTesting.httpError(500) instanceof esm.HttpError && cjsTesting.httpError(500) instanceof cjs.HttpError,
}));
`,
    );
    expect(JSON.parse(run(process.execPath, [script], { cwd: scratch }))).toEqual({
      distinctCopies: true,
      cjsErrorInEsm: [true, true, true, false],
      esmErrorInCjs: [true, true, true, false],
      notErrors: [false, false, false],
      testingSharesCore: true,
    });
  });

  it('is clean for @arethetypeswrong/cli and publint', () => {
    // `--profile node16`: node16 (ESM and CJS) and bundler; node10 resolves through `typesVersions` too.
    const attw = run(process.execPath, [join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js'), tarball, '--format', 'json']);
    const problems = (JSON.parse(attw) as { analysis: { problems: unknown[] } }).analysis.problems;
    expect(problems).toEqual([]);
    const publint = run(process.execPath, [join(ROOT, 'node_modules/publint/src/cli.js'), installed, '--strict', '--pack', 'false']);
    expect(publint).toContain('All good!');
  }, 60_000);
});
