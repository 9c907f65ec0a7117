import { TestScheduler } from 'rxjs/testing';

/**
 * A TestScheduler whose assertions compare errors by their own properties (kind, status, reason…)
 * as well as name and message: jest's `toEqual` alone compares Error objects by message only.
 */
export function createTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(normalize(actual)).toEqual(normalize(expected));
  });
}

function normalize(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((message: { notification?: { kind?: string; error?: unknown } }) =>
    message?.notification?.kind === 'E' && message.notification.error instanceof Error
      ? { ...message, notification: { ...message.notification, error: plainError(message.notification.error) } }
      : message,
  );
}

function plainError(error: Error): Record<string, unknown> {
  return { ...error, name: error.name, message: error.message };
}
