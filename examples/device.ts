// A CE 2.10 device: fixed pools with owner tags, a process heap, faults, forced failures, CPU time.
import { Device, getProfile, LPTR } from 'cesim/device';

const device = new Device(getProfile('ce210-handheld'), { seed: 42 });
const app = device.createProcess('app.exe');

// A pool block tagged with its owner and the API call that made it.
const token = device.withCall('InitializeSecurityContextW', () => app.poolAlloc('token', 300, 'demo.token'));
app.write(token, new TextEncoder().encode('ClientHello…'));

// The process heap (LocalAlloc), as C code on the device uses it.
const h = app.LocalAlloc(LPTR, 64);
console.log('LocalSize', app.LocalSize(h));

// A free by the wrong process is a device fault, seen by the caller as a failure.
const other = device.createProcess('other.exe');
console.log('foreign free ok?', other.poolFree(token), '→', device.faults.at(-1)?.kind);

// Force the next general-pool allocation to fail (out-of-memory paths).
device.failures.failNth(1, { pool: 'general' });
console.log('forced failure →', app.poolAlloc('general', 100, 'demo.state'));

// CPU: a P-256 ECDH on a 131 MHz VR4121 costs 35 Mcycles of virtual time.
device.runAs(app, () => device.cpu.charge('p256.ecdh'));
console.log('virtual time', (device.clock.nowNs() / 1e6).toFixed(1), 'ms');

// What is still held, by whom and from which call.
for (const leak of device.leakReport()) console.log('held:', leak.pool, leak.size, leak.owner.tag, leak.owner.call);
const token_ = device.stats().pools.find((p) => p.name === 'token')!;
console.log('token pool peak', token_.peakBytesRequested, 'bytes requested,', token_.peakBytesAtBlockSize, 'at block size');
const exit = app.exit();
console.log('exit report:', exit.leakedBlocks, 'blocks,', exit.leakedBytes, 'bytes still held at exit');
