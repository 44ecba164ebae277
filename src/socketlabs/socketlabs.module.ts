import { Global, Module } from '@nestjs/common';
import { SocketLabsClient } from './socketlabs.client';

/**
 * The SocketLabs adapter, global: any module injects `SocketLabsClient` without importing this one.
 * Proxy modules use `SocketLabsPaths` (socketlabs.paths.ts) for every upstream route and
 * `@AuditProxiedWrite()` (proxied-write-audit.interceptor.ts) for the audit of their writes.
 */
@Global()
@Module({
  providers: [SocketLabsClient],
  exports: [SocketLabsClient],
})
export class SocketLabsModule {}
