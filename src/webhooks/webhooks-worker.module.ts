import { Module } from '@nestjs/common';

/** The processors of stored events. Loaded only by processes whose ROLE runs workers (`all`, `worker`). */
@Module({})
export class WebhooksWorkerModule {}
