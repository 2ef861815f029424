// The workload-shape flags end to end: bad specs refused with exit 2 before any load, and a keyed run with drawn
// sizes whose result and summary say how the records spread over partitions.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentForTests } from '../../core/src/test-support.js';
import { args, runCli } from './test-io.js';
import { onlyResult, tempDirs } from './test-files.js';

const tempDir = tempDirs('loadhouse-workload-');
const agent = agentForTests();

describe('loadhouse run --keys / --message-size / --payload', () => {
  it.each([
    [['--keys', 'hot:10'], "--keys must be 'none', 'sequential', 'uniform:N', 'zipf:N:S' or 'hot:N:SHARE'"],
    [['--keys', 'zipf:0:1'], 'N must be an integer from 1 to 1000000'],
    [['--keys', 'sequential', '--key-routing', 'hash'], '--key-routing hash does not apply to --keys sequential'],
    [['--key-routing', 'pinned'], '--key-routing needs --keys'],
    [['--message-size', '20'], '--message-size must be at least 36 bytes'],
    [['--message-size', 'uniform:10-100'], 'MIN must be at least 36 bytes'],
    [['--message-size', 'lognormal:1000'], "write it as 'lognormal:1024:0.5'"],
    [['--message-size', 'file:/no/such/sizes.txt'], 'cannot read the sizes file'],
    [['--payload', 'compressible'], '--payload must be one of random, text, zeros'],
  ])('exit 2 before any load: %j', async (flags, text) => {
    const { code, io } = await runCli(['run', 'high-throughput', '--target', agent.grpcAddress, ...flags, '--results-dir', tempDir()]);
    expect(io.err).toContain('LH_INVALID_OPTION');
    expect(io.err).toContain(text);
    expect(code).toBe(2);
  });

  it('a keyed run with sizes from a file records the workload and prints the partition spread', async () => {
    const dir = tempDir();
    const sizes = join(dir, 'sizes.txt');
    writeFileSync(sizes, '100\n300\n');
    const { code, io } = await runCli(
      args`run high-throughput --target ${agent.grpcAddress} --target-pid ${process.pid} --duration 2 --warmup 0 --target-rate 1000 --partitions 3 --p99-ms 5000
        --keys zipf:100:1.2 --message-size file:${sizes} --payload text --seed 11 --topic wl-cli --results-dir ${dir}`,
    );
    expect(code, io.out).toBe(0);
    const result = onlyResult(dir);
    expect(result.config.seed).toBe(11);
    expect(result.config.producerGroups[0]).toMatchObject({
      keys: 'zipf:100:1.2',
      keyRouting: 'hash',
      messageSizes: `file:${sizes}`,
      payload: 'text',
    });
    const [group] = result.partitions!.groups;
    expect(group!.acked.reduce((a, b) => a + b, 0)).toBe(result.producer.acked);
    const bytesPerRecord = result.producer.bytes / result.producer.acked;
    expect(bytesPerRecord).toBeGreaterThan(100);
    expect(bytesPerRecord).toBeLessThan(300);
    expect(io.out).toContain('Keys and partitions');
    expect(io.out).toContain('keys zipf:100:1.2: imbalance');
  }, 20_000);
});
