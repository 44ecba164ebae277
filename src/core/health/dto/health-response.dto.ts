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
