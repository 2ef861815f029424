// The workload-shape options of produce() (docs/workload.md): record sizes, keys and their routing, payload
// kind, validated like every option (LH_INVALID_OPTION naming it) before any load.
import { invalid } from './options-rules.js';
import { RECORD_HEADER_SIZE } from './record-header.js';
import type { KeyRouting, PayloadKind, ProduceOptions } from './types.js';
import { formatKeys, parseKeys, type KeyDistribution } from './workload/keys.js';
import { formatSizes, parseSizes, type SizeDistribution } from './workload/sizes.js';

/** What a producer group's records look like: the specs a result records, and the parsed distributions. */
export interface ResolvedWorkload {
  payload: PayloadKind;
  keys?: string;
  keyRouting?: KeyRouting;
  messageSizes?: string;
  workload: { keys?: KeyDistribution; sizes?: SizeDistribution };
}

const PAYLOAD_KINDS: readonly unknown[] = ['random', 'text', 'zeros', 'compressible'];

/** `messageSize`: a size or a distribution, every size at least the record header when records carry one. */
export function resolveSizes(spec: number | string | undefined, instrument: boolean): SizeDistribution {
  if (spec === undefined) return { kind: 'fixed', size: 1024 };
  return parseSizes('options.messageSize', spec, instrument ? RECORD_HEADER_SIZE : 1);
}

/** Keys, key routing and payload kind (sizes come from resolveSizes, checked first with the request limits). */
export function resolveWorkload(o: ProduceOptions, sizes: SizeDistribution): ResolvedWorkload {
  if (o.payload !== undefined && !PAYLOAD_KINDS.includes(o.payload)) {
    throw invalid('options.payload', "'random', 'text' or 'zeros'", o.payload);
  }
  const keys = o.keys === undefined ? undefined : parseKeys('options.keys', o.keys);
  if (o.keyRouting !== undefined && o.keyRouting !== 'hash' && o.keyRouting !== 'pinned') {
    throw invalid('options.keyRouting', "'hash' or 'pinned'", o.keyRouting);
  }
  if (keys?.kind === 'sequential' && o.keyRouting === 'hash') {
    throw invalid(
      'options.keyRouting',
      "'pinned' with sequential keys (each key is used once, so hashing would only spread records evenly)",
      o.keyRouting,
    );
  }
  const keyed = keys !== undefined && keys.kind !== 'none';
  return {
    // `compressible` is the former name of `text`.
    payload: o.payload === 'compressible' ? 'text' : (o.payload ?? 'random'),
    ...(keyed ? { keys: formatKeys(keys), keyRouting: o.keyRouting ?? (keys.kind === 'sequential' ? 'pinned' : 'hash') } : {}),
    ...(sizes.kind !== 'fixed' ? { messageSizes: String(formatSizes(sizes)) } : {}),
    workload: { ...(keyed ? { keys } : {}), ...(sizes.kind !== 'fixed' ? { sizes } : {}) },
  };
}
