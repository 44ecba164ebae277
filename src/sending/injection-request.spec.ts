import type { SendMessageDto } from './dto/send-message.dto';
import { toInjectionRequest } from './injection-request';

describe('toInjectionRequest', () => {
  it('leaves empty fields out and never sends a key', () => {
    const dto = {
      to: [{ emailAddress: 'a@example.com', friendlyName: '' }],
      cc: [],
      from: { emailAddress: 'f@example.com' },
      subject: 'Hi',
      textBody: 'Hi',
      htmlBody: '',
      tags: [],
    } as unknown as SendMessageDto;
    expect(toInjectionRequest(dto, 7)).toEqual({
      serverId: 7,
      messages: [
        {
          To: [{ emailAddress: 'a@example.com' }],
          From: { emailAddress: 'f@example.com' },
          Subject: 'Hi',
          TextBody: 'Hi',
        },
      ],
    });
  });

  it('builds a bulk To without a display name when no recipient has a RecipientName', () => {
    const dto = {
      from: { emailAddress: 'f@example.com' },
      subject: 'Hi',
      textBody: 'Hi %%Name%%',
      mergeData: {
        perMessage: [
          [
            { field: 'DeliveryAddress', value: 'a@example.com' },
            { field: 'Name', value: 'A' },
          ],
        ],
      },
    } as unknown as SendMessageDto;
    const message = toInjectionRequest(dto, 7).messages[0];
    expect(message.To).toEqual([{ emailAddress: '%%DeliveryAddress%%' }]);
    expect(message.MergeData).toEqual({
      PerMessage: [
        [
          { field: 'DeliveryAddress', value: 'a@example.com' },
          { field: 'Name', value: 'A' },
        ],
      ],
    });
  });
});
