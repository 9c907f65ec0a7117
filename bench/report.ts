/** What each benchmark scenario returns; `bench/main.ts` prints them as tables. */
export interface ScenarioResult {
  readonly title: string;
  /** One row per contestant; the first column is the contestant's name. */
  readonly rows: ReadonlyArray<Readonly<Record<string, string | number>>>;
  /** Budget verdicts and caveats, printed under the table. */
  readonly notes?: readonly string[];
}

export function formatTable(result: ScenarioResult): string {
  const columns = [...new Set(result.rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: string | number | undefined): string => (value === undefined ? '' : typeof value === 'number' ? formatNumber(value) : value);
  const widths = columns.map((c) => Math.max(c.length, ...result.rows.map((r) => cell(r[c]).length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    `### ${result.title}`,
    '',
    line(columns),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...result.rows.map((row) => line(columns.map((c) => cell(row[c])))),
    ...(result.notes?.length ? ['', ...result.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
}
