/**
 * Time stamps for `ptsExpiry`: InitializeSecurityContext-CE210.txt says "The security provider
 * should always return this value in local time", so packages compute it from the device clock's
 * local FILETIME.
 */

import type { Device } from '../device/index.js';
import { TimeStamp } from './structures.js';

/** FILETIME ticks (100 ns) per second. */
export const FILETIME_TICKS_PER_SECOND = 10_000_000n;

/** The device's local time now plus `seconds`, as a `TimeStamp` (FILETIME words). */
export function localExpiry(device: Device, seconds: number): TimeStamp {
  const now = device.clock.getLocalTimeAsFileTime();
  return TimeStamp.fromFileTime(now + BigInt(Math.trunc(seconds)) * FILETIME_TICKS_PER_SECOND);
}

/** `TimeStamp` meaning "never expires" (the largest FILETIME SSPI uses: 0x7FFFFFFF_FFFFFFFF). */
export function neverExpires(): TimeStamp {
  return new TimeStamp(0xffffffff, 0x7fffffff);
}
