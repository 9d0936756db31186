import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source.options';

/**
 * For the TypeORM CLI (`npm run migration:generate`): uses DATABASE_URL, which must point at a
 * database with every committed migration applied.
 */
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must be set to use the TypeORM CLI');
export default new DataSource(buildDataSourceOptions(url));
