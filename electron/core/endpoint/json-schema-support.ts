/**
 * What node-llama-cpp's JSON-schema grammar can hold, checked before a grammar is made. The grammar
 * builder accepts any object and silently turns what it does not know into `null` (`{}`, `not`,
 * an unknown `type`) or drops it (`pattern`, `minimum`, a `required` name without a property), so
 * an unsupported schema would yield JSON that does not match it. Here such a schema is refused with
 * the place and the keyword, as OpenAI refuses schemas outside its strict-mode subset.
 *
 * `anyOf` becomes `oneOf` (the same thing to a grammar: one of the alternatives is generated).
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = { [k: string]: Json };

/** Keywords that only annotate; they never constrain the output. */
const ANNOTATIONS = new Set([
  'title',
  'description',
  '$schema',
  '$id',
  '$comment',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$defs',
]);

const TYPES = ['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'] as const;
const SCALARS = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/** The keywords the grammar honours, per type. */
const BY_TYPE: Record<string, readonly string[]> = {
  string: ['minLength', 'maxLength', 'format'],
  number: [],
  integer: [],
  boolean: [],
  null: [],
  object: ['properties', 'additionalProperties', 'required', 'minProperties', 'maxProperties'],
  array: ['items', 'prefixItems', 'minItems', 'maxItems'],
};
const FORMATS = new Set(['date-time', 'date', 'time']);
const KNOWN_UNSUPPORTED = new Set([
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'not',
  'allOf',
  'if',
  'then',
  'else',
  'patternProperties',
  'propertyNames',
  'dependentRequired',
  'dependentSchemas',
  'uniqueItems',
  'contains',
  'minContains',
  'maxContains',
  'unevaluatedProperties',
  'unevaluatedItems',
  'definitions',
  'nullable',
]);

export class SchemaProblem extends Error {}

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;

/**
 * The schema as node-llama-cpp should get it, or a SchemaProblem naming the first thing the grammar
 * cannot express (`at` is a JSON-pointer-like path from the schema's root).
 */
export function grammarSchema(schema: unknown): Schema {
  if (!isObject(schema)) throw new SchemaProblem('the schema must be a JSON object');
  return walk(schema, '', schema.$defs === undefined ? [] : [schema.$defs]);
}

function walk(s: Json, at: string, defs: Json[]): Schema {
  const where = at || '(root)';
  const fail = (msg: string): never => {
    throw new SchemaProblem(`${where}: ${msg}`);
  };
  if (!isObject(s)) return fail('a schema must be a JSON object');
  const scope = s.$defs !== undefined ? [...defs, s.$defs] : defs;
  if (s.$defs !== undefined && !isObject(s.$defs)) fail('"$defs" must be an object of schemas');
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) if (ANNOTATIONS.has(k) || k.startsWith('x-')) out[k] = v;
  if (isObject(s.$defs))
    out.$defs = Object.fromEntries(Object.entries(s.$defs).map(([k, d]) => [k, walk(d, `${at}/$defs/${k}`, scope)]));

  const forms = ['$ref', 'const', 'enum', 'oneOf', 'anyOf', 'type'].filter((k) => k in s);
  const unsupported = (k: string): never =>
    fail(
      k === 'definitions'
        ? '"definitions" is not supported; put shared schemas under "$defs"'
        : k === 'nullable'
          ? '"nullable" is not supported; use a type list such as ["string", "null"]'
          : `"${k}" is not supported by the grammar`,
    );
  for (const k of Object.keys(s)) if (KNOWN_UNSUPPORTED.has(k)) unsupported(k);
  const extra = (allowed: readonly string[]): void => {
    for (const k of Object.keys(s))
      if (!ANNOTATIONS.has(k) && !k.startsWith('x-') && !allowed.includes(k))
        fail(`"${k}" is not a keyword the grammar knows here`);
  };
  if (forms.length === 0)
    fail('a schema needs "type", "enum", "const", "oneOf"/"anyOf" or "$ref" (an any-value schema is not supported)');
  if (
    forms.length > 1 &&
    !(forms.length === 2 && forms.includes('type') && (forms.includes('enum') || forms.includes('const')))
  )
    fail(`combine at most one of ${forms.map((f) => `"${f}"`).join(', ')} in one schema`);

  if ('$ref' in s) {
    extra(['$ref']);
    const ref = s.$ref;
    const m = typeof ref === 'string' ? /^#\/\$defs\/([^/]+)$/.exec(ref) : null;
    if (!m) return fail(`"$ref" must point into "$defs" ("#/$defs/NAME"), not ${JSON.stringify(ref)}`);
    if (!scope.some((d) => isObject(d) && m[1]! in d)) fail(`"$ref" ${ref} names no schema in "$defs"`);
    return { ...out, $ref: ref as string };
  }
  if ('const' in s || 'enum' in s) {
    extra(['const', 'enum', 'type']);
    const values = 'const' in s ? [s.const] : s.enum;
    if (!Array.isArray(values) || values.length === 0) return fail('"enum" must be a non-empty list');
    if (values.some((v) => v !== null && typeof v === 'object'))
      fail('only strings, numbers, booleans and null can be "enum"/"const" values');
    return 'const' in s ? { ...out, const: s.const! } : { ...out, enum: values };
  }
  if ('oneOf' in s || 'anyOf' in s) {
    const key = 'oneOf' in s ? 'oneOf' : 'anyOf';
    extra([key]);
    const alts = s[key];
    if (!Array.isArray(alts) || alts.length === 0) return fail(`"${key}" must be a non-empty list of schemas`);
    return { ...out, oneOf: alts.map((a, i) => walk(a, `${at}/${key}/${i}`, scope)) };
  }

  const types = Array.isArray(s.type) ? s.type : [s.type];
  for (const t of types)
    if (typeof t !== 'string' || !(TYPES as readonly string[]).includes(t))
      fail(`"type" ${JSON.stringify(t)} is not one of ${TYPES.join(', ')}`);
  if (types.length === 0) fail('"type" must not be an empty list');
  if (types.length > 1 && types.some((t) => !SCALARS.has(t as string)))
    fail(
      'a list of types may hold only string, number, integer, boolean and null (use "oneOf" for objects and arrays)',
    );
  const type = types.length === 1 ? (types[0] as string) : null;
  extra(['type', ...(type ? (BY_TYPE[type] ?? []) : [])]);
  const o: Schema = { ...out, type: s.type! };
  const count = (k: string): void => {
    if (k in s && !isCount(s[k])) fail(`"${k}" must be a whole number ≥ 0`);
    if (k in s) o[k] = s[k]!;
  };
  const range = (lo: string, hi: string): void => {
    count(lo);
    count(hi);
    if (lo in s && hi in s && (s[lo] as number) > (s[hi] as number)) fail(`"${lo}" is larger than "${hi}"`);
  };

  if (type === 'string') {
    range('minLength', 'maxLength');
    if ('format' in s) {
      if (typeof s.format !== 'string' || !FORMATS.has(s.format))
        fail(`"format" ${JSON.stringify(s.format)} is not supported (only date-time, date and time)`);
      if ('minLength' in s || 'maxLength' in s) fail('"format" cannot be combined with "minLength"/"maxLength"');
      o.format = s.format!;
    }
  } else if (type === 'object') {
    range('minProperties', 'maxProperties');
    const props = s.properties ?? {};
    if (!isObject(props)) return fail('"properties" must be an object of schemas');
    if ('properties' in s)
      o.properties = Object.fromEntries(
        Object.entries(props).map(([k, p]) => [k, walk(p, `${at}/properties/${k}`, scope)]),
      );
    const add = s.additionalProperties;
    if (add !== undefined)
      o.additionalProperties = typeof add === 'boolean' ? add : walk(add, `${at}/additionalProperties`, scope);
    if ('required' in s) {
      const req = s.required;
      if (!Array.isArray(req) || req.some((r) => typeof r !== 'string'))
        return fail('"required" must be a list of names');
      const missing = req.find((r) => !((r as string) in props));
      if (missing !== undefined) fail(`"required" names "${String(missing)}", which is not in "properties"`);
      o.required = req;
    }
  } else if (type === 'array') {
    range('minItems', 'maxItems');
    if ('items' in s) o.items = walk(s.items!, `${at}/items`, scope);
    if ('prefixItems' in s) {
      const pre = s.prefixItems;
      if (!Array.isArray(pre)) return fail('"prefixItems" must be a list of schemas');
      o.prefixItems = pre.map((p, i) => walk(p, `${at}/prefixItems/${i}`, scope));
    }
  }
  return o;
}
