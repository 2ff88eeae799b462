/**
 * A realistic report fixture: a TLS 1.3 handshake between a CE 2.10 handheld (client) and a
 * gateway device (server) over a 2 ms link, with the pools' use over time, the CPU cost of the
 * primitives, one leak, one fault and a failed assertion. Figures are illustrative, in the
 * ranges a 206 MHz StrongARM gives (an x25519 in a few ms, a P-256 verify in tens of ms).
 *
 * Some strings carry markup on purpose, to check that the report escapes them.
 */

import type { MemorySample, RunReportData, SequenceMessage } from '../../emulator/report/index.js';

const US = 1_000;
const MS = 1_000_000;

/** A step series from (time, bytes) pairs. */
function steps(pairs: [number, number][]): MemorySample[] {
  return pairs.map(([timeNs, bytes]) => ({ timeNs, bytes }));
}

const LINK = 2 * MS;

const messages: SequenceMessage[] = [
  { timeNs: 120 * US, from: 'handheld', to: 'gateway', label: 'ClientHello', detail: 'record 512 B; key_share x25519; TLS_AES_128_GCM_SHA256' },
  { timeNs: 120 * US + LINK + 6 * MS, from: 'gateway', to: 'gateway', label: 'x25519 + derive handshake keys' },
  { timeNs: 120 * US + LINK + 7 * MS, from: 'gateway', to: 'handheld', label: 'ServerHello' },
  { timeNs: 120 * US + LINK + 7 * MS, from: 'gateway', to: 'handheld', label: '{EncryptedExtensions}' },
  { timeNs: 120 * US + LINK + 7 * MS, from: 'gateway', to: 'handheld', label: '{Certificate}', detail: 'chain of 2, 1 210 B' },
  { timeNs: 120 * US + LINK + 31 * MS, from: 'gateway', to: 'handheld', label: '{CertificateVerify}', detail: 'ecdsa_secp256r1_sha256' },
  { timeNs: 120 * US + LINK + 31 * MS + 40 * US, from: 'gateway', to: 'handheld', label: '{Finished}' },
  { timeNs: 120 * US + 2 * LINK + 31 * MS + 9 * MS, from: 'handheld', to: 'handheld', label: 'verify chain: 2 × p256.verify' },
  { timeNs: 120 * US + 2 * LINK + 31 * MS + 78 * MS, from: 'handheld', to: 'gateway', label: '{Finished}' },
  { timeNs: 120 * US + 2 * LINK + 31 * MS + 78 * MS + 150 * US, from: 'handheld', to: 'gateway', label: '[Application Data] GET /status' },
  { timeNs: 120 * US + 3 * LINK + 31 * MS + 79 * MS, from: 'gateway', to: 'handheld', label: '[NewSessionTicket]' },
  { timeNs: 120 * US + 3 * LINK + 31 * MS + 80 * MS, from: 'gateway', to: 'handheld', label: '[Application Data] 200 OK' },
  { timeNs: 120 * US + 4 * LINK + 31 * MS + 82 * MS, from: 'handheld', to: 'gateway', label: '[Alert] close_notify' },
];

const END = 130 * MS;

/** The fixture: two devices, a TLS 1.3-like sequence, memory timelines and the rest. */
export function tlsRunFixture(): RunReportData {
  return {
    meta: {
      scenario: 'tls13-handshake/ce210-handheld → gateway',
      seed: 'cesim-0x5eed',
      traceHash: 'sha256:9f2c4e0b7d1a3c5e8f6b2d4a1c3e5f7a9b0d2c4e6f8a1b3d5c7e9f0a2b4c6d8e',
      endTimeNs: END,
      result: 'fail',
      description: 'One TLS 1.3 handshake and a GET over a 2 ms link; checks pool peaks & <leaks>.',
    },
    devices: [
      {
        name: 'handheld',
        profile: 'ce210-handheld',
        cpuMhz: 206,
        pools: [
          { name: 'tls', sizeBytes: 48 * 1024, peakBytes: 41_216 },
          { name: 'heap', sizeBytes: 256 * 1024, peakBytes: 61_440 },
        ],
      },
      {
        name: 'gateway',
        profile: 'ce210-tight',
        cpuMhz: 133,
        pools: [{ name: 'tls', sizeBytes: 32 * 1024, peakBytes: 30_720 }],
      },
    ],
    messages,
    memory: [
      {
        device: 'handheld',
        pool: 'tls',
        sizeBytes: 48 * 1024,
        samples: steps([
          [0, 0],
          [100 * US, 4_096],
          [120 * US, 9_728],
          [9_200 * US, 17_920],
          [33_200 * US, 25_600],
          [42 * MS, 41_216],
          [111 * MS, 33_024],
          [117 * MS, 12_288],
          [121 * MS, 4_096],
        ]),
      },
      {
        device: 'handheld',
        pool: 'heap',
        sizeBytes: 256 * 1024,
        samples: steps([
          [0, 16_384],
          [100 * US, 24_576],
          [42 * MS, 61_440],
          [112 * MS, 28_672],
          [121 * MS, 20_480],
        ]),
      },
      {
        device: 'gateway',
        pool: 'tls',
        sizeBytes: 32 * 1024,
        samples: steps([
          [0, 2_048],
          [2_200 * US, 10_240],
          [8_200 * US, 22_528],
          [9_200 * US, 30_720],
          [33_300 * US, 18_432],
          [113 * MS, 6_144],
          [123 * MS, 2_048],
        ]),
      },
    ],
    cpu: [
      {
        device: 'handheld',
        primitives: [
          { primitive: 'x25519', calls: 2, cycles: 1_648_000, ns: 8_000_000 },
          { primitive: 'p256.verify', calls: 2, cycles: 13_596_000, ns: 66_000_000 },
          { primitive: 'sha256', calls: 61, cycles: 309_000, ns: 1_500_000 },
          { primitive: 'hkdf', calls: 14, cycles: 123_600, ns: 600_000 },
          { primitive: 'aes128gcm', calls: 9, cycles: 185_400, ns: 900_000 },
          { primitive: 'random', calls: 3, cycles: 20_600, ns: 100_000 },
        ],
      },
      {
        device: 'gateway',
        primitives: [
          { primitive: 'x25519', calls: 2, cycles: 1_064_000, ns: 8_000_000 },
          { primitive: 'p256.sign', calls: 1, cycles: 3_192_000, ns: 24_000_000 },
          { primitive: 'sha256', calls: 48, cycles: 186_200, ns: 1_400_000 },
          { primitive: 'aes128gcm', calls: 8, cycles: 106_400, ns: 800_000 },
        ],
      },
    ],
    leaks: [
      {
        device: 'handheld',
        pool: 'tls',
        addr: 0x0004_2a10,
        size: 4_096,
        owner: { pid: 3, tag: 'schannel.context#1.recordIn<&>', call: 'InitializeSecurityContextW', timeNs: 120 * US },
        processName: 'browser.exe',
      },
    ],
    faults: [
      {
        device: 'gateway',
        kind: 'double-free',
        pid: 2,
        addr: 0x0002_0040,
        timeNs: 123 * MS,
        call: 'DeleteSecurityContext',
        detail: 'block at 0x00020040 was already freed at 122.9 ms',
      },
    ],
    assertions: [
      { name: 'handshake completes (RFC 8446 §4.4.4 Finished verified)', passed: true },
      { name: 'handheld tls pool peak ≤ 44 KiB', passed: true, detail: 'peak 40.25 KiB' },
      { name: 'no leaks after DeleteSecurityContext', passed: false, detail: '1 block (4 KiB) tagged <script>alert("x")</script>' },
      { name: 'no device faults', passed: false, detail: 'gateway: double-free' },
    ],
    memoryDiagnostics: [
      {
        device: 'handheld',
        series: [
          {
            pool: 'tls',
            sizeBytes: 48 * 1024,
            eventsPerSample: 1,
            samples: [
              { timeNs: 100 * US, usedBytes: 4_096, freeBytes: 45_056, largestFreeBytes: 16_384, freeBlocks: 11, fragmentation: 0.6364 },
              { timeNs: 42 * MS, usedBytes: 41_216, freeBytes: 7_936, largestFreeBytes: 1_024, freeBlocks: 5, fragmentation: 0.871 },
              { timeNs: 121 * MS, usedBytes: 4_096, freeBytes: 45_056, largestFreeBytes: 16_384, freeBlocks: 11, fragmentation: 0.6364 },
            ],
            minLargestFreeBytes: 1_024,
            maxFragmentation: 0.871,
          },
          {
            pool: 'heap',
            pid: 3,
            process: 'browser.exe',
            sizeBytes: 256 * 1024,
            eventsPerSample: 2,
            samples: [
              { timeNs: 0, usedBytes: 16_384, freeBytes: 245_760, largestFreeBytes: 245_760, freeBlocks: 1, fragmentation: 0 },
              { timeNs: 42 * MS, usedBytes: 61_440, freeBytes: 200_704, largestFreeBytes: 150_000, freeBlocks: 4, fragmentation: 0.2526 },
            ],
            minLargestFreeBytes: 150_000,
            maxFragmentation: 0.2526,
          },
        ],
        pools: [
          { name: 'tls', freeBytes: 45_056, largestFreeBytes: 16_384, fragmentation: 0.6364, minLargestFreeBytes: 1_024, maxFragmentation: 0.871, fragmentationFailures: 1, failedAllocs: 1, peakBytesRequested: 41_216 },
          { name: 'heap', pid: 3, process: 'browser.exe', freeBytes: 241_664, largestFreeBytes: 241_664, fragmentation: 0, minLargestFreeBytes: 150_000, maxFragmentation: 0.2526, fragmentationFailures: 0, failedAllocs: 0, peakBytesRequested: 61_440 },
        ],
        stack: {
          budgetBytes: 65_536,
          checked: false,
          peakBytes: 9_088,
          threads: [
            { pid: 1, name: 'lsass.exe', peakBytes: 9_088, at: 'rsa2048.private', call: 'AcceptSecurityContext' },
            { pid: 3, name: 'browser.exe', peakBytes: 384, at: 'frame', call: 'FreeContextBuffer' },
          ],
        },
        buckets: [
          { pool: 'tls', tag: 'schannel.context#1.recordIn<&>', blockSize: 16_709, allocs: 1, fallthrough: 0, requestedBytes: 4_096, blockBytes: 16_709, wasteBytes: 12_613, minRequest: 4_096, maxRequest: 4_096 },
          { pool: 'tls', tag: 'schannel.cert', blockSize: 1_024, allocs: 3, fallthrough: 1, requestedBytes: 2_544, blockBytes: 3_072, wasteBytes: 528, minRequest: 848, maxRequest: 848 },
        ],
      },
    ],
    advice: [
      {
        group: 'handheld',
        profile: 'ce210-handheld',
        pools: [
          {
            pool: 'tls',
            builtIn: { buckets: [{ blockSize: 1_024, count: 8 }, { blockSize: 16_709, count: 2 }], regionBytes: 42_016, failures: 1, unusedBytes: 17_000 },
            advised: { buckets: [{ blockSize: 856, count: 3, minCount: 3, worstRun: 'seed 1 handheld' }, { blockSize: 4_104, count: 1, minCount: 1, worstRun: 'seed 1 handheld' }], regionBytes: 6_784 },
          },
        ],
      },
    ],
  };
}
