import { DataSource } from 'typeorm';
import { AuditService } from '../core/audit/audit.service';
import { AppConfig } from '../core/config/app-config';
import { AppException } from '../core/http/app.exception';
import { AddressErasureService } from './address-erasure.service';

describe('AddressErasureService without ERASURE_SECRET', () => {
  it('refuses with 503 ERASURE_NOT_CONFIGURED before touching the database', async () => {
    const transaction = jest.fn();
    const service = new AddressErasureService(
      { transaction } as unknown as DataSource,
      AppConfig.fromEnvironment({ ERASURE_SECRET: '' }),
      {} as AuditService,
    );
    const err = await service.erase('jane@example.com', undefined, 'r1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppException);
    expect((err as AppException).getStatus()).toBe(503);
    expect((err as AppException).code).toBe('ERASURE_NOT_CONFIGURED');
    expect(transaction).not.toHaveBeenCalled();
  });
});
