/**
 * The emulated side of a program: its task context as a {@link ProgramHost}, an emulated
 * Winsock socket as a {@link ByteStream}, and threads (tasks of the same process).
 */
import type { Device, Process } from '../../device/index.js';
import { EmulatedDevice, SOCKET_ERROR, wsaErrorName, SD_SEND, type StreamSocket, type TaskContext } from '../index.js';
import type { ByteStream, ProgramHost, StreamRead } from './types.js';

/** A task context as a program host: virtual time, CPU drained into virtual time, the run's trace. */
export class TaskProgramHost implements ProgramHost {
  constructor(readonly ctx: TaskContext) {}
  get process(): Process {
    return this.ctx.process;
  }
  get device(): Device {
    return this.ctx.device;
  }
  now(): number {
    return this.ctx.now();
  }
  compute(): Promise<void> {
    return this.ctx.compute();
  }
  trace(kind: string, details: Record<string, string | number | boolean | null> = {}): void {
    this.ctx.trace(kind, details);
  }
  async waitUntil(ready: () => boolean, timeoutNs: number): Promise<boolean> {
    return (await this.ctx.waitFor(() => ready(), timeoutNs)).ok;
  }
}

/** An emulated stream socket as a byte stream. */
export class SocketStream implements ByteStream {
  constructor(readonly socket: StreamSocket) {}
  get lastError(): string {
    return wsaErrorName(this.socket.lastError);
  }
  async send(data: Uint8Array): Promise<number> {
    return this.socket.send(data);
  }
  async recv(maxBytes: number, timeoutNs: number): Promise<StreamRead> {
    const r = await this.socket.recv(maxBytes, timeoutNs);
    return { result: r.result, data: r.data, error: r.result === SOCKET_ERROR ? wsaErrorName(r.error) : '' };
  }
  shutdownSend(): void {
    this.socket.shutdown(SD_SEND);
  }
  close(): void {
    this.socket.close();
  }
}

/**
 * Runs `fn` as another thread of the calling task's process (a task on the same device and
 * process) and resolves when it ends. The caller waits with `ctx.waitFor(promise)`.
 */
export function spawnThread(ctx: TaskContext, name: string, fn: (ctx: TaskContext) => Promise<void>): Promise<void> {
  const owner = ctx.task.owner;
  if (!(owner instanceof EmulatedDevice)) throw new Error('spawnThread: the task does not run on an emulated device');
  return new Promise<void>((resolve) => {
    owner.spawn(
      name,
      async (tctx) => {
        try {
          await fn(tctx);
        } finally {
          resolve();
        }
      },
      { process: ctx.process },
    );
  });
}
