import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventHeap, Scheduler, type QueuedEvent } from '../../emulator/index.js';

describe('EventHeap', () => {
  it('pops in (time, seq) order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (times) => {
        const h = new EventHeap();
        times.forEach((time, seq) => h.push({ time, seq, fn: null, daemon: false }));
        const out: QueuedEvent[] = [];
        for (let e = h.pop(); e; e = h.pop()) out.push(e);
        const expected = times.map((time, seq) => ({ time, seq })).sort((a, b) => a.time - b.time || a.seq - b.seq);
        expect(out.map((e) => [e.time, e.seq])).toEqual(expected.map((e) => [e.time, e.seq]));
      }),
    );
  });
});

describe('Scheduler', () => {
  it('runs events by time, then by insertion order', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    s.at(20, () => log.push('b@20'));
    s.at(10, () => log.push('a@10'));
    s.at(20, () => log.push('c@20'));
    s.at(10, () => {
      log.push('d@10');
      s.after(0, () => log.push('e@10 (scheduled during 10)'));
      s.at(20, () => log.push('f@20 (scheduled during 10)'));
    });
    expect(await s.run()).toBe('idle');
    expect(log).toEqual(['a@10', 'd@10', 'e@10 (scheduled during 10)', 'b@20', 'c@20', 'f@20 (scheduled during 10)']);
    expect(s.now).toBe(20);
    expect(s.eventsRun).toBe(6);
  });

  it('never schedules into the past (clamps to now)', async () => {
    const s = new Scheduler();
    let t = -1;
    s.at(100, () => s.at(5, () => (t = s.now)));
    await s.run();
    expect(t).toBe(100);
  });

  it('cancelled events do not run and do not keep the loop alive', async () => {
    const s = new Scheduler();
    let ran = false;
    const ev = s.at(1000, () => (ran = true));
    s.cancel(ev);
    s.cancel(ev);
    expect(s.pending).toBe(0);
    expect(await s.run()).toBe('idle');
    expect(ran).toBe(false);
    expect(s.now).toBe(0);
  });

  it('daemon events run only while other work remains', async () => {
    const s = new Scheduler();
    const log: number[] = [];
    s.at(5, () => log.push(5), { daemon: true });
    s.at(10, () => log.push(10));
    s.at(50, () => log.push(50), { daemon: true });
    expect(await s.run()).toBe('idle');
    expect(log).toEqual([5, 10]);
  });

  it('stops at the time limit with the clock at the limit, and continues on the next run', async () => {
    const s = new Scheduler();
    const log: number[] = [];
    for (const t of [10, 20, 30]) s.at(t, () => log.push(t));
    expect(await s.run(20)).toBe('time-limit');
    expect(log).toEqual([10, 20]);
    expect(s.now).toBe(20);
    expect(await s.run()).toBe('idle');
    expect(log).toEqual([10, 20, 30]);
  });

  it('sleep resolves at the virtual time asked for, whatever host time passes', async () => {
    const s = new Scheduler();
    const seen: number[] = [];
    const task = async (): Promise<void> => {
      await s.sleep(1_000_000_000);
      seen.push(s.now);
      await s.sleep(500);
      seen.push(s.now);
    };
    s.at(0, () => {
      s.markWoke();
      void task();
    });
    expect(await s.run()).toBe('idle');
    expect(seen).toEqual([1_000_000_000, 1_000_000_500]);
  });

  it('block wakes with the value given, or times out with the timeout value', async () => {
    const s = new Scheduler();
    let wakeFn: ((v: string) => void) | null = null;
    const results: [string, number][] = [];
    s.at(0, () => {
      s.markWoke();
      void s.block<string>((w) => ((wakeFn = w), () => (wakeFn = null)), 100, 'timeout').then((v) => results.push([v, s.now]));
      void s.block<string>(() => () => {}, 40, 'timeout').then((v) => results.push([v, s.now]));
    });
    s.at(70, () => wakeFn?.('woken'));
    await s.run();
    expect(results).toEqual([
      ['timeout', 40],
      ['woken', 70],
    ]);
  });

  it('drains microtasks after a wake-up before the next event (task interleaving follows virtual time only)', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    const task = async (name: string, delays: number[]): Promise<void> => {
      for (const d of delays) {
        await s.sleep(d);
        // a deep chain of awaits still completes before the next event
        for (let i = 0; i < 50; i++) await Promise.resolve();
        log.push(`${name}@${s.now}`);
      }
    };
    s.at(0, () => {
      s.markWoke();
      void task('A', [10, 10, 10]);
      void task('B', [15, 5, 10]);
    });
    s.at(20, () => log.push('event@20')); // scheduled before the tasks' wake-ups for 20, so it runs first
    await s.run();
    expect(log).toEqual(['A@10', 'B@15', 'event@20', 'A@20', 'B@20', 'A@30', 'B@30']);
  });

  it('an event callback that throws stops the loop with task-failed', async () => {
    const s = new Scheduler();
    s.at(5, () => {
      throw new Error('boom');
    });
    let later = false;
    s.at(6, () => (later = true));
    expect(await s.run()).toBe('task-failed');
    expect(s.failed?.source).toBe('event');
    expect(later).toBe(false);
  });

  it('poll fires when its predicate holds after an event', async () => {
    const s = new Scheduler();
    let x = 0;
    let firedAt = -1;
    s.poll(
      () => x >= 3,
      () => (firedAt = s.now),
    );
    for (const t of [10, 20, 30, 40]) s.at(t, () => x++);
    await s.run();
    expect(firedAt).toBe(30);
  });
});
