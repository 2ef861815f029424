// What a user would write instead of loadhouse: one @grpc/grpc-js client, a fixed number of ProduceBatch
// calls in flight, the same proto, no measurement beyond a count. The yardstick of the generator benchmark.
import { randomBytes } from 'node:crypto';
import { AckMode, StreamHouseClient, type ProduceRecord } from '@loadhouse/core/wire';

export interface BaselineOptions {
  address: string;
  topic: string;
  partitions: number;
  seconds: number;
  inFlight: number;
  batchSize: number;
  messageSize: number;
  connections: number;
}

export async function runBaseline(o: BaselineOptions): Promise<{ records: number; seconds: number; msgsPerSec: number }> {
  const client = new StreamHouseClient(o.address, { connections: o.connections });
  await client.waitForReady(5000);
  try {
    await client.createTopic({ name: o.topic, partitionCount: o.partitions });
  } catch {
    // already there
  }
  const value = randomBytes(o.messageSize);
  const records: ProduceRecord[] = Array.from({ length: o.batchSize }, () => ({ value }));
  let acked = 0;
  let partition = 0;
  const start = performance.now();
  const end = start + o.seconds * 1000;
  await new Promise<void>((resolve, reject) => {
    let active = 0;
    const send = () => {
      if (performance.now() >= end) {
        if (active === 0) resolve();
        return;
      }
      active++;
      client.unary(
        'ProduceBatch',
        { topic: o.topic, partition: partition++ % o.partitions, records, ackMode: AckMode.ACK_BUFFERED },
        (err, res) => {
          active--;
          if (err) return reject(err);
          acked += res!.count;
          send();
        },
      );
    };
    for (let i = 0; i < o.inFlight; i++) send();
  });
  const seconds = (performance.now() - start) / 1000;
  client.close();
  return { records: acked, seconds, msgsPerSec: acked / seconds };
}
