/** The two-leg test package (`twoleg.dll`, package "TwoLeg"). */
import { registerPackageModule } from '../../../sspi/index.js';
import { makeToyModule } from './toy.js';

/** DLL name of the two-leg test package. */
export const TWO_LEG_DLL = 'twoleg.dll';
/** Package name. */
export const TWO_LEG = 'TwoLeg';

registerPackageModule(TWO_LEG_DLL, () => makeToyModule({ name: TWO_LEG, comment: 'Two-leg test package', legs: 2, rpcId: 0xffff }));
