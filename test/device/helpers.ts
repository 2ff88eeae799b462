import { Device, getProfile, loadProfile, type DeviceProfile } from '../../device/index.js';

/** A fresh ce210-handheld device. */
export function handheld(seed: number | string = 1): Device {
  return new Device(getProfile('ce210-handheld'), { seed });
}

/** A small device whose one pool `p` has buckets 32×2, 64×2, 128×1 (policy as given). */
export function small(policy: 'fallthrough' | 'strict' = 'fallthrough'): Device {
  const profile: DeviceProfile = loadProfile({
    extends: 'ce210-handheld',
    name: 'small',
    heapBytes: 4096,
    pools: [{ name: 'p', policy, buckets: [{ blockSize: 32, count: 2 }, { blockSize: 64, count: 2 }, { blockSize: 128, count: 1 }] }],
  });
  return new Device(profile, { seed: 'small' });
}
