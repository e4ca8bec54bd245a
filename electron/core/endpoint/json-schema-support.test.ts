import { describe, expect, it } from 'vitest';
import { grammarSchema, SchemaProblem } from './json-schema-support.js';

const problem = (schema: unknown): string => {
  try {
    grammarSchema(schema);
  } catch (err) {
    if (err instanceof SchemaProblem) return err.message;
    throw err;
  }
  return 'accepted';
};

describe('grammarSchema: what the JSON-schema grammar can hold', () => {
  it('passes the supported subset through, annotations included, and turns anyOf into oneOf', () => {
    const schema = {
      title: 'Verdict',
      type: 'object',
      properties: {
        answer: { enum: ['yes', 'no'], description: 'the verdict' },
        score: { type: 'integer' },
        note: { anyOf: [{ type: 'string', maxLength: 40 }, { type: 'null' }] },
        tags: { type: 'array', items: { $ref: '#/$defs/tag' }, minItems: 1, maxItems: 3 },
        when: { type: 'string', format: 'date' },
        extra: { type: ['string', 'null'] },
      },
      required: ['answer', 'score'],
      additionalProperties: false,
      $defs: { tag: { type: 'string', minLength: 1 } },
    };
    const out = grammarSchema(schema);
    expect(out.properties).toMatchObject({
      note: { oneOf: [{ type: 'string', maxLength: 40 }, { type: 'null' }] },
      tags: { items: { $ref: '#/$defs/tag' } },
    });
    expect((out.properties as Record<string, unknown>).note).not.toHaveProperty('anyOf');
    expect(out.$defs).toEqual({ tag: { type: 'string', minLength: 1 } });
    expect(out.title).toBe('Verdict');
  });

  it.each([
    [{ type: 'foo' }, '(root): "type" "foo" is not one of'],
    [{}, '(root): a schema needs "type"'],
    [
      { type: 'object', properties: { a: { type: 'string', pattern: '^a+$' } } },
      '/properties/a: "pattern" is not supported',
    ],
    [{ type: 'integer', minimum: 1, maximum: 10 }, '(root): "minimum" is not supported'],
    [{ not: { type: 'string' } }, '"not" is not supported'],
    [{ type: 'object', properties: { a: { type: 'string' } }, required: ['b'] }, '"required" names "b"'],
    [{ $ref: '#/$defs/missing' }, 'names no schema in "$defs"'],
    [{ $ref: '#/definitions/x', definitions: { x: { type: 'string' } } }, '"definitions" is not supported'],
    [{ type: 'string', nullable: true }, 'use a type list'],
    [{ type: 'array', items: { type: 'string' }, minItems: 'x' }, '"minItems" must be a whole number'],
    [{ type: 'string', minLength: 5, maxLength: 2 }, '"minLength" is larger than "maxLength"'],
    [{ type: 'string', format: 'email' }, '"format" "email" is not supported'],
    [{ type: 'string', properties: {} }, '"properties" is not a keyword the grammar knows here'],
    [{ type: ['object', 'null'] }, 'a list of types may hold only'],
    [{ oneOf: [] }, '"oneOf" must be a non-empty list'],
    [{ enum: [{ a: 1 }] }, 'only strings, numbers, booleans and null'],
    [{ type: 'string', tpye: 'x' }, '"tpye" is not a keyword'],
    [[1], 'must be a JSON object'],
  ])('refuses %j naming the problem', (schema, msg) => {
    expect(problem(schema)).toContain(msg);
  });
});
