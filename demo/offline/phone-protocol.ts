/** What the demo's parent process and its phone process (./phone.ts) share: the data and the IPC messages. */

export interface Item {
  /** The demo server's ids are strings. */
  readonly id: string;
  readonly name: string;
  readonly price: number;
}

/** The three edits the user makes in the tunnel. */
export const EDITS: ReadonlyArray<{ readonly id: string; readonly name: string }> = [
  { id: '1', name: 'Blue notebook' },
  { id: '2', name: 'Brass lamp' },
  { id: '3', name: 'Oak desk' },
];

export type PhoneMessage =
  | { readonly type: 'line'; readonly text: string }
  | { readonly type: 'queued'; readonly keys: readonly string[] }
  | { readonly type: 'report'; readonly keys: readonly string[]; readonly names: readonly string[]; readonly pending: number; readonly dead: number };
