/**
 * The readable summary of a run, as `cesim run` prints it. Device groups (fleets) are
 * summarised per group: statuses counted, handshake times as min/median/max, pool peaks as the
 * largest member's.
 */
import type { DeviceSummary, ProgramSummary, RunSummary } from '../scenario/index.js';

/** `1,234,567`. */
export function digits(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Nanoseconds as a short human time: `812 µs`, `23.456 ms`, `1.234 s`. */
export function fmtNs(ns: number): string {
  if (ns < 1e3) return `${ns} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(3)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

/** Bytes as `812 B`, `12.3 KiB`, `1.20 MiB`. */
export function fmtBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${(b / 1024 / 1024).toFixed(2)} MiB`;
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(0)}%` : '-';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function countBy(xs: string[]): string {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${digits(n)}`).join(', ');
}

function programLines(ps: ProgramSummary[], label: string): string[] {
  const p = ps[0]!;
  const out: string[] = [];
  if (ps.length === 1) {
    const neg = p.protocol ? `  ${p.protocol} ${p.cipherSuite ?? ''}${p.alpn ? ` alpn=${p.alpn}` : ''}` : '';
    out.push(`  ${label}  ${p.program}  ${p.status}${neg}`);
    if (p.handshake) out.push(`      handshake ${fmtNs(p.handshake.totalNs)} = CPU ${fmtNs(p.handshake.cpuNs)} + network/waiting ${fmtNs(p.handshake.networkNs)}`);
    const conns = p.connections !== 1 ? `${p.connections} connection(s)${p.connectionStatuses ? ` (${Object.entries(p.connectionStatuses).map(([k, n]) => `${k} ×${n}`).join(', ')})` : ''}; ` : '';
    out.push(`      ${conns}sent ${fmtBytes(p.bytesSent)}, received ${fmtBytes(p.bytesReceived)} (on the wire ${fmtBytes(p.wireBytesSent)} / ${fmtBytes(p.wireBytesReceived)})${p.firstLine ? `; "${p.firstLine}"` : ''}`);
    if (p.admission && p.connections > 1) {
      const a = p.admission;
      out.push(`      admission: at most ${a.maxHandshakes} handshake(s) and ${a.maxConnections} connection(s) at once; peak ${a.peakHandshakes} / ${a.peakConnections}; ${a.waited} waited for a slot`);
    }
  } else {
    out.push(`  ${label} ×${digits(ps.length)}  ${p.program}  ${countBy(ps.map((x) => x.status))}`);
    const hs = ps.filter((x) => x.handshake).map((x) => x.handshake!);
    if (hs.length > 0) {
      const tot = hs.map((h) => h.totalNs);
      out.push(`      handshake min ${fmtNs(Math.min(...tot))} / median ${fmtNs(median(tot))} / max ${fmtNs(Math.max(...tot))}; median CPU ${fmtNs(median(hs.map((h) => h.cpuNs)))}, network/waiting ${fmtNs(median(hs.map((h) => h.networkNs)))}`);
    }
    out.push(`      sent ${fmtBytes(ps.reduce((n, x) => n + x.bytesSent, 0))}, received ${fmtBytes(ps.reduce((n, x) => n + x.bytesReceived, 0))} in all`);
  }
  const bad = ps.filter((x) => !x.ok && (x.detail || x.exception));
  for (const b of bad.slice(0, 3)) out.push(`      ${ps.length > 1 ? `${b.device}: ` : ''}${b.exception ? `exception: ${b.exception}` : b.detail}`);
  if (bad.length > 3) out.push(`      … and ${bad.length - 3} more`);
  return out;
}

function deviceLines(ds: DeviceSummary[], label: string): string[] {
  const d = ds[0]!;
  const out = [`  ${label}${ds.length > 1 ? ` ×${digits(ds.length)} (largest member shown)` : ''}  ${d.profile}  ${d.cpu.name} ${d.cpu.mhz} MHz  CPU ${fmtNs(Math.max(...ds.map((x) => x.cpu.totalNs)))}`];
  for (const p of d.pools) {
    const members = ds.map((x) => x.pools.find((y) => y.name === p.name)!);
    const peak = Math.max(...members.map((x) => x.peakBytesRequested));
    const peakBlock = Math.max(...members.map((x) => x.peakBytesAtBlockSize));
    const failed = members.reduce((n, x) => n + x.failedAllocs, 0);
    const forced = members.reduce((n, x) => n + x.forcedFailures, 0);
    out.push(
      `      ${p.name.padEnd(8)} peak ${digits(peak).padStart(7)} B of ${digits(p.sizeBytes).padStart(7)} B (${pct(peak, p.sizeBytes)}; ${digits(peakBlock)} B at block size)${failed > 0 ? `  failed allocations ${digits(failed)}${forced > 0 ? ` (${digits(forced)} forced)` : ''}` : ''}`,
    );
  }
  out.push(`      heap     peak ${digits(Math.max(...ds.map((x) => x.heapPeakBytes))).padStart(7)} B (LocalAlloc, largest process)`);
  // Fragmentation: the worst largest-free-block and fragmentation over the run per pool (heaps: the worst process).
  const frag: string[] = [];
  for (const name of [...d.pools.map((p) => p.name), 'heap']) {
    const ps = ds.flatMap((x) => x.memory.pools.filter((p) => p.name === name));
    if (ps.length === 0) continue;
    const minLargest = Math.min(...ps.map((p) => p.minLargestFreeBytes));
    const maxFrag = Math.max(...ps.map((p) => p.maxFragmentation));
    const ff = ps.reduce((n, p) => n + p.fragmentationFailures, 0);
    frag.push(`${name} ≥ ${digits(minLargest)} B (fragmentation ≤ ${maxFrag.toFixed(2)}${ff > 0 ? `, FRAGMENTATION FAILURES ${digits(ff)}` : ''})`);
  }
  if (frag.length > 0) out.push(`      largest free block: ${frag.join(', ')}`);
  const threads = ds.flatMap((x) => x.memory.stack.threads.map((t) => ({ dev: x.name, t })));
  if (threads.length > 0) {
    const w = threads.reduce((a, b) => (b.t.peakBytes > a.t.peakBytes ? b : a));
    out.push(`      stack high-water ${digits(w.t.peakBytes)} B of ${digits(d.memory.stack.budgetBytes)} B (${pct(w.t.peakBytes, d.memory.stack.budgetBytes)}; ${ds.length > 1 ? `${w.dev} ` : ''}${w.t.name} in ${w.t.call}, ${w.t.at})${d.memory.stack.checked ? '' : '; not enforced (stackCheck off)'}`);
  }
  const top = d.cpu.byPrimitive.filter((x) => x.ns > 0).slice(0, 4);
  if (top.length > 0) out.push(`      CPU by primitive: ${top.map((x) => `${x.primitive} ×${digits(x.calls)} ${fmtNs(x.ns)}`).join(', ')}${d.cpu.byPrimitive.length > top.length ? ', …' : ''}`);
  const leaks = ds.flatMap((x) => x.leaks.map((e) => ({ dev: x.name, e })));
  if (leaks.length > 0) {
    out.push(`      LEAKS: ${leaks.length} block(s), ${digits(leaks.reduce((n, l) => n + l.e.size, 0))} B`);
    for (const { dev, e } of leaks.slice(0, 5)) out.push(`        ${ds.length > 1 ? `${dev} ` : ''}${e.pool} 0x${e.addr.toString(16)} ${e.size} B tag ${e.owner.tag} from ${e.owner.call} (${e.processName})`);
  }
  const faults = ds.flatMap((x) => x.faults.map((f) => ({ dev: x.name, f })));
  if (faults.length > 0) {
    out.push(`      FAULTS: ${faults.length}`);
    for (const { dev, f } of faults.slice(0, 5)) out.push(`        ${ds.length > 1 ? `${dev} ` : ''}${f.kind} at 0x${f.addr.toString(16)} in ${f.call}: ${f.detail}`);
  }
  return out;
}

/** The readable summary of a run. */
export function formatSummary(s: RunSummary, wallMs?: number): string {
  const verdict = s.result === 'pass' ? 'PASS' : s.result === 'fail' ? 'FAIL' : 'ERROR';
  const lines: string[] = [`cesim run ${s.scenario} (seed ${s.seed}): ${verdict}`];
  if (s.description) lines.push(`  ${s.description}`);
  lines.push('', 'Programs');
  const pg = new Map<string, ProgramSummary[]>();
  const groupOf = new Map(s.devices.map((d) => [d.name, d.group]));
  for (const p of s.programs) {
    const g = groupOf.get(p.device) ?? p.device;
    const key = `${g}/${p.process}`;
    const l = pg.get(key) ?? [];
    l.push(p);
    pg.set(key, l);
  }
  for (const [key, ps] of pg) lines.push(...programLines(ps, ps.length === 1 ? `${ps[0]!.device}/${ps[0]!.process}` : key));
  lines.push('', 'Devices: peak bytes per pool (requested) beside its capacity');
  const dg = new Map<string, DeviceSummary[]>();
  for (const d of s.devices) {
    const l = dg.get(d.group) ?? [];
    l.push(d);
    dg.set(d.group, l);
  }
  for (const [g, ds] of dg) lines.push(...deviceLines(ds, ds.length === 1 ? ds[0]!.name : g));
  lines.push('', `Leaks: ${s.totals.leakedBlocks === 0 ? 'none' : `${s.totals.leakedBlocks} block(s), ${digits(s.totals.leakedBytes)} B`}; device faults: ${s.totals.faults === 0 ? 'none' : s.totals.faults}${s.totals.exceptions > 0 ? `; exceptions: ${s.totals.exceptions}` : ''}`);
  const retained = s.devices.reduce((n, d) => n + d.retained.bytes, 0);
  if (retained > 0) lines.push(`  (held at the end by system processes such as the LSA — session cache, package state: ${digits(retained)} B, not leaks)`);
  if (s.stop.hung.length > 0) {
    lines.push(`Hung tasks: ${s.stop.hung.length}`);
    for (const h of s.stop.hung.slice(0, 5)) lines.push(`  ${h}`);
  }
  if (s.stop.failed) lines.push(`Failed: ${s.stop.failed}`);
  if (s.assertions.length > 0) {
    lines.push('', 'Assertions');
    for (const a of s.assertions) lines.push(`  ${a.passed ? 'ok  ' : 'FAIL'} ${a.name}: ${a.detail}`);
  }
  lines.push(
    '',
    `Virtual time ${fmtNs(s.stop.virtualTimeNs)} (stopped: ${s.stop.reason}); ${digits(s.traceEvents)} trace events; ${digits(s.schedulerEvents)} loop events${wallMs !== undefined ? `; host time ${(wallMs / 1000).toFixed(2)} s` : ''}`,
    `Trace hash ${s.traceHash}`,
  );
  return lines.join('\n') + '\n';
}
