// The doors' drivers: the Kafka driver is a package of its own, found beside loadhouse or in the project, and
// a clear coded error says how to install it when it is in neither.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isLoadhouseError } from '../errors.js';
import { thrown } from '../test-support.js';
import { builtinDriver, checkBuiltin, checkProtocol } from './builtin.js';

const empty = mkdtempSync(join(tmpdir(), 'lh-builtin-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

describe('built-in doors', () => {
  it('kafka loads @loadhouse/driver-kafka when it is installed (here, in the workspace)', async () => {
    expect(checkProtocol('kafka', '--protocol')).toBe('kafka');
    const def = await builtinDriver('kafka');
    expect(def.name).toBe('kafka');
    expect((await builtinDriver('grpc')).name).toBe('grpc');
  });

  it('kafka without the package installed: LH_DRIVER_NOT_INSTALLED naming the npm command', () => {
    const err = thrown(() => checkBuiltin('kafka', empty, empty));
    expect(isLoadhouseError(err, 'LH_DRIVER_NOT_INSTALLED')).toBe(true);
    expect((err as Error).message).toContain('npm i @loadhouse/driver-kafka');
    // gRPC and REST need no package.
    expect(() => checkBuiltin('grpc', empty, empty)).not.toThrow();
    expect(() => checkBuiltin('rest', empty, empty)).not.toThrow();
  });
});
