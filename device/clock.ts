/**
 * The device's wall clock: Win32 FILETIME (100-ns intervals since 1601-01-01 UTC) advancing
 * with virtual time, and local time as CE reports it (one fixed bias, no daylight saving).
 */
import type { ClockProfile, Nanos, SystemTime, TimeZoneInformation } from './types.js';

/** 100-ns intervals from 1601-01-01 to 1970-01-01 (the Win32/Unix epoch difference). */
export const FILETIME_UNIX_EPOCH = 116444736000000000n;

/** FILETIME (bigint, 100-ns since 1601, UTC) → SYSTEMTIME fields. */
export function fileTimeToSystemTime(ft: bigint): SystemTime {
  const ticks = ft - FILETIME_UNIX_EPOCH;
  const ms = Number(ticks / 10000n - (ticks % 10000n < 0n ? 1n : 0n));
  const d = new Date(ms);
  return {
    wYear: d.getUTCFullYear(),
    wMonth: d.getUTCMonth() + 1,
    wDayOfWeek: d.getUTCDay(),
    wDay: d.getUTCDate(),
    wHour: d.getUTCHours(),
    wMinute: d.getUTCMinutes(),
    wSecond: d.getUTCSeconds(),
    wMilliseconds: d.getUTCMilliseconds(),
  };
}

/** SYSTEMTIME fields → FILETIME (bigint); `wDayOfWeek` is ignored, as Win32 does. */
export function systemTimeToFileTime(st: SystemTime): bigint {
  const d = new Date(0);
  d.setUTCFullYear(st.wYear, st.wMonth - 1, st.wDay);
  d.setUTCHours(st.wHour, st.wMinute, st.wSecond, st.wMilliseconds);
  return BigInt(d.getTime()) * 10000n + FILETIME_UNIX_EPOCH;
}

/** The device clock. */
export class DeviceClock {
  /** FILETIME at virtual time 0. */
  readonly bootFileTime: bigint;

  /**
   * @param profile boot time and time zone
   * @param now virtual nanoseconds now (the device's time source plus pending CPU time)
   */
  constructor(
    readonly profile: ClockProfile,
    private readonly now: () => Nanos,
  ) {
    this.bootFileTime = BigInt(Date.parse(profile.bootTimeUtc)) * 10000n + FILETIME_UNIX_EPOCH;
  }

  /** Virtual time since boot in nanoseconds. */
  nowNs(): Nanos {
    return this.now();
  }

  /** `GetSystemTimeAsFileTime`: UTC, 100-ns intervals since 1601. */
  getSystemTimeAsFileTime(): bigint {
    return this.bootFileTime + BigInt(Math.floor(this.now() / 100));
  }

  /** Local time as a FILETIME (`FileTimeToLocalFileTime` of the system time). */
  getLocalTimeAsFileTime(): bigint {
    return this.getSystemTimeAsFileTime() + BigInt(this.profile.utcOffsetMinutes) * 600000000n;
  }

  /** `GetSystemTime`: UTC SYSTEMTIME. */
  getSystemTime(): SystemTime {
    return fileTimeToSystemTime(this.getSystemTimeAsFileTime());
  }

  /** `GetLocalTime`: local SYSTEMTIME, as CE reports it. */
  getLocalTime(): SystemTime {
    return fileTimeToSystemTime(this.getLocalTimeAsFileTime());
  }

  /** `GetTickCount`: milliseconds since boot, wrapping at 2^32. */
  getTickCount(): number {
    return Math.floor(this.now() / 1e6) % 0x1_0000_0000;
  }

  /** `GetTimeZoneInformation`: CE's Bias is the negated UTC offset. */
  getTimeZoneInformation(): TimeZoneInformation {
    return {
      Bias: -this.profile.utcOffsetMinutes || 0,
      StandardName: this.profile.timeZoneName,
      StandardBias: 0,
      DaylightName: this.profile.timeZoneName,
      DaylightBias: 0,
    };
  }
}
