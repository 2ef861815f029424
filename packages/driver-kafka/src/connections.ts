// The connections of the Kafka driver: the client (metadata, admin, API version negotiation), one connection
// pool per engine connection, and the lookups every call needs (partition leaders, topic ids, group
// coordinators, the negotiated API of each request), cached and forgotten when an answer says they moved.
import { createConnection } from 'node:net';
import { type DriverFailure, type DriverTarget, LoadhouseError, splitHostPort } from '@loadhouse/core';
import { Admin, type Broker, type Connection, ConnectionPool, type ConnectionOptions, kGetApi, kMetadata } from '@platformatic/kafka';
import { GroupMembers } from './group.js';
import { resolveKafkaOptions, type ResolvedKafkaOptions } from './options.js';

export type Api = (connection: Connection, ...args: unknown[]) => void;
export type Done<T> = (err: Error | null, value?: T) => void;

export interface TopicInfo {
  id: string;
  leaders: Broker[];
}

/** `host:port[,host:port...]`: the bootstrap brokers. */
export function bootstrapBrokers(address: string): Broker[] {
  const brokers = address.split(',').map((a) => {
    const hp = splitHostPort(a.trim());
    if (!hp || !(hp.port >= 1 && hp.port <= 65535)) {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `The Kafka driver's target address must be host:port (or a comma-separated list of them), got ${JSON.stringify(address)}`,
        { details: { option: 'options.target.address' } },
      );
    }
    return { host: hp.host.replace(/^\[(.*)\]$/, '$1'), port: hp.port };
  });
  return brokers;
}

function connectionOptions(t: DriverTarget): ConnectionOptions {
  const o: ConnectionOptions = {
    connectTimeout: t.deadlineMs,
    requestTimeout: t.deadlineMs,
    // The engine bounds what is in flight itself; the client's default of 5 per connection would queue behind it.
    maxInflights: 1024,
  };
  if (t.tls) {
    const tls = typeof t.tls === 'object' ? t.tls : {};
    o.tls = { ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.serverName };
  }
  if (t.sasl) o.sasl = { mechanism: 'PLAIN', username: t.sasl.username, password: t.sasl.password };
  return o;
}

/** What every Kafka driver call goes through; the driver is this plus the Driver calls. */
export class KafkaConnections {
  readonly target: string;
  readonly options: ResolvedKafkaOptions;
  protected readonly client: Admin;
  protected readonly pools: ConnectionPool[];
  protected readonly deadlineMs: number;
  protected readonly topics = new Map<string, TopicInfo>();
  protected readonly apis = new Map<string, Api>();
  protected readonly coordinators = new Map<string, Broker>();
  /** Kafka group membership, when the `groupMembership` option asks for it. */
  readonly groups: GroupMembers | undefined;

  constructor(t: DriverTarget) {
    this.target = t.address;
    this.options = resolveKafkaOptions(t.options);
    this.deadlineMs = t.deadlineMs;
    const conn = connectionOptions(t);
    this.client = new Admin({
      ...conn,
      clientId: this.options.clientId,
      bootstrapBrokers: bootstrapBrokers(t.address),
      timeout: t.deadlineMs,
      retries: 0,
      metadataMaxAge: 60_000,
    });
    this.pools = Array.from({ length: Math.max(1, t.connections) }, () => new ConnectionPool(this.options.clientId, conn));
    this.groups = this.options.groupMembership ? new GroupMembers(t, conn, this.options) : undefined;
  }

  /** Whether a plain TCP connection to the first bootstrap broker opens (something listens there). */
  protected listens(): Promise<boolean> {
    const b = bootstrapBrokers(this.target)[0]!;
    return new Promise((resolve) => {
      const socket = createConnection({ host: b.host, port: b.port });
      const end = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(2000, () => end(false));
      socket.once('connect', () => end(true));
      socket.once('error', () => end(false));
    });
  }

  protected api(name: string, done: Done<Api>): void {
    const known = this.apis.get(name);
    if (known) return done(null, known);
    this.client[kGetApi](name, (err: Error | null, api?: unknown) => {
      if (err || !api) return done(err ?? new Error(`no ${name} API`));
      this.apis.set(name, api as Api);
      done(null, api as Api);
    });
  }

  protected topic(topic: string, done: Done<TopicInfo>): void {
    const known = this.topics.get(topic);
    if (known) return done(null, known);
    this.client[kMetadata]({ topics: [topic] }, (err: Error | null, md?: import('@platformatic/kafka').ClusterMetadata) => {
      const t = md?.topics.get(topic);
      if (err || !md || !t) return done(err ?? new Error(`no metadata for topic ${topic}`));
      const leaders = t.partitions.map((p) => md.brokers.get(p.leader)!);
      const info = { id: t.id, leaders };
      this.topics.set(topic, info);
      done(null, info);
    });
  }

  /** A failed call may have met a moved leader or a topic made again: the next call reads metadata afresh. */
  protected forget(topic: string, failure: DriverFailure): void {
    if (failure.status === 'NOT_FOUND' || failure.status === 'UNAVAILABLE') {
      this.topics.delete(topic);
      this.client.clearMetadata();
    }
  }

  /** The connection to a partition's leader; partitions are spread over the pools, so one partition keeps its order. */
  protected leader(topic: string, partition: number, done: (err: Error | null, conn?: Connection, info?: TopicInfo) => void): void {
    this.topic(topic, (err, info) => {
      if (err || !info) return done(err);
      const broker = info.leaders[partition];
      if (!broker) return done(new Error(`topic ${topic} has no partition ${partition}`));
      this.pools[partition % this.pools.length]!.get(broker, (e: Error | null, conn?: Connection) => done(e, conn, info));
    });
  }

  protected call<T>(
    topic: string,
    partition: number,
    apiName: string,
    args: (info: TopicInfo, api: Api) => unknown[],
    done: Done<T>,
  ): void {
    this.leader(topic, partition, (err, conn, info) => {
      if (err || !conn || !info) return done(err ?? new Error('no connection'));
      this.api(apiName, (e, api) => {
        if (e || !api) return done(e);
        api(conn, ...args(info, api), done);
      });
    });
  }

  protected coordinator(group: string, done: (err: Error | null, conn?: Connection) => void): void {
    const known = this.coordinators.get(group);
    const connect = (b: Broker) => this.pools[0]!.get(b, done);
    if (known) return connect(known);
    this.client.findCoordinator({ keyType: 0, keys: [group] }).then(async (found) => {
      const node = found[0]?.nodeId;
      const md = await this.client.metadata({ topics: [] });
      const b = node === undefined ? undefined : md.brokers.get(node);
      if (!b) return done(new Error(`no coordinator for group ${group}`));
      this.coordinators.set(group, b);
      connect(b);
    }, done);
  }

  /** Closes the pools and the client; calls in flight end with a failure. */
  close(): void {
    this.groups?.close();
    for (const p of this.pools) void p.close().catch(() => {});
    void this.client.close().catch(() => {});
  }
}
