import fc from 'fast-check';
import { pgText } from '../../src/core/database/pg-text';

/**
 * Arbitraries for webhook bodies as a mail system can really produce them, and worse: any Unicode including NUL,
 * unpaired surrogates, right-to-left and combining marks, very long strings, huge and odd numbers, nested arrays and
 * objects, duplicate keys in any casing, arrays of events and prototype keys. Shared by the parser's and normalizer's
 * properties (src/webhooks/receiver/webhook-body.fuzz.spec.ts) and the receiver's (test/e2e/receiver-fuzz.e2e-spec.ts).
 */

/** Seed and runs: fixed in CI (reproducible), FUZZ_SEED / FUZZ_RUNS for `npm run fuzz` or to replay a failure. */
export function fuzzParameters(defaultRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20261204;
  const runs = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : defaultRuns;
  return { seed, numRuns: runs };
}

const ODD_CHARACTERS = [
  '\u0000',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '\u202e',
  '\u200f',
  '\u0301',
  '\u0308',
  '\ufeff',
  '\uffff',
  '\\',
  '"',
  '\r\n',
  '\u2028',
  '%',
  '+',
  '&',
  '=',
];

/** One code unit or code point of anything, odd ones often. */
const unit = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_CHARACTERS) },
);

export const oddString = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit, maxLength: 8 }).map((s) => s.repeat(500)) },
);

/** Numbers as JSON text, with the spellings JSON.parse reads differently from how they were written. */
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom(
    '1e400',
    '-1e400',
    '-0',
    '0.0',
    '1.0',
    '12345678901234567890',
    '1E+2',
    '2147483648',
    '-2147483649',
    '0.0000001',
    '5e-324',
  ),
);

/** A string literal in JSON, sometimes written with escapes of its own (`\u0000`, a lone `\ud800`). */
const stringText = fc.oneof(
  { weight: 4, arbitrary: oddString.map((s) => JSON.stringify(s)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '"\\u0000"',
      '"x\\u0000y"',
      '"\\ud800"',
      '"\\udc00x"',
      '"\\ud83d\\ude00"',
      '"\\u202e"',
      '""',
    ),
  },
);

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const FIELD_NAMES = [
  'Type',
  'DateTime',
  'ServerId',
  'SubaccountId',
  'Address',
  'MessageId',
  'MailingId',
  'Reason',
  'FailureType',
  'FailureCode',
  'TrackingType',
  'Data',
  'Meta',
  'Tags',
  'Key',
  'Value',
  'Url',
];

/** A key: a SocketLabs field in any casing, a prototype key, or anything. */
const keyText = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...FIELD_NAMES), fc.boolean())
      .map(([k, lower]) => JSON.stringify(lower ? k.toLowerCase() : k)),
  },
  { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS).map((k) => JSON.stringify(k)) },
  { weight: 2, arbitrary: stringText },
);

/** Any JSON value as text, nested up to `depth` more levels. */
const valueText: (depth: number) => fc.Arbitrary<string> = fc.memo((depth: number): fc.Arbitrary<string> => {
  const leaf = fc.oneof(stringText, numberText, fc.constantFrom('true', 'false', 'null'));
  if (depth <= 1) return leaf;
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(valueText(depth - 1), { maxLength: 4 }).map((items) => `[${items.join(',')}]`) },
    { weight: 1, arbitrary: objectText(depth - 1, fc.constant([])) },
  );
});

function objectText(depth: number, fixed: fc.Arbitrary<string[]>): fc.Arbitrary<string> {
  return fc
    .tuple(fixed, fc.array(fc.tuple(keyText, valueText(depth)), { maxLength: 8 }), fc.constantFrom('', ' ', '\n  '))
    .chain(([members, random, space]) =>
      fc
        .shuffledSubarray([...members, ...random.map(([k, v]) => `${k}:${v}`)], {
          minLength: members.length + random.length,
        })
        .map((all) => `{${space}${all.join(`,${space}`)}${space}}`),
    );
}

/** Nested `[` or `{` far past the limit, or just around it. */
const deepText = fc
  .oneof(fc.integer({ min: 60, max: 70 }), fc.integer({ min: 100, max: 6000 }))
  .chain((levels) =>
    fc.constantFrom('[', '{"a":').map((open) => `${open.repeat(levels)}1${(open === '[' ? ']' : '}').repeat(levels)}`),
  );

/** The SecretKey member in some casing: the right secret, mostly. */
function secretMember(secret: string): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom('SecretKey', 'secretkey', 'SECRETKEY', 'secretKey'),
      fc.oneof({ weight: 9, arbitrary: fc.constant(secret) }, { weight: 1, arbitrary: oddString }),
    )
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
}

const typeMember = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .constantFrom('Queued', 'Deferred', 'Delivered', 'Failed', 'Tracking', 'Complaint', 'delivered', 'Validation')
      .map((t) => `"Type":"${t}"`),
  },
  { weight: 1, arbitrary: stringText.map((t) => `"Type":${t}`) },
);

/** One event object as JSON text: a Type, usually the secret, and random members (some deep). */
export function eventJson(secret: string): fc.Arbitrary<string> {
  const members = fc
    .tuple(
      typeMember,
      fc.option(secretMember(secret), { freq: 10 }),
      fc.option(
        deepText.map((d) => `"Deep":${d}`),
        { freq: 8 },
      ),
    )
    .map(([t, s, d]) => [t, s, d].filter((m): m is string => m !== null));
  return objectText(4, members);
}

/** A JSON webhook body: one event, an array of events, a `{"data": ...}` envelope, or some other JSON. */
export function jsonBody(secret: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: eventJson(secret) },
    {
      weight: 2,
      arbitrary: fc.array(eventJson(secret), { minLength: 1, maxLength: 3 }).map((events) => `[${events.join(',')}]`),
    },
    { weight: 1, arbitrary: eventJson(secret).map((e) => `{"data":${e}}`) },
    { weight: 1, arbitrary: valueText(3) },
  );
}

/** A form-encoded pair: percent-encoded or raw odd characters, broken escapes, repeated and prototype keys. */
const formPart = fc.oneof(
  { weight: 3, arbitrary: oddString.map((s) => encodeURIComponent(pgText(s))) },
  { weight: 2, arbitrary: oddString },
  { weight: 1, arbitrary: fc.constantFrom('%00', '%', '%zz', '%d8%00', '%ED%A0%80', '+', '%C3%A9', '%E2%80%AE') },
);

export function formBody(secret: string): fc.Arbitrary<string> {
  const pair = fc
    .tuple(fc.oneof(fc.constantFrom(...FIELD_NAMES, ...PROTOTYPE_KEYS), formPart), formPart)
    .map(([k, v]) => `${k}=${v}`);
  const fixed = fc.tuple(
    fc.constantFrom('Type=Delivered', 'Type=Failed', 'type=Tracking', 'Type=Validation', 'Type=%00'),
    fc.option(
      fc.constantFrom('SecretKey', 'secretkey', 'Secret%4Bey').map((k) => `${k}=${encodeURIComponent(secret)}`),
      { freq: 10 },
    ),
  );
  return fc
    .tuple(fixed, fc.array(pair, { maxLength: 10 }))
    .chain(([[t, s], pairs]) =>
      fc.shuffledSubarray([t, ...(s ? [s] : []), ...pairs], { minLength: pairs.length + (s ? 2 : 1) }),
    )
    .map((pairs) => pairs.join('&'));
}

/** Bytes that are not UTF-8 (a lone continuation byte, an encoded surrogate, an overlong form) inside a body. */
export function withInvalidUtf8(body: string): fc.Arbitrary<Buffer> {
  return fc.constantFrom([0x80], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xff]).map((bad) => {
    const text = Buffer.from(body);
    const at = Math.max(0, body.lastIndexOf('"') - 1);
    const cut = Buffer.byteLength(body.slice(0, at));
    return Buffer.concat([text.subarray(0, cut), Buffer.from(bad), text.subarray(cut)]);
  });
}
