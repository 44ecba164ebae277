// Data source for the TypeORM CLI (`npm run migration:generate`, `migration:run`, `migration:check`).
import 'dotenv/config';
import { DataSource } from 'typeorm';
import { databaseOptions } from './database-options';

export default new DataSource(
  databaseOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/socketlabs_gateway'),
);
