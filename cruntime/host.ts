/**
 * What the runtime needs from the place it runs a C process: the emulated process and device,
 * stream sockets, virtual-time sleep, name resolution and the trace. The emulator's task
 * context gives all of it; the types are structural so `cruntime/` does not depend on the loop.
 */
import type { Device, Process } from '../device/index.js';

/** A connected or listening stream socket (the emulator's `StreamSocket` fits). */
export interface WasmSocket {
  /** The Winsock error of the last failed call. */
  readonly lastError: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  listen(port: number, backlog?: number): number;
  accept(timeoutNs?: number): Promise<WasmSocket | null>;
  connect(address: string, port: number): Promise<number>;
  send(data: Uint8Array): Promise<number>;
  recv(maxBytes?: number, timeoutNs?: number): Promise<{ result: number; data: Uint8Array; error: number }>;
  shutdown(how: number): number;
  close(): number;
}

/** The host of one C process. */
export interface WasmHost {
  readonly process: Process;
  readonly device: Device;
  /** A new stream socket on the device. */
  socket(): WasmSocket;
  /** Sleeps `ns` of virtual time (after turning the CPU time charged so far into time). */
  sleep(ns: number): Promise<void>;
  /** Turns the CPU time charged so far into virtual time. */
  compute(): Promise<void>;
  /** A device name or dotted address → IPv4 address, or null. */
  resolve(name: string): string | null;
  /** Records an event in the run's trace. */
  trace(kind: string, details?: Record<string, string | number | boolean | null>): void;
}
