import type { OperationType } from './graphql-context';

/** The operation a document will run: its type, and its name when it has one. */
export interface ParsedOperation {
  readonly type: OperationType;
  readonly name?: string;
}

// Tokens that matter at the top level of a document. Comments and strings are matched so that
// braces or keywords inside them are skipped; `$var` and `@directive` are matched whole so they
// are never taken for an operation name.
const TOKENS = /#[^\n\r]*|"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|[{}()]|[$@]?[_A-Za-z][_0-9A-Za-z]*/g;
const OPERATION_KEYWORDS: ReadonlySet<string> = new Set(['query', 'mutation', 'subscription']);

/**
 * Finds the operation of a GraphQL document without a GraphQL parser: a scan of the top-level
 * tokens, enough to know whether to POST (mutations) and what `operationName` to send. With
 * several operations, `operationName` picks one (GraphQL spec §6.1 GetOperation); otherwise the
 * first is used. A document with no operation counts as a query.
 *
 * @example
 * parseOperation('mutation Rename($id: ID!) { renameItem(id: $id) { id } }'); // { type: 'mutation', name: 'Rename' }
 * parseOperation('{ me { id } }');                                           // { type: 'query' }
 */
export function parseOperation(document: string, operationName?: string): ParsedOperation {
  const operations = operationsOf(document);
  const chosen = operationName === undefined ? undefined : operations.find((op) => op.name === operationName);
  return chosen ?? operations[0] ?? { type: 'query' };
}

function operationsOf(document: string): ParsedOperation[] {
  const operations: ParsedOperation[] = [];
  let braces = 0;
  let parens = 0;
  // What the current top-level definition is, until its selection set opens.
  let definition: OperationType | 'other' | undefined;
  let expectName = false;
  for (const [token] of document.matchAll(TOKENS)) {
    const first = token[0];
    if (first === '#' || first === '"') continue;
    const wasExpectingName = expectName;
    expectName = false;
    if (token === '(') parens++;
    else if (token === ')') parens = Math.max(0, parens - 1);
    // Braces inside variable definitions are default values (`$f: In = { a: 1 }`), not selections.
    else if (parens > 0) continue;
    else if (token === '{') {
      if (braces === 0 && definition === undefined) operations.push({ type: 'query' }); // `{ … }` shorthand
      if (braces === 0) definition = undefined;
      braces++;
    } else if (token === '}') braces = Math.max(0, braces - 1);
    else if (braces > 0) continue;
    else if (definition === undefined) {
      if (OPERATION_KEYWORDS.has(token)) {
        definition = token as OperationType;
        operations.push({ type: definition });
        expectName = true;
      } else {
        definition = 'other'; // fragment, schema definitions…
      }
    } else if (wasExpectingName && first !== '$' && first !== '@' && definition !== 'other') {
      operations[operations.length - 1] = { type: definition, name: token };
    }
  }
  return operations;
}
