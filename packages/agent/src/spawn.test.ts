import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StreamHouseClient } from '@loadhouse/core/wire';
import { spawnAgent } from './index.js';

const exited = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

describe('spawnAgent', () => {
  it('runs the agent in a child process; SIGTERM flushes open segments before exit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lh-spawn-'));
    const agent = await spawnAgent({ dataDir: dir, segmentMaxAgeMs: 600_000, produceLatencyMs: 1, kafkaPort: 0 });
    try {
      expect(agent.pid).not.toBe(process.pid);
      expect(agent.pid).toBe(agent.child.pid);
      expect(agent.grpcAddress).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(agent.kafkaAddress).toMatch(/^127\.0\.0\.1:\d+$/);
      expect((await fetch(`${agent.httpAddress}/ready`)).status).toBe(200);
      const c = new StreamHouseClient(agent.grpcAddress);
      await c.createTopic({ name: 'child', partitionCount: 1 });
      expect((await c.produceBatch({ topic: 'child', partition: 0, records: [{ value: Buffer.from('x') }] })).count).toBe(1);
      c.close();
    } finally {
      await agent.stop();
    }
    expect(agent.child.exitCode).toBe(0);
    expect(exited(agent.pid)).toBe(true);
    // The segment was 10 minutes from its age roll: only the stop-time flush can have written it.
    expect(await readdir(join(dir, 'data/child/0'))).toEqual(['00000000000000000000.seg']);
    await rm(dir, { recursive: true, force: true });
  });

  it('fails with LH_AGENT_START_FAILED carrying the child stderr when the port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(spawnAgent({ grpcPort: port })).rejects.toMatchObject({
        code: 'LH_AGENT_START_FAILED',
        message: expect.stringMatching(/exited before listening[\s\S]*LH_AGENT_START_FAILED/),
      });
    } finally {
      blocker.close();
    }
  });

  it('validates options before starting a process', async () => {
    await expect(spawnAgent({ dropEvery: -1 })).rejects.toMatchObject({
      code: 'LH_INVALID_OPTION',
      message: expect.stringContaining('options.dropEvery'),
    });
  });
});
