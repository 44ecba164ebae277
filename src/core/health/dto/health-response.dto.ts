/** In a file of its own (`*.dto.ts`) so that the Swagger plugin documents its fields. */
export class HealthResponseDto {
  /** `ok` when PostgreSQL, the read replica if there is one, and Redis all answer; `degraded` (503) otherwise. */
  status: 'ok' | 'degraded';
  /** The primary (DATABASE_URL). */
  database: 'up' | 'down';
  /** The read replica (DATABASE_READ_URL); absent when the read API reads the primary. */
  databaseRead?: 'up' | 'down';
  redis: 'up' | 'down';
}

export class ReadinessResponseDto {
  /** `ready` when PostgreSQL (the primary) answers; `unready` (503) otherwise. Redis and the replica do not count. */
  status: 'ready' | 'unready';
  /** The primary (DATABASE_URL). */
  database: 'up' | 'down';
  /** The read replica (DATABASE_READ_URL); absent when the read API reads the primary. Down: only the read API fails. */
  databaseRead?: 'up' | 'down';
  /** Down: webhooks are still stored and answered 200; they are processed once Redis is back. */
  redis: 'up' | 'down';
}

export class LivenessResponseDto {
  /** Always `ok`: the process answers. */
  status: 'ok';
}
