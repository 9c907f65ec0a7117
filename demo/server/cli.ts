/**
 * Starts the demo backend for manual poking: `npx tsx demo/server/cli.ts [--seed=N] [--ttl=SEC]
 * [--items=N] [--latency=MS] [--<faultKnob>=VALUE …]`, e.g. `--errorRate=0.2 --outage=false`.
 */
import { startDemoServer, type FaultKnobs } from './index';
import { NO_FAULTS } from './faults';

function parseArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`unrecognized argument ${arg}`);
    args.set(match[1], match[2] ?? 'true');
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const num = (name: string): number | undefined => (args.has(name) ? Number(args.get(name)) : undefined);
  const server = await startDemoServer({
    seed: num('seed'),
    accessTokenTtlSec: num('ttl'),
    itemCount: num('items'),
    latencyMs: num('latency'),
  });
  const faults: Partial<Record<keyof FaultKnobs, number | boolean>> = {};
  for (const [name, value] of args) {
    if (!(name in NO_FAULTS)) continue;
    const key = name as keyof FaultKnobs;
    faults[key] = typeof NO_FAULTS[key] === 'boolean' ? value === 'true' : Number(value);
  }
  server.setFaults(faults as Partial<FaultKnobs>);

  const { accessToken } = await server.issueTokens({ sub: 'cli', expiresInSec: 3600 });
  process.stdout.write(
    `rxsync demo server listening on ${server.url}\n` + `try: curl -i -H 'Authorization: Bearer ${accessToken}' ${server.url}/items\n` + 'Ctrl-C to stop.\n',
  );
  process.once('SIGINT', () => {
    void server.close().then(() => {
      process.stdout.write(`\nstopped; ${server.stats.requests} requests served\n`);
      process.exit(0);
    });
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
