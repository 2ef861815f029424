// An S3-compatible server for the CLI's end-to-end tests, started before the tests of the file (or describe block)
// that asks for it and stopped after them: test support, not exported by the package.
import { join } from 'node:path';
import S3rver from 's3rver';
import { startedForTests } from '../../core/src/test-support.js';

/** An s3rver holding the bucket `streamhouse-data`, storing in `<dir>/s3`; its address is `endpoint`. */
export function s3rverForTests(dir: string): { readonly endpoint: string } {
  return startedForTests(
    async () => {
      const server = new S3rver({
        address: '127.0.0.1',
        port: 0,
        silent: true,
        directory: join(dir, 's3'),
        configureBuckets: [{ name: 'streamhouse-data', configs: [] }],
      });
      const addr = (await server.run()) as unknown as { port: number };
      return { endpoint: `http://127.0.0.1:${addr.port}`, close: () => server.close() };
    },
    (s3) => s3.close(),
  );
}
