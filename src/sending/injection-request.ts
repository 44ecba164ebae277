import type { InjectionAddress, InjectionMessage, InjectionRequest } from '../socketlabs/socketlabs.types';
import type { EmailAddressDto, SendMessageDto } from './dto/send-message.dto';
import { BULK_TO_ADDRESS, BULK_TO_NAME, isBulk, MergeField, RECIPIENT_NAME_FIELD } from './send-rules';

/**
 * Translates our camelCase send into the Injection API's request (docs/socketlabs-wire-format.md §5):
 * `{ serverId, messages: [message] }`, one message per request as every SDK sends it, with the message's
 * fields in the spelling of SocketLabs' C# SDK and documents (`To`, `From`, `Subject`, `TextBody`,
 * `MergeData.PerMessage`...; nested objects camelCase: `emailAddress`, `name`, `field`, `key`). The endpoint
 * binds names case-insensitively; one spelling is chosen so the request is predictable. Empty fields are
 * left out, as the SDKs do. Only fields named here are sent: unknown input never reaches SocketLabs.
 * The API key is NOT in the body: SocketLabsClient sends it as `Authorization: Bearer`.
 */
export function toInjectionRequest(dto: SendMessageDto, serverId: number): InjectionRequest {
  return { serverId, messages: [toInjectionMessage(dto)] };
}

export function toInjectionMessage(dto: SendMessageDto): InjectionMessage {
  const message: InjectionMessage = {};
  const set = (name: string, value: unknown) => {
    if (value === undefined || value === null || value === '') return;
    if (Array.isArray(value) && value.length === 0) return;
    message[name] = value;
  };

  if (isBulk(dto)) {
    // The caller's To, if any, is SocketLabs' placeholder (send-rules.ts allows nothing else): it is rebuilt here.
    const perMessage = (dto.mergeData!.perMessage ?? []).map((entry) => entry.map(mergeField));
    // The SDKs always put %%RecipientName%% in the display name; here only when some recipient has one, and
    // the others get an empty one, so no recipient sees the placeholder itself.
    const named = perMessage.some((entry) => entry.some((f) => isField(f, RECIPIENT_NAME_FIELD)));
    if (named) {
      for (const entry of perMessage)
        if (!entry.some((f) => isField(f, RECIPIENT_NAME_FIELD)))
          entry.push({ field: RECIPIENT_NAME_FIELD, value: '' });
    }
    set('To', [
      named ? { emailAddress: BULK_TO_ADDRESS, friendlyName: BULK_TO_NAME } : { emailAddress: BULK_TO_ADDRESS },
    ]);
    set('MergeData', mergeData(perMessage, dto.mergeData!.global));
  } else {
    set('To', dto.to?.map(address));
    set('Cc', dto.cc?.map(address));
    set('Bcc', dto.bcc?.map(address));
    if (dto.mergeData?.global?.length) set('MergeData', mergeData(undefined, dto.mergeData.global));
  }
  set('From', address(dto.from));
  if (dto.replyTo) set('ReplyTo', address(dto.replyTo));
  set('Subject', dto.subject);
  set('TextBody', dto.textBody);
  set('HtmlBody', dto.htmlBody);
  set('AmpBody', dto.ampBody);
  // SDK-NODE sends the template id as a number (SDK-CS as a string); both bind.
  if (dto.apiTemplate !== undefined && dto.apiTemplate !== null) set('ApiTemplate', Number(dto.apiTemplate));
  set('MessageId', dto.messageId);
  set('MailingId', dto.mailingId);
  set('Charset', dto.charset);
  set(
    'CustomHeaders',
    dto.customHeaders?.map((h) => ({ name: h.name, value: h.value })),
  );
  set(
    'Attachments',
    dto.attachments?.map((a) => {
      const attachment: Record<string, unknown> = { name: a.name, content: a.content, contentType: a.contentType };
      if (a.contentId) attachment.contentId = a.contentId;
      if (a.customHeaders?.length)
        attachment.customHeaders = a.customHeaders.map((h) => ({ name: h.name, value: h.value }));
      return attachment;
    }),
  );
  set(
    'Metadata',
    dto.metadata?.map((m) => ({ key: m.key, value: m.value })),
  );
  set('Tags', dto.tags);
  return message;
}

function address(a: EmailAddressDto): InjectionAddress {
  return a.friendlyName
    ? { emailAddress: a.emailAddress, friendlyName: a.friendlyName }
    : { emailAddress: a.emailAddress };
}

function mergeField(f: MergeField): MergeField {
  return { field: f.field, value: f.value };
}

function isField(f: MergeField, name: string): boolean {
  return f.field.toLowerCase() === name.toLowerCase();
}

function mergeData(
  perMessage: MergeField[][] | undefined,
  global: MergeField[] | undefined,
): Record<string, unknown> | undefined {
  const data: Record<string, unknown> = {};
  if (perMessage?.length) data.PerMessage = perMessage;
  if (global?.length) data.Global = global.map(mergeField);
  return Object.keys(data).length ? data : undefined;
}
