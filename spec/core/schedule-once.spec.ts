import { asyncScheduler } from 'rxjs';
import { scheduleOnce } from '../../lib/core/schedule-once';
import { createTestScheduler } from '../helpers/marbles';

describe('scheduleOnce', () => {
  it('runs once after the delay on a virtual scheduler, and not at all when cancelled', () => {
    const rx = createTestScheduler();
    const ran: number[] = [];
    scheduleOnce(rx, 100, () => ran.push(rx.now()));
    const cancel = scheduleOnce(rx, 50, () => ran.push(-1));
    cancel();
    rx.flush();
    expect(ran).toEqual([100]);
  });

  it('uses a one-shot timer with the default asyncScheduler, cancelled by clearTimeout', async () => {
    jest.useFakeTimers();
    try {
      const ran: string[] = [];
      scheduleOnce(asyncScheduler, 10, () => ran.push('fired'));
      const cancel = scheduleOnce(asyncScheduler, 10, () => ran.push('cancelled one fired'));
      cancel();
      expect(jest.getTimerCount()).toBe(1);
      jest.advanceTimersByTime(10);
      expect(ran).toEqual(['fired']);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
