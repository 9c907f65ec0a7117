import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The README documents the offline API (issue #8): every name `lib/index.ts` exports in its
 * offline section, the offline errors and their reasons, and every connectivity / outbox event.
 * A name added to the code without a word in the README fails here.
 */
describe('README: offline docs', () => {
  const root = join(__dirname, '..', '..');
  const read = (path: string): string => readFileSync(join(root, path), 'utf8');
  const readme = read('README.md');
  /** Everything inside backticks (inline code and code blocks): a name is documented when it is shown as code. */
  const code = [...readme.matchAll(/```[^\n]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2]).join('\n');
  const mentioned = (name: string): boolean => new RegExp(`(^|[^\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(code);
  const section = (heading: string): string => {
    const start = readme.indexOf(`\n${heading}\n`);
    if (start < 0) return '';
    const end = readme.indexOf('\n## ', start + heading.length + 2);
    return readme.slice(start, end < 0 ? undefined : end);
  };

  /** The names of the `export { … }` / `export type { … }` statements in the `// Offline…` block of lib/index.ts. */
  const offlineExports = (): string[] => {
    const index = read('lib/index.ts');
    const start = index.search(/^\/\/ Offline/m);
    const rest = index.slice(start);
    const next = rest.slice(1).search(/\n\n\/\/ /);
    const block = next < 0 ? rest : rest.slice(0, next + 1);
    return [...block.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((m) =>
      m[1]
        .split(',')
        .map((name) =>
          name
            .trim()
            .split(/\s+as\s+/)
            .pop()!
            .trim(),
        )
        .filter(Boolean),
    );
  };

  /** The string literals of a union type alias in a source file. */
  const unionLiterals = (path: string, alias: string): string[] => {
    const source = read(path).replace(/\/\*[\s\S]*?\*\//g, ''); // comments may hold quotes and semicolons
    const match = new RegExp(`export type ${alias} =([^;]*);`).exec(source);
    return match ? [...match[1].matchAll(/'([^']+)'/g)].map((m) => m[1]) : [];
  };

  const eventTypes = [...read('lib/core/events.ts').matchAll(/type: '([^']+)'/g)].map((m) => m[1]);
  const offlineEvents = eventTypes.filter((type) => type === 'connectivity' || type.startsWith('outbox-'));

  it('finds what it checks (a parser that matches nothing would prove nothing)', () => {
    expect(offlineExports()).toEqual(expect.arrayContaining(['manualConnectivity', 'sqliteOutboxStorage', 'OutboxEntry', 'webLocksDrainer']));
    expect(offlineExports().length).toBeGreaterThanOrEqual(30);
    expect(offlineEvents).toEqual(expect.arrayContaining(['connectivity', 'outbox-queued', 'outbox-dead']));
    expect(unionLiterals('lib/core/errors.ts', 'OutboxErrorReason')).toEqual(expect.arrayContaining(['storage-failed', 'settled-elsewhere']));
    expect(section('## Offline')).not.toBe('');
  });

  it('shows every offline export of lib/index.ts as code', () => {
    expect(offlineExports().filter((name) => !mentioned(name))).toEqual([]);
  });

  it('lists OfflineError and OutboxError, with every reason, in the Errors table', () => {
    const errors = section('## Errors');
    const missing = ['OfflineError', 'OutboxError', 'queued', 'offline', 'unreachable', ...unionLiterals('lib/core/errors.ts', 'OutboxErrorReason')].filter(
      (name) => !errors.includes(`\`${name}\``) && !errors.includes(`\`${name}:`),
    );
    expect(missing).toEqual([]);
  });

  it('lists every connectivity and outbox event in the Events section', () => {
    const events = section('## Events');
    expect(offlineEvents.filter((type) => !events.includes(`\`${type}\``))).toEqual([]);
  });

  it('names every outbox status and client.outbox member', () => {
    const statuses = unionLiterals('lib/offline/outbox-entry.ts', 'OutboxStatus');
    expect(statuses.length).toBeGreaterThanOrEqual(5);
    const outbox = read('lib/offline/outbox.ts');
    const body = /export interface Outbox \{([\s\S]*?)\n\}/.exec(outbox)?.[1] ?? '';
    const members = [...body.matchAll(/^\s+(?:readonly\s+)?([\w$]+)[(<:?]/gm)].map((m) => m[1]);
    expect(members).toEqual(expect.arrayContaining(['pending$', 'entries$', 'deadLetters$', 'retry', 'discard', 'whenIdle']));
    expect([...statuses, ...members].filter((name) => !mentioned(name))).toEqual([]);
  });
});
