// SASL/PLAIN tenancy: SaslHandshake v1 then SaslAuthenticate v0-v1, or SaslHandshake v0 then one raw token frame. StreamHouse takes an API key as both user
// name and password; the agent keeps no keys, so the user name is the organization id (as `x-organization-id`
// is on gRPC) and the password must repeat it, which catches clients given mismatched credentials.
import { KafkaError } from './bridge.js';
import type { Conn } from './data.js';
import type { Reader } from './protocol.js';
import { Writer } from './protocol.js';

const UNSUPPORTED_SASL_MECHANISM = 33;
const SASL_AUTHENTICATION_FAILED = 58;
const ORG_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** SaslHandshake v0-v1: PLAIN only. After v0 the next frame is the bare token (no request header). */
export function saslHandshake(r: Reader, v: number, c: Conn): Writer {
  const mechanism = r.string();
  c.saslMechanism = mechanism;
  c.rawSaslToken = v === 0 && mechanism === 'PLAIN';
  return new Writer().int16(mechanism === 'PLAIN' ? KafkaError.NONE : UNSUPPORTED_SASL_MECHANISM).array(['PLAIN'], (w, m) => {
    w.string(m);
  });
}

/** Why a PLAIN token is refused, or null once the connection's organization is set from it. */
export function plainLogin(token: Buffer, c: Conn): string | null {
  const parts = token.toString('utf8').split('\u0000');
  const [, user = '', password = ''] = parts;
  if (parts.length !== 3 || !ORG_ID.test(user) || password !== user) {
    return 'SASL/PLAIN: the user name is the organization id (1-128 letters, digits, ".", "_" or "-") and the password must repeat it';
  }
  c.org = user;
  return null;
}

/** SaslAuthenticate v0-v2 with a PLAIN token: `[authzid] NUL user NUL password`. */
export function saslAuthenticate(r: Reader, v: number, c: Conn): Writer {
  const token = r.bytes();
  const w = new Writer(r.flexible);
  const answer = (error: number, message: string | null): Writer => {
    w.int16(error).nullableString(message).nullableBytes(Buffer.alloc(0));
    if (v >= 1) w.int64(0); // session lifetime: no re-authentication required
    return w.tags();
  };
  if (c.saslMechanism !== 'PLAIN') return answer(SASL_AUTHENTICATION_FAILED, 'send SaslHandshake with mechanism PLAIN first');
  const refused = plainLogin(token, c);
  return answer(refused ? SASL_AUTHENTICATION_FAILED : KafkaError.NONE, refused);
}
