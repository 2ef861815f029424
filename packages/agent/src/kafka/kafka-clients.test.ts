// The Kafka door checked by clients nobody here wrote: Debian's kcat (librdkafka) and python3-confluent-kafka,
// plus records crossing between the Kafka and gRPC doors. The clients come from scripts/install-test-services.sh.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StreamHouseClient } from '@loadhouse/core/wire';
import { agentForTests, clientForTests } from '../../../core/src/test-support.js';

const KCAT = ['/usr/bin/kcat', '/usr/bin/kafkacat'].find((p) => existsSync(p));
const PYTHON = '/usr/bin/python3';
const ROUNDTRIP = fileURLToPath(new URL('./fixtures/confluent-roundtrip.py', import.meta.url));
const MISSING = 'run scripts/install-test-services.sh as root (it installs the Debian packages kcat and python3-confluent-kafka)';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], input = '', timeoutMs = 30_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

function kcat(): string {
  if (!KCAT) throw new Error(`kcat is not installed: ${MISSING}`);
  return KCAT;
}

const lines = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `k${i}:${tag}-${i}`);
const sorted = (xs: string[]): string[] => [...xs].sort();

describe('kafka door: real clients', () => {
  const agent = agentForTests({ grpcPort: 0, httpPort: 0, kafkaPort: 0, segmentMaxAgeMs: 50 });
  const client = clientForTests(agent);
  const broker = (): string => agent.kafkaAddress!;

  it('kcat produces, kcat consumes them back (plain and -G group mode), gRPC reads the same records and commits', async () => {
    const bin = kcat();
    expect(agent.kafkaAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    await client.createTopic({ name: 'kc', partitionCount: 3 });
    const sent = lines(200, 'kcat');
    const produced = await run(bin, ['-b', broker(), '-P', '-t', 'kc', '-K', ':'], `${sent.join('\n')}\n`);
    expect(produced.code).toBe(0);

    const plain = await run(bin, ['-b', broker(), '-C', '-t', 'kc', '-o', 'beginning', '-e', '-q', '-f', '%k:%s\\n']);
    expect(plain.code).toBe(0);
    expect(sorted(plain.stdout.trim().split('\n'))).toEqual(sorted(sent));

    const grouped = await run(bin, [
      '-b',
      broker(),
      '-G',
      'kc-group',
      '-X',
      'auto.offset.reset=earliest',
      '-c',
      '200',
      '-q',
      '-f',
      '%k:%s\\n',
      'kc',
    ]);
    expect(grouped.code).toBe(0);
    expect(sorted(grouped.stdout.trim().split('\n'))).toEqual(sorted(sent));

    // Through the other door: the same 200 records, and the group's commits cover every one of them.
    let viaGrpc = 0;
    let committed = 0;
    for (let p = 0; p < 3; p++) {
      const res = await client.consume({ topic: 'kc', partition: p, offset: 0, maxRecords: 1000 });
      viaGrpc += res.records.length;
      for (const r of res.records) expect(sent).toContain(`${Buffer.from(r.key).toString()}:${Buffer.from(r.value).toString()}`);
      committed += (await client.getOffset({ consumerGroup: 'kc-group', topic: 'kc', partition: p })).offset;
    }
    expect(viaGrpc).toBe(200);
    expect(committed).toBe(200);
  });

  it('a record produced through gRPC is consumed through Kafka', async () => {
    const bin = kcat();
    await client.createTopic({ name: 'grpc-in', partitionCount: 1 });
    const records = Array.from({ length: 50 }, (_, i) => ({ key: Buffer.from(`g${i}`), value: Buffer.from(`from-grpc-${i}`) }));
    await client.produceBatch({ topic: 'grpc-in', partition: 0, records });
    const got = await run(bin, ['-b', broker(), '-C', '-t', 'grpc-in', '-o', 'beginning', '-e', '-q', '-f', '%o %k=%s\\n']);
    expect(got.code).toBe(0);
    expect(got.stdout.trim().split('\n')).toEqual(records.map((r, i) => `${i} ${r.key}=${r.value}`));
  });

  it("SASL/PLAIN names the organization: kcat logged in as acme produces into acme's topic, not the default one", async () => {
    const bin = kcat();
    const acme = new StreamHouseClient(agent.grpcAddress, { organizationId: 'acme' });
    try {
      await acme.createTopic({ name: 'tenant', partitionCount: 1 });
      await client.createTopic({ name: 'tenant', partitionCount: 1 });
      const sasl = [
        '-X',
        'security.protocol=SASL_PLAINTEXT',
        '-X',
        'sasl.mechanisms=PLAIN',
        '-X',
        'sasl.username=acme',
        '-X',
        'sasl.password=acme',
      ];
      const produced = await run(bin, ['-b', broker(), ...sasl, '-P', '-t', 'tenant', '-K', ':'], 'a:for-acme\n');
      expect(produced.code).toBe(0);
      const got = await acme.consume({ topic: 'tenant', partition: 0, offset: 0, maxRecords: 10 });
      expect(got.records.map((r) => Buffer.from(r.value).toString())).toEqual(['for-acme']);
      expect((await client.consume({ topic: 'tenant', partition: 0, offset: 0, maxRecords: 10 })).records).toEqual([]);
    } finally {
      acme.close();
    }
  });

  it('honours the agent faults: a drop-every fault acks but loses every 2nd record produced through Kafka', async () => {
    const bin = kcat();
    await client.createTopic({ name: 'dropped', partitionCount: 1 });
    agent.setFaults({ dropEvery: 2 });
    try {
      const produced = await run(bin, ['-b', broker(), '-P', '-t', 'dropped', '-K', ':'], `${lines(10, 'd').join('\n')}\n`);
      expect(produced.code).toBe(0);
    } finally {
      agent.setFaults({ dropEvery: 0 });
    }
    const got = await run(bin, ['-b', broker(), '-C', '-t', 'dropped', '-o', 'beginning', '-e', '-q', '-f', '%o\\n']);
    expect(got.stdout.trim().split('\n')).toEqual(['0', '2', '4', '6', '8']);
    const metrics = await (await fetch(`${agent.httpAddress}/metrics`)).text();
    expect(metrics).toMatch(/streamhouse_producer_records_total\{[^}]*topic="dropped"[^}]*\} 10/);
  });

  it('python3-confluent-kafka (librdkafka) produces with enable.idempotence=true and consumes them back', async () => {
    const check = await run(PYTHON, ['-c', 'import confluent_kafka']);
    if (check.code !== 0) throw new Error(`python3-confluent-kafka is not installed (${check.stderr.trim()}): ${MISSING}`);
    await client.createTopic({ name: 'idem', partitionCount: 2 });
    const res = await run(PYTHON, [ROUNDTRIP, broker(), 'idem', '100'], '', 60_000);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as {
      delivered: number;
      delivery_errors: string[];
      unflushed: number;
      consumed: string[];
      errors: string[];
      committed: boolean | string;
    };
    expect(out).toMatchObject({ delivered: 100, delivery_errors: [], unflushed: 0, errors: [], committed: true });
    expect(sorted(out.consumed)).toEqual(sorted(Array.from({ length: 100 }, (_, i) => `idem-${i}`)));
    const topic = await client.getTopic({ name: 'idem' });
    expect(topic.topic?.partitionCount).toBe(2);
    let hw = 0;
    for (let p = 0; p < 2; p++) hw += (await client.consume({ topic: 'idem', partition: p, offset: 0, maxRecords: 1000 })).highWatermark;
    expect(hw).toBe(100); // no duplicates appended
  });

  it('python3-confluent-kafka AdminClient lists and describes groups, and deletes a topic', async () => {
    await client.createTopic({ name: 'admin-gone', partitionCount: 1 });
    const script = [
      'import json, sys',
      'from confluent_kafka.admin import AdminClient',
      "a = AdminClient({'bootstrap.servers': sys.argv[1]})",
      'groups = {g.id: [g.state, g.protocol_type] for g in a.list_groups(timeout=10)}',
      "deleted = {t: str(f.result()) for t, f in a.delete_topics(['admin-gone']).items()}",
      'print(json.dumps({"groups": groups, "deleted": deleted}))',
    ].join('\n');
    const res = await run(PYTHON, ['-c', script, broker()]);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { groups: Record<string, [string, string]>; deleted: Record<string, string> };
    // The groups of the tests above, left by their members (kcat and the python consumer close cleanly).
    expect(out.groups['kc-group']).toEqual(['Empty', 'consumer']);
    expect(out.deleted).toEqual({ 'admin-gone': 'None' });
    await expect(client.getTopic({ name: 'admin-gone' })).rejects.toMatchObject({ code: 5 });
  });
});
