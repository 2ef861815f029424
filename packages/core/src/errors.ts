// Every error a user can meet carries a stable code from this table. A retired code is never reused.

export const ERROR_CODES = {
  LH_INVALID_OPTION: 'An option or flag has a value loadhouse cannot use.',
  LH_UNKNOWN_SCENARIO: 'The scenario name is not one loadhouse knows.',
  LH_UNKNOWN_FLAG: 'A command-line flag is not one the command accepts.',
  LH_TARGET_UNREACHABLE: 'The target did not accept a connection within the connect timeout.',
  LH_TARGET_NOT_STREAMHOUSE: 'The target answers, but not as a streamhouse.StreamHouse gRPC service.',
  LH_TOPIC_MISMATCH: 'The topic exists with a different partition count than the run asks for.',
  LH_TOPIC_SETUP_FAILED: 'The topic could not be created or read on the target.',
  LH_PLUGIN_VERSION_MISMATCH: 'A plugin declares a plugin API version this core does not support.',
  LH_PLUGIN_INVALID: 'A plugin object is malformed (missing name or setup).',
  LH_PLUGIN_FAILED: 'A plugin threw in a hook, a listener or its setup.',
  LH_WORKER_CRASHED: 'A load-generating worker thread died.',
  LH_RUN_ABORTED: 'The run was stopped before its end (signal, stop(), or a criterion).',
  LH_RUN_STATE: 'A load test handle was used in a state that does not allow the call.',
  LH_SCENARIO_FAILED: 'The scenario threw an error that is not a loadhouse error.',
  LH_HEALTH_CHECK_FAILED: 'A target health, readiness or metrics pre-flight check failed.',
  LH_S3_UNREACHABLE: 'The S3 endpoint did not answer.',
  LH_S3_BUCKET_MISSING: 'The S3 bucket does not exist.',
  LH_S3_ACCESS_DENIED: 'The S3 credentials are not allowed to use the bucket.',
  LH_S3_PREFLIGHT_FAILED: 'The S3 endpoint answered the pre-flight check with an unexpected error (5xx, throttling, ...).',
  LH_RESULT_INVALID: 'A result file is not a loadhouse result or cannot be read.',
  LH_MERGE_MISMATCH: 'Shard results come from different runs or configurations.',
  LH_AGENT_START_FAILED: 'The embedded reference agent could not start.',
  LH_AGENT_STORAGE_FAILED: 'The reference agent could not use its storage (data folder or S3 bucket).',
  LH_CONFIG_INVALID: 'The configuration file could not be loaded or is malformed.',
  LH_DATA_LOSS: 'Consumers read every partition to its end and found records missing that the target had acknowledged.',
  LH_RESULT_WRITE_FAILED: 'A result, merged result or HTML report could not be written (disk full, no permission...): nothing was kept.',
  LH_MERGE_INCOMPLETE: 'The shard results given to merge do not hold every shard of the run.',
  LH_MERGE_NOT_CONCURRENT: 'The shards given to merge did not run at the same time, so their rates cannot be added.',
  LH_DISK_SPACE: 'The embedded agent would store more than the free space of its storage folder; nothing was sent.',
  LH_DRIVER_INVALID:
    'The target driver module (target.driver) is missing, could not be imported or does not export a driver of this API version.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error class loadhouse throws at users: a stable code, a message that says what to do, the cause kept. */
export class LoadhouseError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LoadhouseError';
    this.code = code;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown>; cause?: string } {
    const out: { code: ErrorCode; message: string; details?: Record<string, unknown>; cause?: string } = {
      code: this.code,
      message: this.message,
    };
    if (this.details) out.details = { ...this.details };
    if (this.cause !== undefined) out.cause = this.cause instanceof Error ? this.cause.message : String(this.cause);
    return out;
  }
}

export function isLoadhouseError(err: unknown, code?: ErrorCode): err is LoadhouseError {
  return err instanceof LoadhouseError && (code === undefined || err.code === code);
}
