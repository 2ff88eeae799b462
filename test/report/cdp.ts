/**
 * Test helper: a headless Chromium driven over the Chrome DevTools Protocol on a pipe
 * (`--remote-debugging-pipe`: commands go in on fd 3 and replies come out on fd 4, each a JSON
 * message ended by a NUL byte), so no WebSocket client or npm package is needed.
 *
 * `.ci/run` installs Debian's `chromium`; the gate is test/support/peers.ts `required`: under CI
 * a missing browser fails the suite, elsewhere it is skipped with a message.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { required } from '../support/peers.js';

/** The browser binary: `$CHROMIUM`, else Debian's `/usr/bin/chromium`. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** True when the browser suites run: the browser is installed (under CI a missing one throws here). */
export const RUN_CHROMIUM_SUITES = required(existsSync(CHROMIUM), `chromium at ${CHROMIUM}`, 'apt-get install chromium');

/** One CDP event: its method, parameters and the session it came from. */
export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

interface CdpReply {
  id?: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
  method?: string;
  params?: Record<string, unknown>;
  sessionId?: string;
}

/** A running headless Chromium and its protocol pipe. */
export class Chromium {
  /** Every event received so far, in order. */
  readonly events: CdpEvent[] = [];
  /** The browser's stderr, for diagnosing a failed launch. */
  stderr = '';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void; method: string }>();
  private readonly waiters: { method: string; resolve: (e: CdpEvent) => void }[] = [];
  private buffer = Buffer.alloc(0);

  private constructor(
    private readonly child: ChildProcess,
    private readonly input: Writable,
    output: Readable,
  ) {
    output.on('data', (chunk: Buffer) => this.onData(chunk));
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited (${code}) during ${p.method}\n${this.stderr}`));
      this.pending.clear();
    });
  }

  /** Starts a headless browser with its profile in `userDataDir`. */
  static launch(userDataDir: string): Chromium {
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage', // containers often have a tiny /dev/shm
      '--disable-quic',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      '--hide-scrollbars',
      '--mute-audio',
      `--user-data-dir=${userDataDir}`,
      '--remote-debugging-pipe',
      'about:blank',
    ];
    const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    const input = child.stdio[3] as Writable;
    const output = child.stdio[4] as Readable;
    return new Chromium(child, input, output);
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (let end = this.buffer.indexOf(0); end >= 0; end = this.buffer.indexOf(0)) {
      const msg = JSON.parse(this.buffer.subarray(0, end).toString('utf8')) as CdpReply;
      this.buffer = this.buffer.subarray(end + 1);
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (!p) continue;
        if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
        else p.resolve(msg.result ?? {});
      } else if (msg.method) {
        const ev: CdpEvent = { method: msg.method, params: msg.params ?? {}, ...(msg.sessionId ? { sessionId: msg.sessionId } : {}) };
        this.events.push(ev);
        for (let i = this.waiters.length - 1; i >= 0; i--) {
          if (this.waiters[i]!.method === ev.method) this.waiters.splice(i, 1)[0]!.resolve(ev);
        }
      }
    }
  }

  /** Sends one command (to the browser, or to a page session) and resolves with its result. */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const msg = JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.input.write(`${msg}\0`);
    });
  }

  /** Resolves with the next event called `method`. */
  waitFor(method: string): Promise<CdpEvent> {
    return new Promise((resolve) => this.waiters.push({ method, resolve }));
  }

  /** Closes the browser and waits for it to exit. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    try {
      await Promise.race([this.send('Browser.close'), exited]);
    } catch {
      // The browser may exit before it answers.
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
