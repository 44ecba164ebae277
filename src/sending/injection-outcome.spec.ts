import { judgeInjectionResponse, refusedRecipientCount, sdkErrorCodeForHttp } from './injection-outcome';

const answer = (ErrorCode: string, MessageResults: any = [], TransactionReceipt: string | null = null) => ({
  ErrorCode,
  MessageResults,
  TransactionReceipt,
});

describe('judgeInjectionResponse', () => {
  it('Success is 200', () => {
    expect(judgeInjectionResponse(answer('Success'), 1)).toEqual({ kind: 'success', status: 200 });
    expect(judgeInjectionResponse(answer('Success', null), 1)).toEqual({ kind: 'success', status: 200 });
  });

  it('a Warning with refused recipients is 207, with how many were refused', () => {
    const res = answer('Warning', [
      {
        Index: 0,
        ErrorCode: 'Warning',
        AddressResults: [
          { EmailAddress: 'a@x', Accepted: false, ErrorCode: 'InvalidAddress' },
          { EmailAddress: 'b@x', Accepted: true, ErrorCode: 'Success' },
          { EmailAddress: 'c@x', Accepted: false, ErrorCode: 'InvalidAddress' },
        ],
      },
    ]);
    expect(judgeInjectionResponse(res, 1)).toEqual({ kind: 'partial', status: 207, refusedRecipients: 2 });
    expect(refusedRecipientCount(res)).toBe(2);
  });

  it('a Warning whose every message was refused is a 422 naming the reason', () => {
    const outcome = judgeInjectionResponse(
      answer('Warning', [{ Index: 0, ErrorCode: 'InvalidTemplateId', AddressResults: null }]),
      1,
    );
    expect(outcome).toMatchObject({
      kind: 'failure',
      status: 422,
      code: 'SOCKETLABS_UNPROCESSABLE',
      errorCode: 'Warning',
    });
    expect((outcome as { message: string }).message).toContain('InvalidTemplateId (the apiTemplate does not exist)');
  });

  it('a Warning without results is a 207 (nothing says the message was refused)', () => {
    expect(judgeInjectionResponse(answer('Warning', null), 1)).toEqual({
      kind: 'partial',
      status: 207,
      refusedRecipients: 0,
    });
  });

  it('maps request-level codes, and says when the message may have been sent all the same', () => {
    expect(judgeInjectionResponse(answer('OverQuota'), 1)).toMatchObject({
      status: 429,
      code: 'SOCKETLABS_RATE_LIMITED',
    });
    expect(judgeInjectionResponse(answer('InvalidAuthentication'), 1)).toMatchObject({
      status: 502,
      code: 'SOCKETLABS_AUTH_FAILED',
    });
    const refused = judgeInjectionResponse(answer('NoValidRecipients'), 1) as { status: number; message: string };
    expect(refused.status).toBe(422);
    expect(refused.message).toMatch(/Nothing was sent/);
    const internal = judgeInjectionResponse(answer('InternalError', [], 'r-1'), 1) as {
      status: number;
      message: string;
    };
    expect(internal.status).toBe(502);
    expect(internal.message).toMatch(/may have sent the message.*TransactionReceipt r-1/);
  });
});

describe('sdkErrorCodeForHttp', () => {
  it('names HTTP failures as the SDKs do', () => {
    expect(sdkErrorCodeForHttp(401, false)).toBe('InvalidAuthentication');
    expect(sdkErrorCodeForHttp(500, false)).toBe('InternalError');
    expect(sdkErrorCodeForHttp(undefined, true)).toBe('Timeout');
    expect(sdkErrorCodeForHttp(408, false)).toBe('Timeout');
    expect(sdkErrorCodeForHttp(502, false)).toBe('UnknownError');
  });
});
