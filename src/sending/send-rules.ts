/**
 * The checks a send must pass before anything leaves for SocketLabs, as pure functions. Field-level rules
 * live on the DTOs (class-validator); the rules here span fields or depend on the kind of send (basic or
 * bulk). The limits are SocketLabs' own (docs/socketlabs-wire-format.md §1.7 and §5): checking them here turns
 * a send that SocketLabs would refuse (or half-accept) into a 400 that names the field.
 */

/** Recipients per message: To + Cc + Bcc for a basic send, `mergeData.perMessage` entries for a bulk send [C] SDKs. */
export const MAX_RECIPIENTS = 50;
/** [C] S-QS: "200 character limit". */
export const MAX_SUBJECT_LENGTH = 200;
/** [C] SDK-NODE `emailAddress.js#isValid`. */
export const MAX_ADDRESS_LENGTH = 320;
/** [C] S-META. */
export const MAX_METADATA_PAIRS = 10;
/**
 * [C] S-META: "Key-Value pairs combined should be less than 100 characters". Read here as key + value of each
 * pair (the other reading, 100 characters for all ten pairs together, leaves 10 characters a pair). [I]
 */
export const MAX_METADATA_PAIR_LENGTH = 99;
/** [C] S-META. */
export const MAX_TAGS = 25;
/** [C] S-META, SDK `MetadataOrTagsAreTooLarge`: "Metadata and tags exceed 12.5KB" (counted in UTF-8 bytes of keys, values and tags). */
export const MAX_METADATA_AND_TAGS_BYTES = 12.5 * 1024;

/** The merge field SocketLabs substitutes into the To address of a bulk send (reserved) [C] SDK-NODE. */
export const DELIVERY_ADDRESS_FIELD = 'DeliveryAddress';
/** The merge field the SDKs use for the recipient's display name in a bulk send. */
export const RECIPIENT_NAME_FIELD = 'RecipientName';
/** The To of a bulk send: SocketLabs substitutes each recipient's merge fields into it [C] SDK-NODE bulkMessage. */
export const BULK_TO_ADDRESS = `%%${DELIVERY_ADDRESS_FIELD}%%`;
export const BULK_TO_NAME = `%%${RECIPIENT_NAME_FIELD}%%`;

/**
 * `%%DeliveryAddress%%`, the To address of a bulk send as SocketLabs' SDKs write it (merge field names match in
 * any case). Only the cross-field rules decide whether it is in the right place (a bulk send's single To).
 */
export function isBulkToPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && value.toLowerCase() === BULK_TO_ADDRESS.toLowerCase();
}

/**
 * SocketLabs' own address syntax check (SDK-NODE `emailAddress.js#isValid`): at most 320 characters, exactly
 * one `@` with something on both sides, no comma, space or semicolon. Deliberately loose: SocketLabs decides
 * deliverability and answers `InvalidAddress` per recipient.
 */
export function isValidAddress(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ADDRESS_LENGTH) return false;
  const parts = value.split('@');
  if (parts.length !== 2 || !parts[0].trim() || !parts[1].trim()) return false;
  return !/[,\s;]/.test(value);
}

/** Base64 as a mail part carries it: the alphabet, `=` padding, a length that is a multiple of 4; line breaks allowed. */
export function isBase64(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const compact = value.replace(/[\r\n\t ]/g, '');
  return compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact);
}

/** A header field name (RFC 5322 §3.6.8: printable ASCII except `:`). */
export const HEADER_NAME = /^[!-9;-~]+$/;
/** A header value: no line breaks (they would start a new header). */
export const HEADER_VALUE = /^[^\r\n]*$/;

/** `apiTemplate`: a SocketLabs template id, a positive integer (a string of digits is accepted too). */
export function isTemplateId(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0;
  return typeof value === 'string' && /^\d{1,15}$/.test(value) && Number(value) > 0;
}

/** What the cross-field rules read; the DTO has already checked each field's own type and format. */
export interface SendShape {
  to?: Array<{ emailAddress?: unknown; friendlyName?: unknown }>;
  cc?: unknown[];
  bcc?: unknown[];
  textBody?: string;
  htmlBody?: string;
  ampBody?: string;
  apiTemplate?: number | string;
  mergeData?: { perMessage?: unknown; global?: unknown };
  metadata?: Array<{ key: string; value: string }>;
  tags?: string[];
}

/** A bulk send is one message whose recipients are the `mergeData.perMessage` entries. */
export function isBulk(dto: SendShape): boolean {
  return dto.mergeData?.perMessage !== undefined && dto.mergeData?.perMessage !== null;
}

/** Every cross-field problem of a send, one message each naming the field; empty when it may go. */
export function checkSendRules(dto: SendShape): string[] {
  const problems: string[] = [];
  const count = (list?: unknown[]) => (Array.isArray(list) ? list.length : 0);

  if (isBulk(dto)) {
    problems.push(...checkBulkTo(dto.to));
    for (const name of ['cc', 'bcc'] as const) {
      if (dto[name] !== undefined && dto[name] !== null)
        problems.push(`${name} is not supported in a bulk send (mergeData.perMessage)`);
    }
    problems.push(...checkPerMessage(dto.mergeData!.perMessage));
  } else {
    if (count(dto.to) === 0) problems.push('to must contain at least one recipient');
    (dto.to ?? []).forEach((recipient, i) => {
      if (isBulkToPlaceholder(recipient?.emailAddress)) {
        problems.push(
          `to.${i}.emailAddress ${BULK_TO_ADDRESS} is the placeholder of a bulk send: give the recipients in mergeData.perMessage, each with a ${DELIVERY_ADDRESS_FIELD} field`,
        );
      }
    });
    const total = count(dto.to) + count(dto.cc) + count(dto.bcc);
    if (total > MAX_RECIPIENTS)
      problems.push(`to, cc and bcc together must not have more than ${MAX_RECIPIENTS} recipients (got ${total})`);
  }
  if (dto.mergeData?.global !== undefined && dto.mergeData.global !== null) {
    problems.push(...checkMergeFields(dto.mergeData.global, 'mergeData.global'));
  }

  // A template replaces the text and HTML parts (SocketLabs answers MessageBodyConflict for both);
  // an AMP part needs a text or HTML fallback (SDKs: "Either TextBody or HtmlBody must be used with the AmpBody").
  const hasTemplate = dto.apiTemplate !== undefined && dto.apiTemplate !== null;
  const hasTextOrHtml = !!dto.textBody || !!dto.htmlBody;
  if (hasTemplate && hasTextOrHtml) {
    problems.push(
      'apiTemplate cannot be combined with textBody or htmlBody (MessageBodyConflict): the template is the body',
    );
  } else if (!hasTemplate && !hasTextOrHtml) {
    problems.push(
      dto.ampBody
        ? 'ampBody needs a textBody or htmlBody as its fallback (or an apiTemplate)'
        : 'a body is required: textBody, htmlBody (optionally with ampBody), or an apiTemplate',
    );
  }

  for (const [i, pair] of (dto.metadata ?? []).entries()) {
    const length = pair.key.length + pair.value.length;
    if (length > MAX_METADATA_PAIR_LENGTH) {
      problems.push(`metadata.${i}: key and value together must be less than 100 characters (got ${length})`);
    }
  }
  const bytes = metadataAndTagsBytes(dto.metadata, dto.tags);
  if (bytes >= MAX_METADATA_AND_TAGS_BYTES) {
    problems.push(
      `metadata and tags together must be less than 12.5 KB (${MAX_METADATA_AND_TAGS_BYTES} bytes; got ${bytes})`,
    );
  }
  return problems;
}

export function metadataAndTagsBytes(metadata?: Array<{ key: string; value: string }>, tags?: string[]): number {
  let bytes = 0;
  for (const pair of metadata ?? []) bytes += Buffer.byteLength(pair.key) + Buffer.byteLength(pair.value);
  for (const tag of tags ?? []) bytes += Buffer.byteLength(tag);
  return bytes;
}

/**
 * The To of a bulk send: left out, or SocketLabs' own form, the one placeholder its SDKs write
 * (`[{ emailAddress: "%%DeliveryAddress%%", friendlyName: "%%RecipientName%%" }]`, the name optional). Either way
 * the request to SocketLabs gets the To this service builds (see injection-request.ts).
 */
function checkBulkTo(to: SendShape['to']): string[] {
  if (to === undefined || to === null) return [];
  const form = `{ emailAddress: "${BULK_TO_ADDRESS}", friendlyName: "${BULK_TO_NAME}" }`;
  const expected = `to must be omitted in a bulk send, or be the single placeholder ${form}: the recipients are mergeData.perMessage (each with a ${DELIVERY_ADDRESS_FIELD} field)`;
  if (to.length !== 1 || !isBulkToPlaceholder(to[0]?.emailAddress)) return [expected];
  const name = to[0].friendlyName;
  if (
    name !== undefined &&
    name !== null &&
    name !== '' &&
    (typeof name !== 'string' || name.toLowerCase() !== BULK_TO_NAME.toLowerCase())
  ) {
    return [
      `to.0.friendlyName must be ${BULK_TO_NAME} or omitted in a bulk send: each recipient's display name is its ${RECIPIENT_NAME_FIELD} merge field`,
    ];
  }
  return [];
}

/**
 * `mergeData.perMessage`: 1 to 50 entries (one per recipient), each a list of `{ field, value }` with a
 * `DeliveryAddress` that is an address. Checked here rather than by class-validator, which does not reach
 * into nested arrays.
 */
function checkPerMessage(perMessage: unknown): string[] {
  if (!Array.isArray(perMessage))
    return ['mergeData.perMessage must be an array of recipients, each an array of { field, value }'];
  if (perMessage.length === 0) return ['mergeData.perMessage must contain at least one recipient'];
  if (perMessage.length > MAX_RECIPIENTS) {
    return [`mergeData.perMessage must not have more than ${MAX_RECIPIENTS} recipients (got ${perMessage.length})`];
  }
  const problems: string[] = [];
  perMessage.forEach((entry, i) => {
    const path = `mergeData.perMessage.${i}`;
    const fieldProblems = checkMergeFields(entry, path);
    if (fieldProblems.length) {
      problems.push(...fieldProblems);
      return;
    }
    const address = (entry as MergeField[]).find((f) => f.field.toLowerCase() === DELIVERY_ADDRESS_FIELD.toLowerCase());
    if (!address) problems.push(`${path} must contain a ${DELIVERY_ADDRESS_FIELD} field (the recipient's address)`);
    else if (!isValidAddress(address.value)) {
      problems.push(
        `${path}.${DELIVERY_ADDRESS_FIELD} must be an email address (one @, no comma, space or semicolon, at most ${MAX_ADDRESS_LENGTH} characters)`,
      );
    }
  });
  return problems;
}

export interface MergeField {
  field: string;
  value: string;
}

/** A list of `{ field, value }` with non-empty field names, each name once (any case: SocketLabs matches it so). */
function checkMergeFields(list: unknown, path: string): string[] {
  if (!Array.isArray(list)) return [`${path} must be an array of { field, value }`];
  const problems: string[] = [];
  const seen = new Set<string>();
  list.forEach((item, j) => {
    const f = item as Partial<MergeField> | null;
    if (!f || typeof f !== 'object' || Array.isArray(f)) {
      problems.push(`${path}.${j} must be an object { field, value }`);
      return;
    }
    if (typeof f.field !== 'string' || !f.field.trim()) problems.push(`${path}.${j}.field must be a non-empty string`);
    if (typeof f.value !== 'string') problems.push(`${path}.${j}.value must be a string`);
    if (typeof f.field === 'string' && f.field.trim()) {
      const key = f.field.toLowerCase();
      if (seen.has(key)) problems.push(`${path}.${j}.field: ${f.field} appears more than once`);
      seen.add(key);
    }
  });
  return problems;
}
