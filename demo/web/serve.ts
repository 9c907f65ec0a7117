/**
 * `npm run demo:web`: builds the Angular demo app, starts it with the embedded demo backend on
 * a loopback port, prints the URL and serves until stopped (Ctrl-C). `--port=N` picks the port.
 */
import { buildDemoWeb } from '../../scripts/build-demo-web.mjs';
import { startWebDemo } from './web-server';

async function main(): Promise<void> {
  const portArg = process.argv.find((arg) => arg.startsWith('--port='));
  const { outDir, ms } = await buildDemoWeb();
  process.stdout.write(`built the Angular app in ${(ms / 1000).toFixed(1)} s\n`);
  const demo = await startWebDemo({ appDir: outDir, port: portArg ? Number(portArg.slice(7)) : 0 });
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
