/**
 * `npm run demo:web`: builds the Angular demo app, starts it with the embedded demo backend on
 * a loopback port, prints the URL and serves until stopped (Ctrl-C). `--port=N` picks the port.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startWebDemo } from './web-server';

const ROOT = resolve(__dirname, '../..');
const OUT_DIR = join(ROOT, 'demo/web/.build');

async function main(): Promise<void> {
  const portArg = process.argv.find((arg) => arg.startsWith('--port='));
  // Its own process: the build is ESM (the Angular compiler is ESM only), this script is CommonJS under tsx.
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-demo-web.mjs'), OUT_DIR], { stdio: 'inherit' });
  const demo = await startWebDemo({ appDir: OUT_DIR, port: portArg ? Number(portArg.slice(7)) : 0 });
  process.stdout.write(`rxsync Angular demo: ${demo.url}\nCtrl-C to stop.\n`);
  const stop = (): void => {
    void demo.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
