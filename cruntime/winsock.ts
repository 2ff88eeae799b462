/**
 * Winsock for C over the emulated network: SOCKET values are small handles into a table of
 * the host's stream sockets; blocking calls return promises, which the Asyncify driver turns
 * into a suspension of the C process in virtual time. `sockaddr_in` is read and written in
 * its 16-byte layout; a bad pointer is `WSAEFAULT`.
 */
import { BadPointer, type CMemory } from './cmem.js';
import type { WasmHost, WasmSocket } from './host.js';

const WSAEFAULT = 10014;
const WSAEINVAL = 10022;
const WSAENOTSOCK = 10038;
const WSAEAFNOSUPPORT = 10047;
const WSAESOCKTNOSUPPORT = 10044;
const WSAENOPROTOOPT = 10042;
const WSAENOTCONN = 10057;
const WSAEMFILE = 10024;
const WSAHOST_NOT_FOUND = 11001;
const WSANOTINITIALISED = 10093;
const WSAVERNOTSUPPORTED = 10092;
const AF_INET = 2;
const SOCK_STREAM = 1;
const SOL_SOCKET = 0xffff;
const SO_RCVTIMEO = 0x1006;
const SOCKET_ERROR = -1;
const INVALID_SOCKET = 0xffffffff;
const INADDR_NONE = 0xffffffff;
/** Sockets a process may hold (CE 2.10's Winsock: 64 per process is FD_SETSIZE). */
const MAX_SOCKETS = 64;
/** sizeof(sockaddr_in). */
const SOCKADDR_IN_BYTES = 16;
/** sizeof(WSADATA) on a 32-bit device. */
const WSADATA_BYTES = 400;
/** First SOCKET value handed out (0 is never a socket; small integers as CE's afd gives). */
const FIRST_SOCKET = 4;

interface Slot {
  sock: WasmSocket;
  boundPort: number;
  rcvTimeoutNs: number;
}

const ipToU32 = (ip: string): number => {
  const p = ip.split('.').map(Number);
  return ((p[0]! | (p[1]! << 8) | (p[2]! << 16) | (p[3]! << 24)) >>> 0); // network order in memory
};
const u32ToIp = (v: number): string => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24].join('.');

/** The Winsock imports of one C process. */
export function winsockImports(host: WasmHost, mem: () => CMemory): Record<string, (...a: number[]) => number | Promise<number>> {
  const slots = new Map<number, Slot>();
  let lastError = 0;
  let started = 0;
  const fail = (e: number, r = SOCKET_ERROR): number => {
    lastError = e;
    return r;
  };
  const slot = (s: number): Slot | null => slots.get(s >>> 0) ?? null;
  const readAddr = (p: number, len: number): { ip: string; port: number } | number => {
    if (len < SOCKADDR_IN_BYTES) return WSAEFAULT;
    const m = mem();
    m.check(p, SOCKADDR_IN_BYTES);
    if (m.u16(p) !== AF_INET) return WSAEAFNOSUPPORT;
    const port = ((m.u8[p + 2]! << 8) | m.u8[p + 3]!) >>> 0;
    return { ip: u32ToIp(m.u32(p + 4)), port };
  };
  const guard = <T extends number | Promise<number>>(fn: () => T): T | number => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof BadPointer) return fail(WSAEFAULT);
      throw e;
    }
  };
  const add = (sock: WasmSocket): number => {
    if (slots.size >= MAX_SOCKETS) return fail(WSAEMFILE, INVALID_SOCKET);
    let h = FIRST_SOCKET;
    while (slots.has(h)) h++;
    slots.set(h, { sock, boundPort: 0, rcvTimeoutNs: Infinity });
    return h;
  };
  const needStart = (): boolean => started > 0;

  return {
    WSAStartup: (ver, pData) =>
      guard(() => {
        const m = mem();
        m.check(pData, WSADATA_BYTES);
        m.u8.fill(0, pData, pData + WSADATA_BYTES);
        const major = ver & 0xff;
        m.setU16(pData, 0x0101); // wVersion: Winsock 1.1, what CE 2.10 has
        m.setU16(pData + 2, 0x0101);
        m.setCstr(pData + 4, 'cesim Winsock 1.1 (emulated network)', 257);
        m.setCstr(pData + 261, 'Running', 129);
        m.setU16(pData + 390, MAX_SOCKETS);
        if (major < 1) return WSAVERNOTSUPPORTED;
        started++;
        return 0;
      }),
    WSACleanup: () => {
      if (started === 0) return fail(WSANOTINITIALISED);
      started--;
      return 0;
    },
    WSAGetLastError: () => lastError,
    WSASetLastError: (e) => {
      lastError = e;
      return 0;
    },
    socket: (af, type) => {
      if (!needStart()) return fail(WSANOTINITIALISED, INVALID_SOCKET);
      if (af !== AF_INET) return fail(WSAEAFNOSUPPORT, INVALID_SOCKET);
      if (type !== SOCK_STREAM) return fail(WSAESOCKTNOSUPPORT, INVALID_SOCKET);
      return add(host.socket());
    },
    bind: (s, pName, len) =>
      guard(() => {
        const sl = slot(s);
        if (!sl) return fail(WSAENOTSOCK);
        const a = readAddr(pName, len);
        if (typeof a === 'number') return fail(a);
        sl.boundPort = a.port;
        return 0;
      }),
    listen: (s, backlog) => {
      const sl = slot(s);
      if (!sl) return fail(WSAENOTSOCK);
      if (sl.boundPort === 0) return fail(WSAEINVAL);
      const r = sl.sock.listen(sl.boundPort, Math.max(1, backlog));
      return r === 0 ? 0 : fail(sl.sock.lastError);
    },
    accept: (s, pAddr, pLen) =>
      guard(() => {
        const sl = slot(s);
        if (!sl) return fail(WSAENOTSOCK, INVALID_SOCKET);
        const m = mem();
        if (pAddr !== 0) {
          m.check(pLen, 4);
          if (m.u32(pLen) < SOCKADDR_IN_BYTES) return fail(WSAEFAULT, INVALID_SOCKET);
          m.check(pAddr, SOCKADDR_IN_BYTES);
        }
        return sl.sock.accept().then((c) => {
          if (c === null) return fail(sl.sock.lastError, INVALID_SOCKET);
          const h = add(c);
          if (pAddr !== 0 && h !== INVALID_SOCKET) {
            const mm = mem();
            mm.u8.fill(0, pAddr, pAddr + SOCKADDR_IN_BYTES);
            mm.setU16(pAddr, AF_INET);
            mm.u8[pAddr + 2] = c.remotePort >>> 8;
            mm.u8[pAddr + 3] = c.remotePort & 0xff;
            mm.setU32(pAddr + 4, ipToU32(c.remoteAddress));
            mm.setU32(pLen, SOCKADDR_IN_BYTES);
          }
          return h;
        });
      }),
    connect: (s, pName, len) =>
      guard(() => {
        const sl = slot(s);
        if (!sl) return fail(WSAENOTSOCK);
        const a = readAddr(pName, len);
        if (typeof a === 'number') return fail(a);
        return sl.sock.connect(a.ip, a.port).then((r) => (r === 0 ? 0 : fail(sl.sock.lastError)));
      }),
    send: (s, pBuf, len) =>
      guard(() => {
        const sl = slot(s);
        if (!sl) return fail(WSAENOTSOCK);
        if (len < 0) return fail(WSAEINVAL);
        const data = mem().bytes(pBuf, len);
        return sl.sock.send(data).then((r) => (r >= 0 ? r : fail(sl.sock.lastError)));
      }),
    recv: (s, pBuf, len) =>
      guard(() => {
        const sl = slot(s);
        if (!sl) return fail(WSAENOTSOCK);
        if (len < 0) return fail(WSAEINVAL);
        if (len > 0) mem().check(pBuf, len);
        return sl.sock.recv(len, sl.rcvTimeoutNs).then((r) => {
          if (r.result < 0) return fail(r.error || sl.sock.lastError);
          if (r.result > 0) mem().write(pBuf, r.data);
          return r.result;
        });
      }),
    shutdown: (s, how) => {
      const sl = slot(s);
      if (!sl) return fail(WSAENOTSOCK);
      const r = sl.sock.shutdown(how);
      return r === 0 ? 0 : fail(sl.sock.lastError || WSAENOTCONN);
    },
    closesocket: (s) => {
      const sl = slot(s);
      if (!sl) return fail(WSAENOTSOCK);
      slots.delete(s >>> 0);
      sl.sock.close();
      return 0;
    },
    select: () => fail(WSAEINVAL), // not modelled yet: the loop's sockets have no readiness query
    __WSAFDIsSet: (s, pSet) =>
      guard(() => {
        const m = mem();
        const n = Math.min(m.u32(pSet), 64);
        for (let i = 0; i < n; i++) if (m.u32(pSet + 4 + 4 * i) === s >>> 0) return 1;
        return 0;
      }),
    setsockopt: (s, level, opt, pVal, len) =>
      guard(() => {
        const sl = slot(s);
        if (!sl) return fail(WSAENOTSOCK);
        if (level === SOL_SOCKET && opt === SO_RCVTIMEO) {
          if (len < 4) return fail(WSAEFAULT);
          const ms = mem().u32(pVal);
          sl.rcvTimeoutNs = ms === 0 ? Infinity : ms * 1e6;
          return 0;
        }
        return fail(WSAENOPROTOOPT);
      }),
    getsockopt: (s, level, opt, pVal, pLen) =>
      guard(() => {
        const sl = slot(s);
        if (!sl) return fail(WSAENOTSOCK);
        if (level === SOL_SOCKET && opt === SO_RCVTIMEO) {
          const m = mem();
          if (m.u32(pLen) < 4) return fail(WSAEFAULT);
          m.setU32(pVal, sl.rcvTimeoutNs === Infinity ? 0 : Math.round(sl.rcvTimeoutNs / 1e6));
          m.setU32(pLen, 4);
          return 0;
        }
        return fail(WSAENOPROTOOPT);
      }),
    inet_addr: (p) =>
      guard(() => {
        const s = mem().cstr(p, 64);
        if (s === null || !/^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.split('.').some((x) => Number(x) > 255)) return INADDR_NONE;
        return ipToU32(s);
      }),
    __cesim_gethostaddr: (pName, pCanon, cap) =>
      guard(() => {
        const m = mem();
        const name = m.cstr(pName, 256);
        const ip = name === null ? null : host.resolve(name);
        if (ip === null) {
          lastError = WSAHOST_NOT_FOUND;
          return INADDR_NONE;
        }
        m.setCstr(pCanon, name!, cap);
        return ipToU32(ip);
      }),
  };
}
