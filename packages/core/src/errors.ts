// Every error a user can meet carries a stable code. Codes live in one registry that each package extends with
// its own: the type by declaration merging into `ErrorCodes`, the description by `registerErrorCodes()` when the
// package is loaded. A retired code is never reused.

const CORE_ERROR_CODES = {
  LH_INVALID_OPTION: 'An option or flag has a value loadhouse cannot use.',
  LH_UNKNOWN_SCENARIO: 'The scenario name is not one loadhouse knows.',
  LH_UNKNOWN_FLAG: 'A command-line flag is not one the command accepts.',
  LH_TARGET_UNREACHABLE: 'The target did not accept a connection within the connect timeout.',
  LH_TARGET_NOT_STREAMHOUSE: 'The target answers, but not as a streamhouse.StreamHouse gRPC service.',
  LH_TOPIC_MISMATCH: 'The topic exists with a different partition count than the run asks for.',
  LH_TOPIC_SETUP_FAILED: 'The topic could not be created or read on the target.',
  LH_PLUGIN_VERSION_MISMATCH: 'A plugin declares a plugin API version this core does not support.',
  LH_PLUGIN_INVALID: 'A plugin object is malformed (missing name or setup), or a package declares an error code it cannot own.',
  LH_PLUGIN_FAILED: 'A plugin threw in a hook, a listener or its setup.',
  LH_WORKER_CRASHED: 'A load-generating worker thread died.',
  LH_RUN_ABORTED: 'The run was stopped before its end (signal, stop(), or a criterion).',
  LH_RUN_STATE: 'A load test handle was used in a state that does not allow the call.',
  LH_SCENARIO_FAILED: 'The scenario threw an error that is not a loadhouse error.',
  LH_HEALTH_CHECK_FAILED: 'A target health, readiness or metrics pre-flight check failed.',
  LH_RESULT_INVALID: 'A result file is not a loadhouse result or cannot be read.',
  LH_MERGE_MISMATCH: 'Shard results come from different runs or configurations.',
  LH_CONFIG_INVALID: 'The configuration file could not be loaded or is malformed.',
  LH_DATA_LOSS: 'Consumers read every partition to its end and found records missing that the target had acknowledged.',
  LH_DATA_CORRUPTED: 'Consumers read records whose bytes do not match the checksum the producer wrote in their header.',
  LH_ACK_MISMATCH: 'Consumers read records at offsets other than their acknowledgement gave, or records no acknowledgement covers.',
  LH_RESULT_WRITE_FAILED: 'A result, merged result or HTML report could not be written (disk full, no permission...): nothing was kept.',
  LH_MERGE_INCOMPLETE: 'The shard results given to merge do not hold every shard of the run.',
  LH_MERGE_NOT_CONCURRENT: 'The shards given to merge did not run at the same time, so their rates cannot be added.',
  LH_DELIVERY_UNSUPPORTED:
    'Idempotent or transactional producers were asked for, but the driver or the target does not offer InitProducer / transactions.',
  LH_DISK_SPACE: 'The embedded agent would store more than the free space of its storage folder; nothing was sent.',
  LH_DRIVER_INVALID:
    'The target driver module (target.driver) is missing, could not be imported or does not export a driver of this API version.',
  LH_COMPARE_MISMATCH: 'The two results given to compare are runs of different tests (scenario, scenario options, shards or window).',
  LH_COMPARE_BASELINE_PARTIAL: 'The baseline given to compare is partial, aborted or failed, so it does not describe a whole run.',
  LH_PROTOCOL_UNSUPPORTED: 'The protocol (door) named by --protocol or target.protocol has no built-in driver yet.',
  LH_DRIVER_NOT_INSTALLED: "The door's driver is a separate package (--protocol kafka: @loadhouse/driver-kafka) that is not installed.",
} as const;

/**
 * Every declared error code, as keys. A package or plugin adds its own by declaration merging into the package
 * entry, `declare module '@loadhouse/core' { interface ErrorCodes { LH_MY_CODE: true } }` (never a deep path:
 * TypeScript then drops the entry's augmentations), and registers their descriptions with `registerErrorCodes()`.
 */
export interface ErrorCodes extends Record<keyof typeof CORE_ERROR_CODES, true> {}

export type ErrorCode = keyof ErrorCodes & string;

/** A registered code: the package that owns it and what happened. */
export interface ErrorCodeInfo {
  code: ErrorCode;
  owner: string;
  description: string;
}

interface Registry {
  descriptions: Record<string, string>;
  owners: Record<string, string>;
}

// Kept on the global object so that a plugin built against another copy of @loadhouse/core registers where the
// run's copy looks.
const REGISTRY_KEY = Symbol.for('@loadhouse/core.errorCodes');
const registry: Registry = ((globalThis as { [REGISTRY_KEY]?: Registry })[REGISTRY_KEY] ??= { descriptions: {}, owners: {} });

/** Every registered code and its description: core's own and those of each package loaded so far, in registration order. */
export const ERROR_CODES: { readonly [K in ErrorCode]?: string } = registry.descriptions;

const CODE_SHAPE = /^LH_[A-Z0-9]+(_[A-Z0-9]+)*$/;

/**
 * Registers the descriptions of a package's own error codes (declared in `ErrorCodes`), once, when the package
 * is loaded; a plugin's error carrying a registered code keeps it on its way to the run's errors and the CLI.
 * Registering again from the same owner replaces the descriptions; a code another owner holds is refused.
 */
export function registerErrorCodes(owner: string, descriptions: { readonly [K in ErrorCode]?: string }): void {
  const entries = Object.entries(descriptions);
  // Checked whole before any is kept: a refused table leaves the registry as it was.
  for (const [code, description] of entries) {
    const problem = !CODE_SHAPE.test(code)
      ? 'is not an upper-case code starting with LH_'
      : typeof description !== 'string' || description.trim() === ''
        ? 'has no description'
        : registry.owners[code] !== undefined && registry.owners[code] !== owner
          ? `is already owned by ${registry.owners[code]}`
          : undefined;
    if (problem) {
      throw new LoadhouseError(
        'LH_PLUGIN_INVALID',
        `${owner} declares the error code ${JSON.stringify(code)}, which ${problem}; choose another code.`,
        {
          details: { owner, code },
        },
      );
    }
  }
  for (const [code, description] of entries) {
    registry.owners[code] = owner;
    registry.descriptions[code] = description as string;
  }
}

/** The registered code's owner and description; undefined for a code no loaded package declares. */
export function errorCodeInfo(code: string): ErrorCodeInfo | undefined {
  const owner = registry.owners[code];
  return owner === undefined ? undefined : { code: code as ErrorCode, owner, description: registry.descriptions[code]! };
}

/** Every registered code with its owner, in registration order (a package's codes together). */
export function registeredErrorCodes(): ErrorCodeInfo[] {
  return Object.keys(registry.descriptions).map((code) => errorCodeInfo(code)!);
}

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

registerErrorCodes('@loadhouse/core', CORE_ERROR_CODES);
