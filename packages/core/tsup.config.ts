import { packageBuild } from '../../tsup.base.js';

// The four public entry points (package.json `exports`) and the scripts of the load workers' threads and of the
// fault proxy's thread (thread-module.ts finds them next to the built code).
export default packageBuild([
  'src/index.ts',
  'src/wire.ts',
  'src/histogram.ts',
  'src/testing.ts',
  'src/worker/host.ts',
  'src/proxy/thread-host.ts',
]);
