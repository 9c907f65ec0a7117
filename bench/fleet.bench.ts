/**
 * The fleet simulation of `fleet-sim.ts` as a benchmark scenario: one row per strategy, and an SVG
 * chart of requests per second over time written next to RESULTS.md (`bench/fleet-sim.svg`).
 * Standalone: `npx tsx bench/fleet.bench.ts`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CALL_INTERVAL_MS,
  CAPACITY_PER_S,
  CLIENTS,
  DURATION_S,
  MAX_QUEUE_S,
  OUTAGE_S,
  OUTAGE_START_S,
  simulate,
  STRATEGIES,
  summarize,
  TIMEOUT_MS,
  type SimResult,
} from './fleet-sim';
import { isMain, verdict } from './harness';
import { formatTable, type ScenarioResult } from './report';

const COLORS = ['#1f77b4', '#d62728', '#ff7f0e', '#2ca02c', '#9467bd'];

/** A line chart of requests arriving per second, one line per strategy, the outage shaded. */
export function fleetChart(results: readonly SimResult[]): string {
  const width = 900;
  const height = 420;
  const left = 70;
  const right = 20;
  const top = 40;
  const bottom = 130;
  const maxY = Math.ceil(Math.max(CAPACITY_PER_S, ...results.flatMap((r) => r.arrivalsPerS)) / 10_000) * 10_000;
  const x = (s: number): number => left + ((width - left - right) * s) / DURATION_S;
  const y = (v: number): number => top + (height - top - bottom) * (1 - v / maxY);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="14" font-weight="bold">${CLIENTS.toLocaleString('en')} clients, backend fails ${OUTAGE_S} s: requests arriving per second</text>`,
    `<rect x="${x(OUTAGE_START_S)}" y="${top}" width="${x(OUTAGE_START_S + OUTAGE_S) - x(OUTAGE_START_S)}" height="${height - top - bottom}" fill="#eee"/>`,
    `<text x="${x(OUTAGE_START_S) + 4}" y="${top + 14}" fill="#666">outage</text>`,
  ];
  for (let v = 0; v <= maxY; v += 10_000) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v / 1000}k</text>`,
    );
  }
  for (let s = 0; s <= DURATION_S; s += 20) parts.push(`<text x="${x(s)}" y="${height - bottom + 16}" text-anchor="middle">${s} s</text>`);
  parts.push(
    `<line x1="${left}" x2="${width - right}" y1="${y(CAPACITY_PER_S)}" y2="${y(CAPACITY_PER_S)}" stroke="black" stroke-dasharray="6 4"/>`,
    `<text x="${width - right}" y="${y(CAPACITY_PER_S) - 4}" text-anchor="end">backend capacity</text>`,
  );
  results.forEach((r, i) => {
    const points = r.arrivalsPerS.map((v, s) => `${x(s + 0.5).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.6" points="${points}"/>`);
    const ly = height - bottom + 36 + i * 18;
    parts.push(
      `<line x1="${left}" x2="${left + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${COLORS[i % COLORS.length]}" stroke-width="3"/>`,
      `<text x="${left + 30}" y="${ly}">${escapeXml(r.strategy)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export async function fleetScenario(): Promise<ScenarioResult> {
  const results = STRATEGIES.map((strategy) => simulate(strategy));
  writeFileSync(join(__dirname, 'fleet-sim.svg'), fleetChart(results));
  const rows = results.map(summarize);
  const ours = rows[0];
  const mean = ours['outage load ÷ normal (mean)'] as number;
  return {
    title: `Fleet simulation (virtual time): ${CLIENTS.toLocaleString('en')} clients, backend of fixed capacity failing ${OUTAGE_S} s`,
    rows,
    notes: [
      `${verdict(mean <= 1.2)} rxsync defaults: mean load during the outage ≤ 1.2× normal: ${mean.toFixed(2)}× (peak second ${(ours['outage load ÷ normal (peak 1 s)'] as number).toFixed(2)}×). With clients this slow (one call per 10 s) the breaker's 3 s break saves nothing: each phone's first failed call spends what the budget allows (1 retry with the default 4-token bucket), then the fleet sends one request per call. The extra row is the former default, a 10-token bucket: 4 retries, ${(rows[3]['outage load ÷ normal (mean)'] as number).toFixed(2)}×`,
      `${verdict(ours['healthy again after recovery'] === '0 s')} rxsync defaults: backend healthy again within one backoff step of its recovery: ${ours['healthy again after recovery']}; without budget and jitter the retries keep it down (${rows[1]['healthy again after recovery']}, a metastable failure)`,
      `model: each client calls every ${CALL_INTERVAL_MS / 1000} s (random phase), ${4} attempts, backoff 1/2/4 s, ${TIMEOUT_MS / 1000} s per-attempt timeout; backend FIFO at ${CAPACITY_PER_S.toLocaleString('en')} req/s (1.5× normal load), sheds past ${MAX_QUEUE_S} s of queue, an answer later than the client's timeout is wasted work; the outage answers 503 at once without Retry-After (so pushback plays no part); healthy = ≥ 95 % of arriving requests answered in time, from that second on. Decisions are rxsync's own pure functions (backoffDelay, the A6 budget, the breaker); seeded, so every run is the same`,
      `server pushback (last row): a Retry-After of 20 s on every 503 of the outage: ${(rows[4]['outage load ÷ normal (mean)'] as number).toFixed(2)}× during the outage (defaults without it: ${mean.toFixed(2)}×; with the default 4-token bucket a phone has at most 1 retry to hold back), healthy ${rows[4]['healthy again after recovery']} after recovery. A Retry-After longer than the outage's remaining time moves load, it does not remove it`,
      'chart: [fleet-sim.svg](fleet-sim.svg)',
    ],
  };
}

if (isMain(/fleet\.bench\.[cm]?[jt]s$/)) {
  fleetScenario().then(
    (result) => console.log(formatTable(result)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
