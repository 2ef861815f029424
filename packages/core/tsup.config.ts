import { packageBuild } from '../../tsup.base.js';

// The four public entry points (package.json `exports`) and the worker thread's script.
export default packageBuild(['src/index.ts', 'src/wire.ts', 'src/histogram.ts', 'src/testing.ts', 'src/worker/host.ts']);
