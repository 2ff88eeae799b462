/**
 * A tiny CE-style registry: keys under the predefined roots, values of type REG_SZ, REG_DWORD,
 * REG_MULTI_SZ and REG_BINARY. Key and value names are case-insensitive and keep the case they
 * were created with, as on Windows. The SSPI layer keeps
 * `HKEY_LOCAL_MACHINE\Comm\Security\SecurityProviders` here.
 */

/**
 * `HKEY_LOCAL_MACHINE\Comm\SecurityProviders`: the security packages a CE image carries, one
 * subkey per package DLL with its `DllName` value. Security.dll reads it on first use and loads
 * each DLL listed (`sspi/` does that; the device only holds the list).
 */
export const SECURITY_PROVIDERS_KEY = 'HKEY_LOCAL_MACHINE\\Comm\\SecurityProviders';

/** The subkey that lists `dllName` under {@link SECURITY_PROVIDERS_KEY}: `…\SCHANNEL` for `schannel.dll`. */
export function securityProviderKey(dllName: string): string {
  return `${SECURITY_PROVIDERS_KEY}\\${dllName.replace(/\.dll$/i, '').toUpperCase()}`;
}

/** Lists a package DLL under {@link SECURITY_PROVIDERS_KEY} (`DllName`); already listed is a no-op. */
export function listSecurityProvider(registry: DeviceRegistry, dllName: string): void {
  const key = securityProviderKey(dllName);
  registry.createKey(key);
  registry.setValue(key, 'DllName', dllName);
}

/** The DLL names listed under {@link SECURITY_PROVIDERS_KEY}, in the order they were listed. */
export function listedSecurityProviders(registry: DeviceRegistry): string[] {
  return registry
    .enumKeys(SECURITY_PROVIDERS_KEY)
    .map((sub) => registry.get(`${SECURITY_PROVIDERS_KEY}\\${sub}`, 'DllName'))
    .filter((d): d is string => typeof d === 'string');
}

/** A registry value with its type. */
export type RegValue =
  | { type: 'REG_SZ'; data: string }
  | { type: 'REG_DWORD'; data: number }
  | { type: 'REG_MULTI_SZ'; data: string[] }
  | { type: 'REG_BINARY'; data: Uint8Array };

/** Registry value types' Win32 numbers (winnt.h). */
export const REG_SZ = 1;
/** See {@link REG_SZ}. */
export const REG_BINARY = 3;
/** See {@link REG_SZ}. */
export const REG_DWORD = 4;
/** See {@link REG_SZ}. */
export const REG_MULTI_SZ = 7;

const ROOTS: Record<string, string> = {
  HKEY_LOCAL_MACHINE: 'HKEY_LOCAL_MACHINE',
  HKLM: 'HKEY_LOCAL_MACHINE',
  HKEY_CURRENT_USER: 'HKEY_CURRENT_USER',
  HKCU: 'HKEY_CURRENT_USER',
  HKEY_CLASSES_ROOT: 'HKEY_CLASSES_ROOT',
  HKCR: 'HKEY_CLASSES_ROOT',
  HKEY_USERS: 'HKEY_USERS',
  HKU: 'HKEY_USERS',
};

interface Node {
  name: string;
  keys: Map<string, Node>;
  values: Map<string, { name: string; value: RegValue }>;
}

function node(name: string): Node {
  return { name, keys: new Map(), values: new Map() };
}

function copyValue(v: RegValue): RegValue {
  switch (v.type) {
    case 'REG_MULTI_SZ':
      return { type: v.type, data: [...v.data] };
    case 'REG_BINARY':
      return { type: v.type, data: v.data.slice() };
    default:
      return { ...v };
  }
}

/** The device registry. */
export class DeviceRegistry {
  private readonly roots = new Map<string, Node>();

  /** An empty registry with the four predefined roots. */
  constructor() {
    for (const r of new Set(Object.values(ROOTS))) this.roots.set(r, node(r));
  }

  private split(path: string): { root: Node; parts: string[] } {
    const parts = path.split('\\').filter((p) => p.length > 0);
    const rootName = ROOTS[(parts.shift() ?? '').toUpperCase()];
    if (!rootName) throw new RangeError(`registry path ${JSON.stringify(path)}: must start with HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, HKEY_CLASSES_ROOT or HKEY_USERS`);
    return { root: this.roots.get(rootName)!, parts };
  }

  private find(path: string): Node | null {
    const { root, parts } = this.split(path);
    let n: Node | undefined = root;
    for (const p of parts) {
      n = n.keys.get(p.toLowerCase());
      if (!n) return null;
    }
    return n;
  }

  /** `RegCreateKeyEx`: creates the key and any missing parents; true if it was new. */
  createKey(path: string): boolean {
    const { root, parts } = this.split(path);
    let n = root;
    let created = false;
    for (const p of parts) {
      let c = n.keys.get(p.toLowerCase());
      if (!c) {
        n.keys.set(p.toLowerCase(), (c = node(p)));
        created = true;
      }
      n = c;
    }
    return created;
  }

  /** Whether the key exists. */
  keyExists(path: string): boolean {
    return this.find(path) !== null;
  }

  /**
   * `RegSetValueEx`: sets a value, creating the key. A string is REG_SZ, a number REG_DWORD
   * (unsigned 32-bit), a string array REG_MULTI_SZ, bytes REG_BINARY; or pass a typed `RegValue`.
   */
  setValue(path: string, name: string, value: string | number | string[] | Uint8Array | RegValue): void {
    let v: RegValue;
    if (typeof value === 'string') v = { type: 'REG_SZ', data: value };
    else if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`REG_DWORD ${name}: expected an unsigned 32-bit integer, got ${value}`);
      v = { type: 'REG_DWORD', data: value };
    } else if (Array.isArray(value)) v = { type: 'REG_MULTI_SZ', data: [...value] };
    else if (value instanceof Uint8Array) v = { type: 'REG_BINARY', data: value.slice() };
    else v = copyValue(value);
    this.createKey(path);
    this.find(path)!.values.set(name.toLowerCase(), { name, value: v });
  }

  /** `RegQueryValueEx`: the typed value (a copy), or null. */
  getValue(path: string, name: string): RegValue | null {
    const v = this.find(path)?.values.get(name.toLowerCase());
    return v ? copyValue(v.value) : null;
  }

  /** The value's data alone (a copy), or null. */
  get(path: string, name: string): string | number | string[] | Uint8Array | null {
    return this.getValue(path, name)?.data ?? null;
  }

  /** `RegEnumKeyEx`: the subkey names in creation order (empty if the key does not exist). */
  enumKeys(path: string): string[] {
    const n = this.find(path);
    return n ? [...n.keys.values()].map((k) => k.name) : [];
  }

  /** `RegEnumValue`: the values in creation order. */
  enumValues(path: string): { name: string; value: RegValue }[] {
    const n = this.find(path);
    return n ? [...n.values.values()].map((v) => ({ name: v.name, value: copyValue(v.value) })) : [];
  }

  /** `RegDeleteValue`: true if it existed. */
  deleteValue(path: string, name: string): boolean {
    return this.find(path)?.values.delete(name.toLowerCase()) ?? false;
  }

  /** `RegDeleteKey` (CE deletes the subkeys too); roots cannot be deleted. True if it existed. */
  deleteKey(path: string): boolean {
    const { root, parts } = this.split(path);
    if (parts.length === 0) throw new RangeError('cannot delete a registry root');
    let n: Node | undefined = root;
    for (const p of parts.slice(0, -1)) {
      n = n.keys.get(p.toLowerCase());
      if (!n) return false;
    }
    return n.keys.delete(parts[parts.length - 1]!.toLowerCase());
  }
}
