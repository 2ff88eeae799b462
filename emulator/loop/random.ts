/**
 * The random streams the emulator draws from. One root seed derives an independent stream per
 * device and per link direction (by label), so adding a consumer of one stream never shifts
 * another's draws. The device's `SeededRandom` (ChaCha20) satisfies this interface.
 */

/** The part of the device's `SeededRandom` the emulator uses. */
export interface RandomStream {
  /** Next 32-bit unsigned integer. */
  u32(): number;
  /** A float in [0, 1). */
  float(): number;
  /** The next `n` bytes. */
  bytes(n: number): Uint8Array;
  /** An independent child stream named by `label`. */
  derive(label: string): RandomStream;
}

/** The label of a device's stream under the root seed. */
export function deviceStreamLabel(deviceName: string): string {
  return `device:${deviceName}`;
}

/** The label of one direction of a link's stream under the root seed. */
export function linkStreamLabel(from: string, to: string): string {
  return `link:${from}->${to}`;
}

/** The label of a network node's transport stream (initial sequence numbers). */
export function hostStreamLabel(hostName: string): string {
  return `host:${hostName}`;
}
