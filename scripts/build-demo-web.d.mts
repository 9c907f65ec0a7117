/** Builds the Angular demo app (see build-demo-web.mjs); resolves with the output folder and the time taken. */
export function buildDemoWeb(outDir?: string): Promise<{ outDir: string; ms: number }>;
