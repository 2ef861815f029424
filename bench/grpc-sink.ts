// The plain grpc-js sink of the generator benchmarks (issue 11): one process, one @grpc/grpc-js server with
// loadhouse's service definition, topics in a Map, every ProduceBatch acked at once with its count. Nothing
// is stored or checked, so it costs the least CPU a grpc-js server can: beside the agent's `--sink` (which
// still runs the agent's request handling) it shows how much of the two cores the target takes.
//
// Run on its own (prints `listening 127.0.0.1:PORT`):  npx tsx --conditions=source bench/grpc-sink.ts [--port N]
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type CreateTopicRequest,
  type GetTopicRequest,
  grpc,
  type ProduceBatchRequest,
  streamHouseServiceDefinition,
  type Topic,
} from '@loadhouse/core/wire';

type Unary<Req> = (call: grpc.ServerUnaryCall<Req, unknown>, cb: grpc.sendUnaryData<unknown>) => void;

export async function startGrpcSink(port = 0): Promise<{ address: string; stop: () => Promise<void> }> {
  const topics = new Map<string, Topic>();
  const offsets = new Map<string, number>();
  const handlers: Record<string, Unary<never>> = {
    ListTopics: ((_call, cb) => cb(null, { topics: [...topics.values()] })) as Unary<unknown>,
    GetTopic: ((call, cb) => {
      const t = topics.get(call.request.name);
      if (t) cb(null, { topic: t });
      else cb({ code: grpc.status.NOT_FOUND, details: `topic ${call.request.name} not found` });
    }) as Unary<GetTopicRequest>,
    CreateTopic: ((call, cb) => {
      const { name, partitionCount } = call.request;
      if (topics.has(name)) return cb({ code: grpc.status.ALREADY_EXISTS, details: `topic ${name} already exists` });
      topics.set(name, { name, partitionCount, config: {}, createdAt: Date.now() });
      cb(null, { topicId: name, partitionCount });
    }) as Unary<CreateTopicRequest>,
    ProduceBatch: ((call, cb) => {
      const { topic, partition, records } = call.request;
      const key = `${topic}/${partition}`;
      const first = offsets.get(key) ?? 0;
      const count = records.length;
      offsets.set(key, first + count);
      cb(null, { firstOffset: first, lastOffset: first + count - 1, count, duplicatesFiltered: false });
    }) as Unary<ProduceBatchRequest>,
  };
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc-node.flow_control_window': 4 * 1024 * 1024,
  });
  server.addService(streamHouseServiceDefinition(), handlers as unknown as grpc.UntypedServiceImplementation);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${bound}`,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** Starts the sink as a child process (its own CPU, as a real target has) and resolves once it listens. */
export function spawnGrpcSink(): Promise<{ address: string; pid: number; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', fileURLToPath(import.meta.url)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null) => reject(new Error(`grpc sink exited (${code}) before listening`));
    child.once('exit', onExit);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\S+)/.exec(out);
      if (!m) return;
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({
        address: m[1]!,
        pid: child.pid!,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--port');
  const sink = await startGrpcSink(i > 0 ? Number(process.argv[i + 1]) : 0);
  console.log(`listening ${sink.address}`);
  const stop = () => void sink.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
