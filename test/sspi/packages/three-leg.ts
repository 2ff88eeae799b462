/** The three-leg (mutual authentication) test package (`threeleg.dll`, package "ThreeLeg"). */
import { registerPackageModule } from '../../../sspi/index.js';
import { makeToyModule } from './toy.js';

/** DLL name of the three-leg test package. */
export const THREE_LEG_DLL = 'threeleg.dll';
/** Package name. */
export const THREE_LEG = 'ThreeLeg';

registerPackageModule(THREE_LEG_DLL, () => makeToyModule({ name: THREE_LEG, comment: 'Three-leg test package', legs: 3, rpcId: 10 }));
