// The S3 probe's own error codes, added to @loadhouse/core's registry (the type by declaration merging, the
// descriptions when the package is loaded), so that a refused pre-flight keeps them.
import { registerErrorCodes } from '@loadhouse/core';

export const S3_PROBE_ERROR_CODES = {
  LH_S3_UNREACHABLE: 'The S3 endpoint did not answer.',
  LH_S3_BUCKET_MISSING: 'The S3 bucket does not exist.',
  LH_S3_ACCESS_DENIED: 'The S3 credentials are not allowed to use the bucket.',
  LH_S3_PREFLIGHT_FAILED: 'The S3 endpoint answered the pre-flight check with an unexpected error (5xx, throttling, ...).',
} as const;

declare module '@loadhouse/core' {
  interface ErrorCodes extends Record<keyof typeof S3_PROBE_ERROR_CODES, true> {}
}

registerErrorCodes('@loadhouse/plugin-s3-probe', S3_PROBE_ERROR_CODES);
