/**
 * The `wasm` program: a module built by `cesim cc` run as the process (see `cruntime/`). Its
 * exit code is its status (`SEC_E_OK` for 0, a `SECURITY_STATUS` name when the C returned one,
 * else `exit N`); a trap or device fault fails it with the C function and offset.
 */
import { runWasmProcess, type WasmHost, type WasmSocket } from '../../cruntime/index.js';
import { compileCached } from '../../sdk/index.js';
import { installDeviceCertificate } from '../../schannel/index.js';
import { statusName } from '../../sspi/index.js';
import type { StreamSocket } from '../net/socket.js';
import { TaskProgramHost } from './emulated.js';
import { addRootCertificates } from './tls-session.js';
import type { ProgramDefinition } from './registry.js';
import { emptyOutcome, type ProgramOutcome } from './types.js';

/** Counts the bytes a C process moves through its sockets. */
class CountingSocket implements WasmSocket {
  constructor(
    private readonly s: StreamSocket,
    private readonly counts: { sent: number; received: number; connections: number },
  ) {}
  get lastError(): number {
    return this.s.lastError;
  }
  get remoteAddress(): string {
    return this.s.remoteAddress;
  }
  get remotePort(): number {
    return this.s.remotePort;
  }
  listen(port: number, backlog?: number): number {
    return this.s.listen(port, backlog);
  }
  async accept(timeoutNs?: number): Promise<WasmSocket | null> {
    const c = await this.s.accept(timeoutNs);
    if (c === null) return null;
    this.counts.connections++;
    return new CountingSocket(c, this.counts);
  }
  async connect(address: string, port: number): Promise<number> {
    const r = await this.s.connect(address, port);
    if (r === 0) this.counts.connections++;
    return r;
  }
  async send(data: Uint8Array): Promise<number> {
    const r = await this.s.send(data);
    if (r > 0) this.counts.sent += r;
    return r;
  }
  async recv(maxBytes?: number, timeoutNs?: number): Promise<{ result: number; data: Uint8Array; error: number }> {
    const r = await this.s.recv(maxBytes, timeoutNs);
    if (r.result > 0) this.counts.received += r.result;
    return r;
  }
  shutdown(how: number): number {
    return this.s.shutdown(how);
  }
  close(): number {
    return this.s.close();
  }
}

/** The status name of a C process's exit code. */
export function exitStatus(code: number): string {
  const name = statusName(code >>> 0);
  return /^(SEC_|ERROR|WSA)/.test(name) ? name : `exit ${code >>> 0}`;
}

/** `wasm`: runs a `cesim cc` module as the process. */
export const wasmProgram: ProgramDefinition = {
  name: 'wasm',
  description: 'a C program compiled by `cesim cc`, run as this process (its exit code is its status)',
  role: 'client',
  params: {
    module: {
      type: 'string',
      description: 'the .wasm file, or a C source (.c) that `cesim cc` compiles on first use and caches (relative to the scenario)',
    },
    args: { type: 'string[]', description: 'argv[1…]', default: [] },
    roots: { type: 'string[]', description: "PEM files of roots for the device's ROOT store (the firmware image's trusted roots)", default: [] },
    cert: {
      type: 'string',
      description: "a certificate chain PEM installed in the device's MY store (leaf, with `key`) and CA store (the rest) before the program starts, as the image's provisioning would",
      optional: true,
    },
    key: { type: 'string', description: "the private key of `cert` (PEM)", optional: true },
  },
  async run(rc): Promise<ProgramOutcome> {
    const { ctx, params } = rc;
    const out = emptyOutcome('wasm');
    const module = params.module as string;
    let bytes: Uint8Array;
    if (/\.c$/i.test(module)) {
      const built = compileCached([rc.resolveFile(module)]);
      if (!built.ok) {
        out.status = built.stage === 'toolchain' ? 'TOOLCHAIN_MISSING' : 'COMPILE_FAILED';
        out.detail = built.diagnostics.trim().split('\n').slice(0, 5).join(' | ');
        return out;
      }
      bytes = rc.readBinary(built.output);
    } else bytes = rc.readBinary(module);
    addRootCertificates(new TaskProgramHost(ctx), (params.roots as string[]).map((p) => rc.readFile(p)));
    if (typeof params.cert === 'string' || typeof params.key === 'string') {
      if (typeof params.cert !== 'string' || typeof params.key !== 'string') {
        out.status = 'BAD_PARAMETER';
        out.detail = 'cert and key go together';
        return out;
      }
      const installed = installDeviceCertificate(ctx.device, rc.readFile(params.cert), rc.readFile(params.key));
      if (!installed.ok) {
        out.status = 'BAD_CERTIFICATE';
        out.detail = `${params.cert}: ${installed.error.detail}`;
        return out;
      }
    }
    const counts = { sent: 0, received: 0, connections: 0 };
    const host: WasmHost = {
      process: ctx.process,
      device: ctx.device,
      socket: () => new CountingSocket(ctx.socket(), counts),
      sleep: (ns) => ctx.sleep(ns),
      compute: () => ctx.compute(),
      resolve: (name) => {
        try {
          return rc.resolveAddress(name);
        } catch {
          return null;
        }
      },
      trace: (kind, details) => ctx.trace(kind, details ?? {}),
    };
    const exit = await runWasmProcess(host, bytes, { args: [ctx.process.name, ...(params.args as string[])] });
    out.bytesSent = out.wireBytesSent = counts.sent;
    out.bytesReceived = out.wireBytesReceived = counts.received;
    out.connections = counts.connections;
    if (exit.console.length > 0) out.firstLine = exit.console[0]!;
    if (exit.fault) {
      out.status = exit.fault.kind;
      out.detail = `${exit.fault.detail} (exit 0x${exit.exitCode.toString(16)})`;
      return out;
    }
    out.status = exitStatus(exit.exitCode);
    out.ok = exit.exitCode === 0;
    out.detail = `${exit.calls} calls into the device, ${exit.suspensions} blocking, ${exit.blocks} blocks of C; image ${exit.imageBytes} bytes; console: ${exit.console.slice(-3).join(' | ')}`;
    return out;
  },
};
