/**
 * The device's system certificate stores (`ROOT`, `MY`, `CA`, …): one set per device, the
 * image's stores, shared by Schannel's credentials and contexts and by the C runtime's
 * `CertOpenSystemStore`.
 */
import type { Device } from '../device/index.js';
import {
  CERT_STORE_ADD_REPLACE_EXISTING,
  CERT_STORE_ADD_USE_EXISTING,
  CertAddCertificateContextToStore,
  CertCloseStore,
  CertFreeCertificateContext,
  CertOpenStore,
  CertSystemStores,
  loadCertificateWithKey,
  type CertStore,
  type ParseResult,
} from './cert/index.js';

const rootStores = new WeakMap<Device, CertStore>();
const systemStores = new WeakMap<Device, CertSystemStores>();

/** The device's `ROOT` certificate store: the trust anchors Schannel validates against. */
export function schannelRootStore(device: Device): CertStore {
  let s = rootStores.get(device);
  if (!s) {
    s = CertOpenStore('memory');
    rootStores.set(device, s);
  }
  return s;
}

/**
 * A system certificate store of the device by name, case-insensitive as on Windows: `ROOT` is
 * {@link schannelRootStore}; `MY` holds the device's own certificates with their private keys
 * (what the image's provisioning installs and a server's `CertFindCertificateInStore` finds);
 * `CA` holds intermediates, from which a `MY` certificate's chain is sent. Like the ROOT store,
 * the stores are the image's: a credential that uses a certificate from one is charged for what
 * it holds (see `certContextMemoryBytes`).
 */
export function schannelSystemStore(device: Device, name: string): CertStore {
  if (name.toUpperCase() === 'ROOT') return schannelRootStore(device);
  let s = systemStores.get(device);
  if (!s) {
    s = new CertSystemStores();
    systemStores.set(device, s);
  }
  return s.open(name);
}

/**
 * Installs a device certificate as the image's provisioning would: the first certificate of
 * `certPem` with its private key (`keyPem`) into the `MY` store, the rest of the chain into `CA`
 * (where a `MY` certificate's chain is sent from). Fails, installing nothing, when the PEM does
 * not parse or the key is not the certificate's.
 */
export function installDeviceCertificate(device: Device, certPem: string, keyPem: string): ParseResult<null> {
  const loaded = loadCertificateWithKey(certPem, keyPem);
  if (!loaded.ok) return loaded;
  const leaf = loaded.value;
  const mine = CertAddCertificateContextToStore(schannelSystemStore(device, 'MY'), leaf, CERT_STORE_ADD_REPLACE_EXISTING);
  if (mine.ok) {
    const ca = schannelSystemStore(device, 'CA');
    for (const c of leaf.hCertStore?.certificates() ?? []) {
      if (c === leaf) continue;
      const r = CertAddCertificateContextToStore(ca, c, CERT_STORE_ADD_USE_EXISTING);
      if (r.ok) CertFreeCertificateContext(r.value);
    }
  }
  const store = leaf.hCertStore;
  CertFreeCertificateContext(leaf);
  if (store) CertCloseStore(store);
  if (!mine.ok) return mine;
  CertFreeCertificateContext(mine.value);
  return { ok: true, value: null };
}
