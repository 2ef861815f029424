import { packageBuild } from '../../tsup.base.js';

export default packageBuild(['src/index.ts', 'src/worker/host.ts']);
