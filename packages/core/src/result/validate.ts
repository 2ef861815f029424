// Checks a result document against schema/result.schema.json, the JSON Schema generated from the result types
// (`pnpm docs:schema`), before anything reads it (`loadhouse report`, `loadhouse merge`, mergeResults): a damaged,
// foreign or too new document is LH_RESULT_INVALID naming the field (a JSON pointer) and what is wrong with it,
// rather than a TypeError deep inside.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import schema from '../../schema/result.schema.json' with { type: 'json' };
import { LoadhouseError } from '../errors.js';
import { type LoadTestResult, RESULT_SCHEMA_VERSION } from '../types.js';

/** One thing wrong with a document: where (a JSON pointer, '' for the whole) and what, in words. */
export interface ResultProblem {
  pointer: string;
  message: string;
}

type SchemaNode = { [key: string]: unknown };
const DEFS = schema.$defs as unknown as Record<string, SchemaNode>;

interface Validators {
  whole: ValidateFunction;
  /** One per form a document may take (run or merged, failed or not): the one it claims explains what is wrong. */
  forms: Array<{ variant: string; states: unknown[]; validate: ValidateFunction }>;
}

let validators: Validators | undefined;

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const isIsoTime = (s: string) => ISO_TIME.test(s) && !Number.isNaN(Date.parse(s));

function compile(): Validators {
  if (validators) return validators;
  // verbose: each error carries the value and the schema it failed, which the words below need.
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: false, formats: { 'date-time': isIsoTime } });
  ajv.addSchema(schema);
  const whole = ajv.getSchema(schema.$id)!;
  const forms = ['RunResult', 'MergedResult'].flatMap((variant) =>
    (DEFS[variant]!.anyOf as SchemaNode[]).map((form, i) => {
      const state = (form.properties as Record<string, SchemaNode>).state!;
      return {
        variant,
        states: (state.enum as unknown[] | undefined) ?? [state.const],
        validate: ajv.getSchema(`${schema.$id}#/$defs/${variant}/anyOf/${i}`)!,
      };
    }),
  );
  validators = { whole, forms };
  return validators;
}

const kindOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
const a = (kind: string) => (kind === 'null' ? 'null' : `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`);
const either = (kinds: string[]) => kinds.map(a).join(' or ');

/** `/series/3/producer` -> `series[3].producer`: the field as a reader of the file names it. */
function fieldName(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((name, p) => (/^\d+$/.test(p) ? `${name}[${p}]` : name ? `${name}.${p}` : p), '');
}

/** Whether a property's schema is a section (an object with fields of its own) rather than a value or a map. */
function isSection(node: SchemaNode | undefined): boolean {
  const ref = typeof node?.$ref === 'string' ? DEFS[node.$ref.replace('#/$defs/', '')] : node;
  return Boolean(ref?.properties);
}

/** Missing fields of one object, sections first (the larger missing piece), then in the schema's order. */
function missingText(pointer: string, errors: ErrorObject[]): string {
  const properties = (errors[0]!.parentSchema?.properties ?? {}) as Record<string, SchemaNode>;
  const missing = errors.map((e) => (e.params as { missingProperty: string }).missingProperty);
  const order = Object.keys(properties);
  missing.sort((x, y) => Number(isSection(properties[y])) - Number(isSection(properties[x])) || order.indexOf(x) - order.indexOf(y));
  if (pointer === '') return missing.map((m) => `its ${m} is missing`).join(', ');
  return `its ${fieldName(pointer)} has ${missing.map((m) => `no ${m}${isSection(properties[m]) ? ' section' : ''}`).join(', ')}`;
}

function valueText(e: ErrorObject): string {
  const field = `its ${fieldName(e.instancePath)}`;
  const is = a(kindOf(e.data));
  switch (e.keyword) {
    case 'type': {
      const kinds = ([] as string[]).concat(e.params.type as string | string[]);
      return `${field} is ${is}, not ${either(kinds.map((k) => (k === 'integer' ? 'whole number' : k)))}`;
    }
    case 'enum':
    case 'const': {
      const allowed = e.keyword === 'enum' ? (e.params.allowedValues as unknown[]) : [e.params.allowedValue];
      return `${field} is ${JSON.stringify(e.data)}, not ${allowed.map((v) => JSON.stringify(v)).join(' or ')}`;
    }
    case 'format':
      return `${field} is ${JSON.stringify(e.data)}, not an ISO 8601 time with its zone`;
    default:
      return `${field} ${e.message ?? 'is not valid'}`;
  }
}

/**
 * What is wrong with a document, read in words; empty when it is a valid result. A document is judged in the
 * form it claims (merged or not by its `merge` section, failed or not by its `state`), so the problems are that
 * form's, not those of every form it might have been.
 */
export function resultProblems(doc: unknown): ResultProblem[] {
  const { whole, forms } = compile();
  if (whole(doc)) return [];
  const claims = doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>) : {};
  const variant = claims.merge === undefined ? 'RunResult' : 'MergedResult';
  const candidates = forms.filter((f) => f.variant === variant);
  const form = candidates.find((f) => f.states.includes(claims.state)) ?? candidates[0]!;
  form.validate(doc);
  const errors = (form.validate.errors ?? []).filter((e) => e.keyword !== 'anyOf' || !hasInner(e, form.validate.errors!));
  const problems: ResultProblem[] = [];
  const missing = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    if (e.keyword === 'required') {
      const list = missing.get(e.instancePath);
      if (list) list.push(e);
      else missing.set(e.instancePath, [e]);
    } else if (!problems.some((p) => p.pointer === e.instancePath)) {
      problems.push({ pointer: e.instancePath, message: anyOfText(e, errors) ?? valueText(e) });
    }
  }
  if (claims.state !== undefined && !forms.some((f) => f.states.includes(claims.state))) {
    const states = [...new Set(forms.flatMap((f) => f.states))];
    // Judged in the non-failed form, the state was checked against that form's values only: name them all.
    const problem = {
      pointer: '/state',
      message: `its state is ${JSON.stringify(claims.state)}, not ${states.map((s) => JSON.stringify(s)).join(', ')}`,
    };
    const at = problems.findIndex((p) => p.pointer === '/state');
    if (at >= 0) problems[at] = problem;
    else problems.unshift(problem);
  }
  for (const [pointer, list] of missing) problems.push({ pointer, message: missingText(pointer, list) });
  return problems.sort((x, y) => x.pointer.split('/').length - y.pointer.split('/').length);
}

/** An `anyOf` (a value that may take several forms, such as an object or null) explained by its alternatives. */
function hasInner(e: ErrorObject, all: ErrorObject[]): boolean {
  return all.some((o) => o !== e && o.instancePath.startsWith(e.instancePath) && o.keyword !== 'anyOf');
}

function anyOfText(e: ErrorObject, all: ErrorObject[]): string | undefined {
  if (e.keyword !== 'type') return undefined;
  // The alternatives of one anyOf fail at the same field, each with its own type: name them together.
  const kinds = all.filter((o) => o.keyword === 'type' && o.instancePath === e.instancePath).flatMap((o) => [o.params.type].flat());
  if (kinds.length < 2) return undefined;
  return `its ${fieldName(e.instancePath)} is ${a(kindOf(e.data))}, not ${either([...new Set(kinds as string[])])}`;
}

/**
 * Checks that `doc` is a result this loadhouse reads: a `schemaVersion` it knows, and every section as the schema
 * declares it. `name` (a file path, `result 2`) heads the message. Throws LH_RESULT_INVALID naming the first
 * problems and where they are.
 */
export function checkResult(doc: unknown, name: string): LoadTestResult {
  const invalid = (why: string, problems: ResultProblem[] = []) =>
    new LoadhouseError(
      'LH_RESULT_INVALID',
      `${name} is not a loadhouse result file: ${why}. Pass a results/<scenario>-<timestamp>.json written by \`loadhouse run\`.`,
      { details: { path: name, problems } },
    );
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalid('it does not hold a JSON object');
  const version = (doc as { schemaVersion?: unknown }).schemaVersion;
  if (typeof version !== 'number') throw invalid('it has no numeric schemaVersion');
  // Checked before the shape: a newer version's fields may differ, and what to do is to update.
  if (version > RESULT_SCHEMA_VERSION) {
    throw new LoadhouseError(
      'LH_RESULT_INVALID',
      `${name} has schemaVersion ${version}, newer than this loadhouse reads (${RESULT_SCHEMA_VERSION}): update loadhouse`,
      { details: { path: name } },
    );
  }
  const problems = resultProblems(doc);
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).map((p) => `${p.message} (at ${p.pointer || '/'})`);
    const more = problems.length > 3 ? `; and ${problems.length - 3} more problem${problems.length === 4 ? '' : 's'}` : '';
    throw invalid(`${shown.join('; ')}${more}`, problems);
  }
  return doc as LoadTestResult;
}
