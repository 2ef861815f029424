// Handlers of InitProducer, BeginTransaction, CommitTransaction, AbortTransaction and Heartbeat, and the gate
// a ProduceBatch with a producer_id passes through (producer-state.ts holds the rules).
import type * as grpc from '@grpc/grpc-js';
import type { ProduceBatchRequest, StreamHouseMethods } from '@loadhouse/core/wire';
import type { Gate, ProducerRegistry } from './producer-state.js';
import { toStatus } from './rpc-error.js';

type ProducerMethod = 'InitProducer' | 'BeginTransaction' | 'CommitTransaction' | 'AbortTransaction' | 'Heartbeat';
type Handler<M extends ProducerMethod> = (
  call: grpc.ServerUnaryCall<StreamHouseMethods[M][0], StreamHouseMethods[M][1]>,
  cb: grpc.sendUnaryData<StreamHouseMethods[M][1]>,
) => void;

/** Answers with `fn`'s value, or with the status of what it threw. */
function unary<M extends ProducerMethod>(
  fn: (req: StreamHouseMethods[M][0], org: string) => StreamHouseMethods[M][1],
  orgOf: (call: { metadata: grpc.Metadata }) => string,
): Handler<M> {
  return (call, cb) => {
    try {
      cb(null, fn(call.request, orgOf(call)));
    } catch (err) {
      cb(toStatus(err));
    }
  };
}

export function producerHandlers(
  producers: ProducerRegistry,
  orgOf: (call: { metadata: grpc.Metadata }) => string,
): { [M in ProducerMethod]: Handler<M> } {
  return {
    InitProducer: unary<'InitProducer'>((req, org) => producers.init(org, req.transactionalId || undefined), orgOf),
    BeginTransaction: unary<'BeginTransaction'>(
      (req, org) => ({ transactionId: producers.begin(org, req.producerId, req.producerEpoch, req.timeoutMs) }),
      orgOf,
    ),
    CommitTransaction: unary<'CommitTransaction'>((req, org) => {
      producers.end(org, req.producerId, req.producerEpoch, req.transactionId, true);
      return { success: true, commitTimestamp: Date.now() };
    }, orgOf),
    AbortTransaction: unary<'AbortTransaction'>((req, org) => {
      producers.end(org, req.producerId, req.producerEpoch, req.transactionId, false);
      return { success: true };
    }, orgOf),
    Heartbeat: unary<'Heartbeat'>((req, org) => ({ valid: producers.heartbeat(org, req.producerId, req.producerEpoch) }), orgOf),
  };
}

/** The gate of a ProduceBatch that names a producer: epoch, transaction and sequence checks before it is appended. */
export function sequencedGate(producers: ProducerRegistry, org: string, req: ProduceBatchRequest): Gate {
  return (append, done) =>
    producers.admit(
      {
        org,
        producerId: req.producerId!,
        epoch: req.producerEpoch,
        baseSequence: req.baseSequence,
        transactionId: req.transactionId || undefined,
        topic: req.topic,
        partition: req.partition,
        count: req.records.length,
        append,
      },
      done,
    );
}
