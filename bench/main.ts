/**
 * `npm run bench`: every scenario of DESIGN.md §7 in one process run, printed as tables as they
 * finish and written to `bench/RESULTS.md` with a header describing the machine.
 *
 * Order: bundle sizes, entity-store fan-out, whole-pipeline overhead, auth storm, flaky network, loopback outage,
 * the fleet simulation (which also writes `bench/fleet-sim.svg`), offline replay across restarts, the cold start
 * from IndexedDB in headless Chromium, then the cache
 * scenarios of `cache.bench.ts` (memory-tier hit, revalidation) when that file is present.
 * A scenario that throws is reported as such and the run goes on.
 *
 * `npm run bench -- outage fleet` runs only the scenarios whose name contains one of the words and
 * replaces just their sections in `bench/RESULTS.md` (the header says which were refreshed), so a
 * change can be measured without the whole run.
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { authStormScenario } from './auth-storm.bench';
import { bundleSizeScenario } from './bundle-size.bench';
import { coldStartScenario } from './cold-start.bench';
import { fanoutScenario } from './fanout.bench';
import { flakyScenario } from './flaky.bench';
import { fleetScenario } from './fleet.bench';
import { offlineScenario } from './offline.bench';
import { outageScenario } from './outage.bench';
import { pipelineOverheadScenario } from './pipeline-overhead.bench';
import { type ScenarioResult, formatTable } from './report';

type Scenario = readonly [name: string, run: () => Promise<ScenarioResult>];

/** The cache scenarios, if `bench/cache.bench.ts` exists (it is maintained separately). */
async function cacheScenarios(): Promise<Scenario[]> {
  if (!existsSync(join(__dirname, 'cache.bench.ts'))) return [];
  // A computed specifier: the file may not exist when this one is type-checked.
  const specifier = './cache.bench';
  const mod = (await import(specifier)) as Partial<Record<'cacheHitScenario' | 'revalidationScenario', () => Promise<ScenarioResult>>>;
  const found: Scenario[] = [];
  if (mod.cacheHitScenario) found.push(['cacheHitScenario', mod.cacheHitScenario]);
  if (mod.revalidationScenario) found.push(['revalidationScenario', mod.revalidationScenario]);
  return found;
}

function machineHeader(): string {
  const cpu = cpus();
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    // not a git checkout
  }
  return [
    '# rxsync benchmark results',
    '',
    `- date: ${new Date().toISOString()}`,
    `- commit: ${commit}`,
    `- node ${process.version} (${process.platform} ${process.arch}), V8 ${process.versions.v8}`,
    `- ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    "- loopback only; budgets from DESIGN.md §7; ✓ / ✗ verdicts in each table's notes",
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const header = machineHeader();
  console.log(header);
  const scenarios: Scenario[] = [
    ['bundleSizeScenario', bundleSizeScenario],
    ['fanoutScenario', fanoutScenario],
    ['pipelineOverheadScenario', pipelineOverheadScenario],
    ['authStormScenario', authStormScenario],
    ['flakyScenario', flakyScenario],
    ['outageScenario', outageScenario],
    ['fleetScenario', fleetScenario],
    ['offlineScenario', offlineScenario],
    ['coldStartScenario', coldStartScenario],
    ...(await cacheScenarios()),
  ];
  const only = process.argv.slice(2).map((word) => word.toLowerCase());
  const chosen = only.length === 0 ? scenarios : scenarios.filter(([name]) => only.some((word) => name.toLowerCase().includes(word)));
  if (chosen.length === 0) throw new Error(`no scenario matches ${only.join(', ')}; known: ${scenarios.map(([name]) => name).join(', ')}`);
  const sections: string[] = [];
  const started = performance.now();
  for (const [name, run] of chosen) {
    const t0 = performance.now();
    let section: string;
    try {
      section = formatTable(await run());
    } catch (error) {
      process.exitCode = 1;
      section = `### ${name}\n\nfailed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
    }
    section += `\n_${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s_\n`;
    console.log(section);
    sections.push(section);
  }
  const total = `_total: ${((performance.now() - started) / 1000).toFixed(0)} s_\n`;
  console.log(total);
  const resultsPath = join(__dirname, 'RESULTS.md');
  if (only.length === 0 || !existsSync(resultsPath)) {
    writeFileSync(resultsPath, [header, ...sections, total].join('\n'));
    return;
  }
  const refreshed = `${header}- refreshed in this run: ${chosen.map(([name]) => name).join(', ')} (the other sections are from the last full run)\n`;
  writeFileSync(resultsPath, spliceSections(readFileSync(resultsPath, 'utf8'), refreshed, sections));
}

/** Each section ends with its `_name: N s_` line; replaces the sections of the same names, appends new ones. */
function spliceSections(previous: string, header: string, sections: readonly string[]): string {
  const trailer = /^_(\w+): [\d.]+ s_$/m;
  const nameOf = (section: string): string | undefined => trailer.exec(section)?.[1];
  const body = previous.slice(previous.indexOf('\n### ') + 1);
  const totalAt = body.search(/^_total: /m);
  const old = (totalAt < 0 ? body : body.slice(0, totalAt)).split(/(?<=^_\w+: [\d.]+ s_\n)/m).filter((chunk) => chunk.trim() !== '');
  const fresh = new Map(sections.map((section) => [nameOf(section), section]));
  const merged = old.map((chunk) => {
    const name = nameOf(chunk);
    const replacement = fresh.get(name);
    if (replacement === undefined) return chunk;
    fresh.delete(name);
    return replacement;
  });
  const tidy = (chunk: string): string => `${chunk.trim()}\n`;
  return [header, ...[...merged, ...fresh.values()].map(tidy), totalAt < 0 ? '' : tidy(body.slice(totalAt))].join('\n');
}

main().then(
  // Keep-alive sockets and the like must not hold the process open once everything is written.
  () => process.exit(),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
