/**
 * The events `npm run bench` posts (the autocannon fallback and the open-loop generator; wrk builds the same ones
 * in bench-events.lua): every one distinct and realistic, five consecutive events being the life of one message
 * to one recipient (Queued, Delivered, an open, a deferral, a late bounce). `run` keeps the events of two runs
 * against one database apart, so that no run's events are the duplicates of another's.
 */
const TYPES = ['Queued', 'Delivered', 'Tracking', 'Deferred', 'Failed'];

export function benchEvent(n: number, run: string, secret: string): string {
  const type = TYPES[n % TYPES.length];
  const message = Math.floor(n / TYPES.length);
  const base: Record<string, unknown> = {
    Type: type,
    DateTime: new Date(Date.UTC(2026, 10, 23) + n).toISOString().replace('Z', '0000Z'),
    ServerId: 12345,
    SubaccountId: 12345,
    IpPoolId: 7,
    Address: `recipient${message % 5000}@example.com`,
    MailingId: 'bench-mailing',
    MessageId: `bench-${run}-${message}`,
    SecretKey: secret,
    Data: {
      Meta: [
        { Key: 'x-campaign', Value: 'november' },
        { Key: 'x-user', Value: String(n) },
      ],
      Tags: ['bench', 'newsletter'],
    },
  };
  if (type === 'Queued')
    Object.assign(base, { FromAddress: 'news@example.org', Subject: 'Your November digest', MessageSize: 24817 });
  if (type === 'Delivered')
    Object.assign(base, {
      Response: '250 2.0.0 OK 1700000000 gsmtp',
      LocalIp: '142.0.176.12',
      RemoteMta: 'gmail-smtp-in.l.google.com',
    });
  if (type === 'Tracking')
    Object.assign(base, {
      TrackingType: 1,
      ClientIp: '203.0.113.9',
      UserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
      Url: '',
    });
  if (type === 'Deferred')
    Object.assign(base, { FromAddress: 'news@example.org', DeferralCode: 3001, Reason: '452 4.2.2 Mailbox full' });
  if (type === 'Failed')
    Object.assign(base, {
      FromAddress: 'news@example.org',
      FailureType: 'Permanent',
      FailureCode: 2001,
      Reason: '550 5.1.1 No such user',
      RemoteMta: 'mx.example.com',
    });
  return JSON.stringify(base);
}
