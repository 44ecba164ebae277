import { ApiPropertyOptional } from '@nestjs/swagger';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  ValidationOptions,
  buildMessage,
} from 'class-validator';
import { INT4_MAX } from '../../core/database/pg-limits';
import {
  HEADER_NAME,
  BULK_TO_ADDRESS,
  HEADER_VALUE,
  isBase64,
  isBulkToPlaceholder,
  isTemplateId,
  isValidAddress,
  MAX_ADDRESS_LENGTH,
  MAX_METADATA_PAIRS,
  MAX_SUBJECT_LENGTH,
  MAX_TAGS,
} from '../send-rules';
import { SocketLabsShaped } from '../../core/http/validation';

function IsAddress(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAddress',
      validator: {
        validate: (value) => isValidAddress(value),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be an email address (one @, no comma, space or semicolon, at most ${MAX_ADDRESS_LENGTH} characters)`,
          options,
        ),
      },
    },
    options,
  );
}

/** An address, or `%%DeliveryAddress%%` (whether it may be there is a cross-field rule: send-rules.ts). */
function IsAddressOrBulkPlaceholder(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAddressOrBulkPlaceholder',
      validator: {
        validate: (value) => isValidAddress(value) || isBulkToPlaceholder(value),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be an email address (one @, no comma, space or semicolon, at most ${MAX_ADDRESS_LENGTH} characters), or ${BULK_TO_ADDRESS} in a bulk send`,
          options,
        ),
      },
    },
    options,
  );
}

function IsBase64Content(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBase64Content',
      validator: {
        validate: (value) => isBase64(value),
        defaultMessage: buildMessage((each) => `${each}$property must be base64 (the file's bytes encoded)`, options),
      },
    },
    options,
  );
}

function IsTemplateId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTemplateId',
      validator: {
        validate: (value) => isTemplateId(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a SocketLabs template id (a positive integer)`,
          options,
        ),
      },
    },
    options,
  );
}

/** A recipient or sender, as SocketLabs takes it. */
export class EmailAddressDto {
  /** @example "jane.doe@example.com" */
  @IsString()
  @IsAddress()
  emailAddress: string;

  /** Display name. @example "Jane Doe" */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  friendlyName?: string;
}

/**
 * A To recipient. In a bulk send, `to` may be SocketLabs' own placeholder, as its SDKs write it:
 * `[{ "emailAddress": "%%DeliveryAddress%%", "friendlyName": "%%RecipientName%%" }]` (or left out).
 */
export class ToAddressDto {
  /** An address, or `%%DeliveryAddress%%` as the single To of a bulk send. @example "jane.doe@example.com" */
  @IsString()
  @IsAddressOrBulkPlaceholder()
  emailAddress: string;

  /** Display name (`%%RecipientName%%` in a bulk send). @example "Jane Doe" */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  friendlyName?: string;
}

export class CustomHeaderDto {
  /** Header field name (printable ASCII, no colon or space). @example "X-Order-Id" */
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @Matches(HEADER_NAME, { message: '$property must be a header field name (printable ASCII, no colon or space)' })
  name: string;

  /** @example "7731" */
  @IsString()
  @IsNotEmpty()
  @Matches(HEADER_VALUE, { message: '$property must not contain line breaks' })
  value: string;
}

export class MergeFieldDto {
  /** Merge field name, used as `%%name%%` in the content. @example "FirstName" */
  @IsString()
  @IsNotEmpty()
  field: string;

  /** @example "Jane" */
  @IsString()
  value: string;
}

export class MergeDataDto {
  /**
   * A BULK send: one entry per recipient (1 to 50), each a list of merge fields with a `DeliveryAddress` (the
   * recipient's address) and optionally `RecipientName`. The message's To is then `%%DeliveryAddress%%`: leave
   * `to` out or give that placeholder (`[{ "emailAddress": "%%DeliveryAddress%%", "friendlyName":
   * "%%RecipientName%%" }]`, as SocketLabs' SDKs do); `cc` and `bcc` must be left out. `PerMessage` is taken too.
   */
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'array', items: { $ref: '#/components/schemas/MergeFieldDto' } },
    example: [
      [
        { field: 'DeliveryAddress', value: 'jane.doe@example.com' },
        { field: 'RecipientName', value: 'Jane Doe' },
        { field: 'FirstName', value: 'Jane' },
      ],
      [
        { field: 'DeliveryAddress', value: 'sam.roe@example.com' },
        { field: 'FirstName', value: 'Sam' },
      ],
    ],
  })
  @IsOptional()
  @IsArray()
  perMessage?: MergeFieldDto[][];

  /** Merge fields with the same value for every recipient (`Global` is taken too). */
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => MergeFieldDto)
  global?: MergeFieldDto[];
}

export class AttachmentDto {
  /** File name shown to the recipient. @example "invoice-7731.pdf" */
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  name: string;

  /** The file's bytes, base64-encoded (line breaks allowed). @example "JVBERi0xLjQKJcfsj6IK" */
  @IsString()
  @IsBase64Content()
  content: string;

  /** MIME type. @example "application/pdf" */
  @IsString()
  @Matches(/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/, { message: '$property must be a MIME type such as application/pdf' })
  contentType: string;

  /** Content-ID, to show the attachment inline (`<img src="cid:logo">`). @example "logo" */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  contentId?: string;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => CustomHeaderDto)
  customHeaders?: CustomHeaderDto[];
}

export class MetadataDto {
  /** @example "x-customer-id" */
  @IsString()
  @IsNotEmpty()
  key: string;

  /** @example "C-1042" */
  @IsString()
  value: string;
}

/**
 * One message for the Injection API. A BASIC send lists its recipients in `to`, `cc` and `bcc`; a BULK send
 * gives `mergeData.perMessage` instead (one entry per recipient). Field names are our API's camelCase; this
 * service translates them to the Injection API's.
 */
@SocketLabsShaped()
export class SendMessageDto {
  /**
   * The SocketLabs server (subaccount) id to send from. Default: SOCKETLABS_SERVER_ID.
   * @example 16332
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  serverId?: number;

  /**
   * Recipients of a basic send: at least one; To, Cc and Bcc together at most 50. In a bulk send: left out, or
   * the single placeholder `{ "emailAddress": "%%DeliveryAddress%%", "friendlyName": "%%RecipientName%%" }`.
   */
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ToAddressDto)
  to?: ToAddressDto[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => EmailAddressDto)
  cc?: EmailAddressDto[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => EmailAddressDto)
  bcc?: EmailAddressDto[];

  @IsObject()
  @ValidateNested()
  @Type(() => EmailAddressDto)
  from: EmailAddressDto;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => EmailAddressDto)
  replyTo?: EmailAddressDto;

  /** At most 200 characters. @example "Your order 7731 is confirmed" */
  @IsString()
  @MaxLength(MAX_SUBJECT_LENGTH)
  @Matches(/\S/, { message: 'subject must not be empty' })
  subject: string;

  /** Plain-text part. @example "Hello Jane, your order 7731 is on its way." */
  @IsOptional()
  @IsString()
  textBody?: string;

  /** HTML part. @example "<p>Hello Jane, your order <b>7731</b> is on its way.</p>" */
  @IsOptional()
  @IsString()
  htmlBody?: string;

  /** AMP part; needs a textBody or htmlBody as its fallback. */
  @IsOptional()
  @IsString()
  ampBody?: string;

  /** A template stored in SocketLabs, instead of textBody and htmlBody (not together with them). */
  @ApiPropertyOptional({
    oneOf: [
      { type: 'integer', minimum: 1 },
      { type: 'string', pattern: '^\\d+$' },
    ],
    example: 4021,
  })
  @IsOptional()
  @IsTemplateId()
  apiTemplate?: number | string;

  /** Your id for this message; it comes back as `MessageId` in every event. @example "order-7731-confirmation" */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  messageId?: string;

  /** Your id for a batch or campaign (aggregated reporting); comes back as `MailingId`. @example "spring-sale" */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  mailingId?: string;

  /** Character set of the message. Default UTF-8. @example "UTF-8" */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  charset?: string;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => CustomHeaderDto)
  customHeaders?: CustomHeaderDto[];

  /** Merge fields: `perMessage` makes this a bulk send; `global` applies to every recipient. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MergeDataDto)
  @Transform(({ value }) => withPascalCaseMergeData(value))
  mergeData?: MergeDataDto;

  /** Files, base64-encoded ("not recommended for bulk sending", says SocketLabs). */
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => AttachmentDto)
  attachments?: AttachmentDto[];

  /**
   * At most 10 pairs; key and value of a pair together under 100 characters; metadata and tags together under
   * 12.5 KB. They come back in the events' `Data.Meta`.
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_METADATA_PAIRS)
  @ValidateNested({ each: true })
  @Type(() => MetadataDto)
  metadata?: MetadataDto[];

  /** At most 25. They come back in the events' `Data.Tags`. @example ["order-confirmation"] */
  @ApiPropertyOptional({ type: [String], maxItems: MAX_TAGS, example: ['order-confirmation'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_TAGS)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  tags?: string[];
}

/**
 * SocketLabs' SDKs write `mergeData.PerMessage` and `mergeData.Global` (the Injection API binds names in any case):
 * they are taken as `perMessage` and `global` when those are not given, so the body an SDK builds is accepted as it is.
 */
function withPascalCaseMergeData(value: unknown): unknown {
  if (!(value instanceof MergeDataDto)) return value;
  const given = value as MergeDataDto & { PerMessage?: unknown; Global?: unknown };
  if (given.perMessage === undefined && given.PerMessage !== undefined)
    given.perMessage = given.PerMessage as MergeFieldDto[][];
  if (given.global === undefined && given.Global !== undefined) {
    given.global = (
      Array.isArray(given.Global) ? plainToInstance(MergeFieldDto, given.Global as object[]) : given.Global
    ) as MergeFieldDto[];
  }
  return value;
}
