// `run --faults` with s3-* kinds against the embedded agent: the agent storing in a bucket is started with its S3
// endpoint pointed at a fault proxy in front of that bucket, and the run starts the proxy's timeline with its load
// and reports its faults like the gRPC ones (docs/faults.md). Against --target, or an agent storing in a folder,
// there is no S3 endpoint loadhouse can repoint: refused before anything starts, saying what to do instead.
import {
  checkFaultProxyOptions,
  checkRunFaults,
  describeFault,
  LoadhouseError,
  parseFaultTimeline,
  startFaultProxy,
  type FaultProxy,
  type FaultSpec,
} from '@loadhouse/core';
import type { FlagValues } from './catalog.js';

const isS3 = (f: FaultSpec) => f.kind.startsWith('s3-');

/** The s3-* faults of --faults, checked against where the run can put them; [] when none. Throws LH_INVALID_OPTION. */
export function checkFaultsFlag(values: FlagValues): FaultSpec[] {
  if (typeof values.faults !== 'string') return [];
  // Against a target of one's own, the run's gRPC proxy only (the core's check says how to proxy its S3).
  if (typeof values.target === 'string') {
    checkRunFaults(values.faults, '--faults');
    return [];
  }
  const s3 = parseFaultTimeline(values.faults, '--faults').filter(isS3);
  if (s3.length === 0) return [];
  if (typeof values.agentS3Endpoint !== 'string') {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `--faults: ${describeFault(s3[0]!)} acts on S3 requests, and the embedded agent ` +
        'stores its segments in a local folder, so it sends none. Give it a bucket with --agent-s3-endpoint http://host:port ' +
        '(an S3-compatible server; credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), or leave the s3-* faults out.',
      { details: { option: 'faults', kinds: s3.map((f) => f.kind) } },
    );
  }
  if (typeof values.protocols === 'string') {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      '--faults with s3-* kinds plays one timeline in one run: it cannot be combined with --protocols, which runs one per door',
      { details: { option: 'faults' } },
    );
  }
  // An https:// endpoint cannot be relayed (the proxy would need its certificate): refused here, not at start.
  checkFaultProxyOptions({ s3Upstream: values.agentS3Endpoint, faults: s3 });
  return s3;
}

/** Starts the S3 fault proxy the embedded agent stores through (its timeline waits for the run's load). */
export function startS3FaultProxy(upstream: string, faults: readonly FaultSpec[]): Promise<FaultProxy> {
  return startFaultProxy({ s3Upstream: upstream, faults: [...faults], startNow: false });
}
