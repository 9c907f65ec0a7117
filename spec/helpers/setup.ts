// Fails the test during which a Promise rejection went unhandled: rxsync promises never to leave one.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  // Give rejections raised in the last microtasks of a test the chance to be reported.
  await new Promise((resolve) => setImmediate(resolve));
  if (unhandled.length > 0) {
    const reasons = unhandled.splice(0);
    throw new Error(`unhandled promise rejection(s) during the test: ${reasons.map(String).join('; ')}`);
  }
});

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});
